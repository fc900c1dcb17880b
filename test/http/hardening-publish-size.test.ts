// What one package may store is bounded (security review 2, publish item 3): body-only fields
// are dropped (a 60 MiB custom field in the body manifest no longer reaches the packument), the
// stored readme is cut to 256 KiB, and a package's manifests together are capped
// (`maxPackumentMb`, 413 naming it), so packages at the cap stay cached and reads of them
// never re-render on the event loop.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
const CAP_MIB = 3;
before(async () => {
  t = await startApp({ 'max-packument-mb': String(CAP_MIB) });
  alice = await t.signUp('alice');
});
after(() => t.close());

const put = (name: string, body: unknown) => t.request({ method: 'PUT', url: `/${name}`, payload: body as object, token: alice });

test('the reviewer\'s input: a huge custom field in the body manifest is dropped, never stored or served', async () => {
  const body = publishBody('bigpk-a', '1.0.0', { tarballManifest: { name: 'bigpk-a', version: '1.0.0', main: 'index.js' } });
  body.versions['1.0.0']['x-notes'] = 'A'.repeat(8 << 20);
  const res = await put('bigpk-a', body);
  assert.equal(res.statusCode, 201, res.body);
  const read = await t.request({ url: '/bigpk-a' });
  assert.ok(read.body.length < 4096, `packument is ${read.body.length} bytes`);
  assert.equal(read.json().versions['1.0.0']['x-notes'], undefined);
});

test('a README over 256 KiB is stored cut to 256 KiB (the body may carry it whole)', async () => {
  const readme = `# Big\n${'é'.repeat(200_000)}`;
  const body = publishBody('big-readme', '1.0.0', { manifest: { readme, readmeFilename: 'README.md' }, files: { 'README.md': readme } });
  const res = await put('big-readme', body);
  assert.equal(res.statusCode, 201, res.body);
  const stored = (await t.deps.store.packages.get('big-readme'))!.versions[0].manifest.readme as string;
  assert.ok(Buffer.byteLength(stored) <= 256 * 1024 && Buffer.byteLength(stored) > 255 * 1024, `${Buffer.byteLength(stored)} bytes`);
  assert.ok(readme.startsWith(stored));
});

/** Publishes versions of `name` whose package.json carries ~900 KiB until the cap refuses one; returns that answer. */
async function fill(name: string) {
  for (let i = 0; i < 20; i++) {
    const version = `1.0.${i}`;
    const pkg = { name, version, main: 'index.js', description: 'd'.repeat(900 * 1024) };
    const res = await put(name, publishBody(name, version, { manifest: pkg }));
    if (res.statusCode !== 201) return { res, published: i };
  }
  throw new Error('the cap never refused a version');
}

test('a package\'s manifests are capped at maxPackumentMb (413 naming it); packages at the cap are read repeatedly without stalling /-/ping', async () => {
  const a = await fill('at-cap-a');
  assert.equal(a.res.statusCode, 413, a.res.body);
  assert.equal(a.res.json().code, 'BODY_TOO_LARGE');
  assert.match(a.res.json().error, /maxPackumentMb/);
  assert.equal(a.published, CAP_MIB, 'three versions of ~0.9 MiB fit in 3 MiB, a fourth does not');
  const b = await fill('at-cap-b');
  assert.equal(b.res.statusCode, 413);
  // the refused version left nothing: it is not listed and can still be published later
  assert.equal((await t.request({ url: '/at-cap-a/1.0.3' })).statusCode, 404);

  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  for (const name of ['at-cap-a', 'at-cap-b']) assert.equal((await fetch(`${base}/${name}`)).status, 200);
  // from now on every read is served from the packument cache: no package is loaded again
  const packages = t.deps.store.packages;
  const load = packages.get.bind(packages);
  let loads = 0;
  packages.get = (name) => {
    loads++;
    return load(name);
  };
  let done = false;
  const readers = Promise.all(
    [0, 1, 2, 3].map(async (r) => {
      for (let k = 0; k < 6; k++) {
        const res = await fetch(`${base}/${(r + k) % 2 ? 'at-cap-a' : 'at-cap-b'}`);
        assert.equal(res.status, 200);
        assert.ok((await res.arrayBuffer()).byteLength > 2.5 * 1024 * 1024);
      }
    }),
  ).finally(() => { done = true; });
  let worst = 0;
  while (!done) {
    const t0 = performance.now();
    assert.equal((await fetch(`${base}/-/ping`)).status, 200);
    worst = Math.max(worst, performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  await readers;
  assert.equal(loads, 0, 'packages at the cap stay cached while both are read');
  t.deps.packageChanged('at-cap-a');
  assert.equal((await fetch(`${base}/at-cap-a`)).status, 200);
  assert.equal(loads, 1, 'the counter sees the reload after a change');
  packages.get = load;
  assert.ok(worst < 500, `slowest /-/ping during the reads: ${worst.toFixed(0)} ms`);
});
