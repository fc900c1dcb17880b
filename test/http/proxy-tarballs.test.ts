// Proxied tarballs (issue #15, item 3) against an upstream of the test's own: fetched on the
// first request, streamed while checked and stored, then served from the blob store (also with
// the upstream gone); a tampered tarball cut mid-stream, nothing stored, and 502 with the reason
// until the upstream serves the right bytes; sha1-only packuments; the size limit.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { FAILURE_RETRY_MS } from '../../src/core/proxy/fetch-tarball.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createServer } from '../../src/server.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

let up: TestUpstream;
let t: TestApp;
let base: string;
const clock = new TestClock();

before(async () => {
  up = await startUpstream();
  t = await startApp({ upstream: up.url, 'max-body-mb': '1' }, clock);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/`;
});

after(async () => {
  await t.close();
  await up.close();
});

/** A GET that reports whether the body arrived whole or the response was cut. */
function download(path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: false }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tarballRequests = (path: string) => up.requests.filter((r) => r.url === path).length;

test('a tarball is fetched on first request, streamed, checked and stored; then served from the store, with the upstream gone too', async () => {
  const bytes = randomBytes(200_000);
  up.addVersion('streamed', '1.0.0', bytes);
  const doc = (await (await fetch(`${base}streamed`, { headers: { accept: ABBREVIATED } })).json()) as { versions: Record<string, { dist: { tarball: string } }> };
  assert.equal(doc.versions['1.0.0'].dist.tarball, 'http://registry.test/streamed/-/streamed-1.0.0.tgz');
  const first = await download('streamed/-/streamed-1.0.0.tgz');
  assert.equal(first.status, 200);
  assert.equal(first.complete, true);
  assert.equal(first.headers['x-tessera-cache'], 'miss');
  assert.ok(first.body.equals(bytes));
  const row = await t.deps.store.proxy.getTarball('streamed', 'streamed-1.0.0.tgz');
  assert.ok(row, 'stored');
  assert.equal(row.blobKey, createHash('sha512').update(bytes).digest('hex'));
  assert.equal(row.size, bytes.length);
  const second = await download('streamed/-/streamed-1.0.0.tgz');
  assert.equal(second.headers['x-tessera-cache'], 'hit');
  assert.ok(second.body.equals(bytes));
  assert.equal(tarballRequests('/streamed/-/streamed-1.0.0.tgz'), 1);
  // A second node on the same data, with the upstream gone: the stored copies are served.
  const gone = await startUpstream();
  await gone.close();
  const node2 = await createServer(loadConfig({ flags: { data: t.dataDir, url: 'http://registry.test/', upstream: gone.url }, env: {} }), { clock });
  try {
    clock.advanceSeconds(300);
    const packument = await node2.app.inject({ method: 'GET', url: '/streamed', headers: { accept: ABBREVIATED } });
    assert.equal(packument.statusCode, 200);
    assert.equal(packument.headers.warning, '110 - "Response is stale"');
    const res = await node2.app.inject({ method: 'GET', url: '/streamed/-/streamed-1.0.0.tgz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-tessera-cache'], 'hit');
    assert.ok(res.rawPayload.equals(bytes));
  } finally {
    await node2.close();
  }
});

test('a tampered tarball is cut mid-stream, nothing is stored, and later requests get 502 with the reason until the upstream is right', async () => {
  const good = randomBytes(300_000);
  up.addVersion('tampered', '1.0.0', good);
  await fetch(`${base}tampered`, { headers: { accept: ABBREVIATED } });
  const evil = Buffer.from(good);
  evil[1000] ^= 0xff;
  up.tarballs.set('/tampered/-/tampered-1.0.0.tgz', evil);
  const cut = await download('tampered/-/tampered-1.0.0.tgz');
  assert.equal(cut.status, 200, 'the 200 was sent before the check');
  assert.equal(cut.complete, false, 'the response is destroyed before it ends');
  assert.ok(cut.body.length < evil.length, 'the client never has the whole body');
  assert.equal(await t.deps.store.proxy.getTarball('tampered', 'tampered-1.0.0.tgz'), null, 'nothing stored');
  assert.equal(await t.deps.blobs.get(createHash('sha512').update(evil).digest('hex')), null, 'no blob kept');
  const refused = await t.request({ method: 'GET', url: '/tampered/-/tampered-1.0.0.tgz' });
  assert.equal(refused.statusCode, 502);
  assert.equal(refused.json().code, 'UPSTREAM_FAILED');
  assert.match(refused.json().error, /does not match the integrity/);
  assert.equal(tarballRequests('/tampered/-/tampered-1.0.0.tgz'), 1, 'the failure is answered without asking again');
  up.tarballs.set('/tampered/-/tampered-1.0.0.tgz', good);
  clock.advanceMs(FAILURE_RETRY_MS + 1);
  const fixed = await download('tampered/-/tampered-1.0.0.tgz');
  assert.equal(fixed.status, 200);
  assert.equal(fixed.complete, true);
  assert.ok(fixed.body.equals(good));
  assert.ok(await t.deps.store.proxy.getTarball('tampered', 'tampered-1.0.0.tgz'));
});

test('a packument with only a shasum: the tarball is checked with sha1', async () => {
  const bytes = Buffer.from('old package bytes');
  up.addVersion('old-style', '0.1.0', bytes, { shasumOnly: true });
  await fetch(`${base}old-style`);
  const res = await download('old-style/-/old-style-0.1.0.tgz');
  assert.equal(res.status, 200);
  assert.ok(res.body.equals(bytes));
  const row = await t.deps.store.proxy.getTarball('old-style', 'old-style-0.1.0.tgz');
  assert.equal(row?.integrity, `sha1-${createHash('sha1').update(bytes).digest('base64')}`);
});

test('a tarball over maxBodyMb is refused: declared too large 502, nothing stored', async () => {
  const big = randomBytes(1024 * 1024 + 10);
  up.addVersion('huge', '1.0.0', big);
  await fetch(`${base}huge`);
  const res = await t.request({ method: 'GET', url: '/huge/-/huge-1.0.0.tgz' });
  assert.equal(res.statusCode, 502);
  assert.match(res.json().error, /over the limit/);
  assert.equal(await t.deps.store.proxy.getTarball('huge', 'huge-1.0.0.tgz'), null);
});

test('a tarball the upstream lacks is our 404; a file the packument does not list is 404 without asking', async () => {
  up.addVersion('gone-tarball', '1.0.0', Buffer.from('g'));
  up.tarballs.delete('/gone-tarball/-/gone-tarball-1.0.0.tgz');
  await fetch(`${base}gone-tarball`);
  const res = await t.request({ method: 'GET', url: '/gone-tarball/-/gone-tarball-1.0.0.tgz' });
  assert.equal(res.statusCode, 404);
  assert.match(res.json().error, /upstream default has no tarball/);
  const before = up.requests.length;
  const other = await t.request({ method: 'GET', url: '/gone-tarball/-/gone-tarball-9.9.9.tgz' });
  assert.equal(other.statusCode, 404);
  assert.equal(up.requests.length, before);
});

test('a tarball answered with a redirect is refused (502, never followed); HEAD of a tarball not stored asks nothing', async () => {
  up.addVersion('redirected', '1.0.0', Buffer.from('r'));
  await fetch(`${base}redirected`);
  up.overrides.set('/redirected/-/redirected-1.0.0.tgz', { status: 302, headers: { location: 'http://198.51.100.9/x.tgz' } });
  const res = await t.request({ method: 'GET', url: '/redirected/-/redirected-1.0.0.tgz' });
  assert.equal(res.statusCode, 502);
  assert.match(res.json().error, /status 302/);
  assert.equal(await t.deps.store.proxy.getTarball('redirected', 'redirected-1.0.0.tgz'), null);
  up.overrides.delete('/redirected/-/redirected-1.0.0.tgz');
  const before = tarballRequests('/redirected/-/redirected-1.0.0.tgz');
  const head = await t.request({ method: 'HEAD', url: '/redirected/-/redirected-1.0.0.tgz' });
  assert.equal(head.statusCode, 200);
  assert.equal(tarballRequests('/redirected/-/redirected-1.0.0.tgz'), before);
});

test('concurrent requests for a tarball not stored yet make one upstream request', async () => {
  const bytes = randomBytes(50_000);
  up.addVersion('herd', '1.0.0', bytes);
  await fetch(`${base}herd`);
  up.delayMs = 200;
  try {
    const answers = await Promise.all(Array.from({ length: 10 }, () => download('herd/-/herd-1.0.0.tgz')));
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.ok(a.body.equals(bytes));
    }
    assert.deepEqual(answers.map((a) => a.headers['x-tessera-cache']).sort(), ['hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'miss']);
  } finally {
    up.delayMs = 0;
  }
  assert.equal(tarballRequests('/herd/-/herd-1.0.0.tgz'), 1);
});

test('a stored tarball is served with the upstream gone even when no copy of its packument form is kept', async () => {
  const bytes = randomBytes(5000);
  up.addVersion('full-only', '1.0.0', bytes);
  assert.equal((await fetch(`${base}full-only`)).status, 200, 'the full form only');
  assert.equal((await download('full-only/-/full-only-1.0.0.tgz')).status, 200);
  assert.equal(await t.deps.store.proxy.getPackument('full-only', 'abbreviated'), null);
  const gone = await startUpstream();
  await gone.close();
  const node2 = await createServer(loadConfig({ flags: { data: t.dataDir, url: 'http://registry.test/', upstream: gone.url }, env: {} }), { clock });
  try {
    const res = await node2.app.inject({ method: 'GET', url: '/full-only/-/full-only-1.0.0.tgz' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['x-tessera-cache'], 'hit');
    assert.ok(res.rawPayload.equals(bytes));
    await node2.deps.store.proxy.block({ name: 'full-only', version: '1.0.0', reason: 'pulled', by: 'admin', at: 0 });
    const blocked = await node2.app.inject({ method: 'GET', url: '/full-only/-/full-only-1.0.0.tgz' });
    assert.equal(blocked.statusCode, 502, 'a blocked version is not served this way');
  } finally {
    await node2.close();
  }
});
