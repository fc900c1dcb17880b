// Existence does not leak through writes (issue 12 item 17, and its siblings found by the
// second outside attack): for a caller who may not see a restricted package (another user, an
// anonymous caller, or the owner's own token whose package limits do not cover it), every write
// route answers exactly as it does for a package that does not exist: same status, same text
// (but for the name).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
let mallory: string;
let limited: string;

before(async () => {
  t = await startApp();
  alice = await t.signUp('alice');
  mallory = await t.signUp('mallory');
  const pub = await t.request({ method: 'PUT', url: '/@alice%2fsecret', token: alice, payload: publishBody('@alice/secret', '1.0.0', { access: 'restricted' }) });
  assert.equal(pub.statusCode, 201, pub.body);
  const other = await t.request({ method: 'PUT', url: '/@alice%2fother', token: alice, payload: publishBody('@alice/other', '1.0.0') });
  assert.equal(other.statusCode, 201, other.body);
  const tok = await t.request({
    method: 'POST',
    url: '/-/npm/v1/tokens',
    token: alice,
    payload: { name: null, password: PASSWORD, packages: ['@alice/other'], packages_and_scopes_permission: 'read-write' },
  });
  assert.equal(tok.statusCode, 201, tok.body);
  limited = tok.json().token;
});

after(() => t.close());

interface Probe {
  what: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: (pkg: string) => string;
  body?: unknown;
}

const enc = (name: string) => name.replace('/', '%2f');
const probes: Probe[] = [
  { what: 'PUT {versions: {}}', method: 'PUT', path: (p) => `/${enc(p)}`, body: { versions: {} } },
  { what: 'PUT {_id}', method: 'PUT', path: (p) => `/${enc(p)}`, body: { _id: 'x' } },
  { what: 'PUT a deprecation', method: 'PUT', path: (p) => `/${enc(p)}`, body: { versions: { '1.0.0': { deprecated: 'old' } } } },
  { what: 'PUT -rev owners', method: 'PUT', path: (p) => `/${enc(p)}/-rev/1-0000000000000000`, body: { _id: 'x', maintainers: [{ name: 'mallory' }] } },
  { what: 'dist-tag add', method: 'PUT', path: (p) => `/-/package/${enc(p)}/dist-tags/beta`, body: '1.0.0' },
  { what: 'dist-tag rm', method: 'DELETE', path: (p) => `/-/package/${enc(p)}/dist-tags/beta` },
  { what: 'dist-tag ls', method: 'GET', path: (p) => `/-/package/${enc(p)}/dist-tags` },
  { what: 'unpublish', method: 'DELETE', path: (p) => `/${enc(p)}/-rev/1-0000000000000000` },
  { what: 'tarball delete', method: 'DELETE', path: (p) => `/${enc(p)}/-/secret-1.0.0.tgz/-rev/1-0000000000000000` },
  { what: 'access set', method: 'POST', path: (p) => `/-/package/${enc(p)}/access`, body: { access: 'public' } },
  { what: 'access get', method: 'GET', path: (p) => `/-/package/${enc(p)}/access` },
  { what: 'collaborators', method: 'GET', path: (p) => `/-/package/${enc(p)}/collaborators` },
  { what: 'star', method: 'PUT', path: (p) => `/${enc(p)}`, body: { _id: 'PKG', users: { mallory: true } } },
];

async function answer(probe: Probe, pkg: string, token: string | undefined) {
  const body = probe.body === undefined ? undefined : JSON.parse(JSON.stringify(probe.body).replace('"PKG"', JSON.stringify(pkg)));
  const res = await t.request({ method: probe.method, url: probe.path(pkg), token, ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: res.statusCode, text: res.body.replaceAll(pkg, 'PKG') };
}

for (const [who, token] of [
  ['another user', () => mallory],
  ["the owner's token limited to another package", () => limited],
  ['an anonymous caller', () => undefined],
] as const) {
  test(`${who}: every write route answers a hidden package as a missing one`, async () => {
    for (const probe of probes) {
      const hidden = await answer(probe, '@alice/secret', token());
      const missing = await answer(probe, '@alice/nothing', token());
      assert.deepEqual(hidden, missing, `${probe.what}: ${hidden.status} vs ${missing.status}`);
      assert.ok(hidden.status >= 400 && hidden.status < 500, `${probe.what}: ${hidden.status}`);
    }
    // Nothing changed: the package is as it was.
    const pkg = await t.deps.store.packages.get('@alice/secret');
    assert.equal(pkg?.access, 'restricted');
    assert.deepEqual(Object.keys(pkg?.distTags ?? {}), ['latest']);
    assert.deepEqual(pkg?.owners.map((o) => o.name), ['alice']);
  });
}

test('the owner with a covering credential still reads and writes the restricted package', async () => {
  const tag = await t.request({ method: 'PUT', url: '/-/package/@alice%2fsecret/dist-tags/beta', token: alice, payload: '"1.0.0"', headers: { 'content-type': 'application/json' } });
  assert.equal(tag.statusCode, 201, tag.body);
  // The limited token may write the package it covers.
  const other = await t.request({ method: 'PUT', url: '/-/package/@alice%2fother/dist-tags/beta', token: limited, payload: '"1.0.0"', headers: { 'content-type': 'application/json' } });
  assert.equal(other.statusCode, 201, other.body);
});
