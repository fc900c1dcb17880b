// The work an authenticated client can make the server do with a request body is bounded (review
// 2, edge re-attack item 1): a compressed body inflates to at most INFLATE_RATIO times the bytes
// received (after the first MiB), so 132 KB of gzip no longer becomes 130 MiB of JSON; and large
// publish bodies are received and parsed only a few at a time, server-wide and per account, so
// N signed-up users cannot make the node hold N x maxBodyMb.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { INFLATE_RATIO } from '../../src/http/request-bodies.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { makeTarball, publishBody, publishBodyFor } from '../support/tarball.ts';

const MiB = 1024 * 1024;
let t: TestApp;
let port: number;
let alice: string;
let bob: string;
let carol: string;
let dave: string;
before(async () => {
  t = await startApp({ 'max-body-mb': '140', 'large-bodies-at-once': '3', 'large-bodies-per-user': '2' });
  [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => t.signUp(n)));
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
after(() => t.close());

/** The reviewer's body: `{"name":"gzpkg","pad":"AAAA…"}` of `mib` MiB, gzip level 9 (~1 KB per MiB). */
async function jsonBomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (d: Buffer) => parts.push(d));
  const done = new Promise((r) => gz.on('end', r));
  gz.write('{"name":"gzpkg","pad":"');
  const chunk = Buffer.alloc(MiB, 'A');
  for (let i = 0; i < mib; i++) gz.write(chunk);
  gz.end('"}');
  await done;
  return Buffer.concat(parts);
}

/** A tarball of `mib` MiB of random bytes (it does not compress), valid for `name@version`. */
const bigTarball = (name: string, version: string, mib: number) =>
  makeTarball({ 'package.json': JSON.stringify({ name, version, main: 'index.js' }), 'index.js': '', 'blob.bin': randomBytes(mib * MiB) });

/** One HTTP request over a fresh connection: status, headers and body text. */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pingMs(): Promise<number> {
  const started = performance.now();
  const r = await send('GET', '/-/ping', {});
  assert.equal(r.status, 200);
  return performance.now() - started;
}

test('the reviewer input: 24 authenticated 130 MiB gzip bombs in parallel get 413, memory and /-/ping stay bounded', async () => {
  const bomb = await jsonBomb(130);
  assert.ok(bomb.length < 200_000, `${bomb.length} bytes on the wire`);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  // Each from a different account would pass the per-user cap: the bomb is stopped by the ratio.
  const tokens = [alice, bob, carol, dave];
  const attacks = Array.from({ length: 24 }, (_, i) =>
    send('PUT', '/gzpkg', { authorization: `Bearer ${tokens[i % 4]}`, 'content-encoding': 'gzip', 'content-type': 'application/json' }, bomb),
  );
  const pings: number[] = [];
  let finished = false;
  const all = Promise.all(attacks).finally(() => (finished = true));
  while (!finished) pings.push(await pingMs());
  const results = await all;
  clearInterval(sampler);
  for (const r of results) {
    // 413 when the ratio stops it; 503/429 when the large-body caps refuse it before reading.
    assert.ok([413, 429, 503].includes(r.status), `${r.status} ${r.body}`);
    assert.ok(['BODY_TOO_LARGE', 'TOO_MANY_UPLOADS', 'SERVER_BUSY'].includes(JSON.parse(r.body).code));
  }
  assert.ok(results.some((r) => r.status === 413 && /inflates to more than/.test(r.body)), 'the ratio is named');
  const grew = (peak - rssBefore) / MiB;
  assert.ok(grew < 150, `RSS grew by ${grew.toFixed(0)} MiB (before: 130 MiB per body)`);
  assert.ok(performance.now() - started < 10_000, 'answered quickly');
  assert.ok(Math.max(...pings) < 1000, `/-/ping took up to ${Math.max(...pings).toFixed(0)} ms during the attack`);
  assert.equal((await t.request({ method: 'GET', url: '/gzpkg' })).statusCode, 404, 'nothing was published');
});

test('siblings: deflate, br and chunked gzip bombs are stopped at the ratio; only the first MiB is free', async () => {
  const json = Buffer.concat([Buffer.from('{"name":"bombs","pad":"'), Buffer.alloc(40 * MiB, 'A'), Buffer.from('"}')]);
  const codings: Array<[string, Buffer]> = [
    ['deflate', deflateSync(json, { level: 9 })],
    ['br', brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
    ['x-gzip', gzipSync(json, { level: 9 })],
  ];
  for (const [coding, body] of codings) {
    const r = await send('PUT', '/bombs', { authorization: `Bearer ${alice}`, 'content-encoding': coding }, body);
    assert.equal(r.status, 413, `${coding}: ${r.body}`);
    assert.equal(JSON.parse(r.body).code, 'BODY_TOO_LARGE');
  }
  // Chunked (no Content-Length): the same ratio applies as the bytes arrive.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/bombs', agent: false, headers: { authorization: `Bearer ${alice}`, 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(gzipSync(json));
  });
  assert.equal(chunked, 413);
  // A small body may inflate beyond the ratio up to the first MiB (sign-ups, audits, dist-tags).
  const smallJson = JSON.stringify({ name: 'erin', password: 'violet kettle orbit 42', email: 'erin@example.com', pad: 'B'.repeat(900_000) });
  const small = await send('PUT', '/-/user/org.couchdb.user:erin', { 'content-encoding': 'gzip', 'content-type': 'application/json' }, gzipSync(smallJson));
  assert.equal(small.status, 201, small.body);
});

test(`a real gzip-encoded publish of a 3 MiB tarball (it inflates ~1.4x, under ${INFLATE_RATIO}x) still succeeds`, async () => {
  const tarball = bigTarball('big-gz', '1.0.0', 3);
  const body = gzipSync(JSON.stringify(publishBodyFor('big-gz', '1.0.0', tarball)));
  const r = await send('PUT', '/big-gz', { authorization: `Bearer ${alice}`, 'content-encoding': 'gzip', 'content-type': 'application/json' }, body);
  assert.equal(r.status, 201, r.body);
});

/** Opens a publish with a large declared body and sends only its first bytes (holds a slot). */
function slowPublish(token: string, name: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.write(`PUT /${name} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: ${20 * MiB}\r\n\r\n{"name":"${name}","pad":"`);
      // The slot is taken in preParsing; give the server a moment to get there.
      setTimeout(() => resolve(s), 150);
    });
    s.on('error', reject);
  });
}

test('large bodies in flight are capped per account (429) and server-wide (503) before reading; small publishes are not counted', async () => {
  const held = [await slowPublish(alice, 'slow-a1'), await slowPublish(alice, 'slow-a2')];
  const big = Buffer.alloc(2 * MiB, ' ');
  const third = await send('PUT', '/slow-a3', { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'content-length': String(20 * MiB) });
  assert.equal(third.status, 429, third.body);
  assert.equal(JSON.parse(third.body).code, 'TOO_MANY_UPLOADS');
  assert.ok(Number(third.headers['retry-after']) > 0);
  assert.equal(third.headers.connection, 'close', 'the unread body is not drained');
  // A chunked body counts as large too.
  const chunked = await send('PUT', '/slow-a3', { authorization: `Bearer ${alice}`, 'transfer-encoding': 'chunked' }, big);
  assert.equal(chunked.status, 429);

  held.push(await slowPublish(bob, 'slow-b1'));
  const busy = await send('PUT', '/slow-c1', { authorization: `Bearer ${carol}`, 'content-type': 'application/json', 'content-length': String(20 * MiB) });
  assert.equal(busy.status, 503, busy.body);
  assert.equal(JSON.parse(busy.body).code, 'SERVER_BUSY');
  assert.ok(Number(busy.headers['retry-after']) > 0);

  // Small bodies (under 1 MiB) pass while the large slots are taken.
  const small = await t.request({ method: 'PUT', url: '/small-c', token: carol, payload: publishBody('small-c', '1.0.0') });
  assert.equal(small.statusCode, 201, small.body);

  // Slots free when their requests end; then a large publish goes through.
  for (const s of held) s.destroy();
  await new Promise((r) => setTimeout(r, 200));
  const tarball = bigTarball('large-c', '1.0.0', 2);
  const ok = await send('PUT', '/large-c', { authorization: `Bearer ${carol}`, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(publishBodyFor('large-c', '1.0.0', tarball))));
  assert.equal(ok.status, 201, ok.body);
  // Finished requests gave their slots back: three more in a row from one account work.
  for (const v of ['1.0.1', '1.0.2', '1.0.3']) {
    const tb = bigTarball('large-c', v, 2);
    const r = await send('PUT', '/large-c', { authorization: `Bearer ${carol}`, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(publishBodyFor('large-c', v, tb))));
    assert.equal(r.status, 201, r.body);
  }
});
