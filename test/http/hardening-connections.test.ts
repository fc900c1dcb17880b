// Every connection has a deadline, and one client address holds a bounded number of them
// (review 2 finding 2): slow partial bodies and headers are closed within the deadline, a
// reader that stops reading is dropped, connections over the cap from one address are refused
// while another address is still answered, and a slow but steady large publish succeeds.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { addressNetwork as clientKey } from '../../src/core/accounts/address.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
let port: number;
const GRACE_S = 2;
before(async () => {
  t = await startApp({
    'min-transfer-rate': '16384',
    'transfer-grace-seconds': String(GRACE_S),
    'headers-timeout-seconds': '2',
    'max-connections-per-client': '6',
  });
  alice = await t.signUp('alice');
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
after(() => t.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Resolves with the time (ms) until the server closes the socket, or rejects after `maxMs`. */
function closedWithin(s: Socket, maxMs: number, feed?: () => void): Promise<{ ms: number; data: string }> {
  const started = performance.now();
  let data = '';
  s.on('data', (d) => (data += d.toString()));
  s.removeAllListeners('error');
  s.on('error', () => {});
  const feeder = feed ? setInterval(() => !s.destroyed && feed(), 1000) : null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (feeder) clearInterval(feeder);
      s.destroy();
      reject(new Error(`still open after ${maxMs} ms`));
    }, maxMs);
    s.on('close', () => {
      clearTimeout(timer);
      if (feeder) clearInterval(feeder);
      resolve({ ms: performance.now() - started, data });
    });
  });
}

async function get(path: string, localAddress = '127.0.0.1'): Promise<string> {
  const s = await open(localAddress);
  s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
  const { data } = await closedWithin(s, 5000);
  return data;
}

test('client addresses are counted per IPv4 address and per IPv6 /64', () => {
  assert.equal(clientKey('127.0.0.1'), '127.0.0.1');
  assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
});

test('a body that trickles in (one byte a second) is dropped within the grace period, authenticated or not', async () => {
  const cases = [
    `PUT /slow-pkg HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${alice}\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n{`,
    `PUT /-/user/org.couchdb.user:slow HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{`,
    `POST /-/v1/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n`,
    `GET /-/ping HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n{`,
  ];
  const results = await Promise.all(
    cases.map(async (head) => {
      const s = await open();
      s.write(head);
      return closedWithin(s, (GRACE_S + 4) * 1000, () => s.write(' '));
    }),
  );
  for (const r of results) assert.ok(r.ms < (GRACE_S + 3) * 1000, `closed after ${r.ms} ms`);
});

test('headers that never finish get 408 within the headers timeout', async () => {
  const s = await open();
  s.write('GET /-/ping HTTP/1.1\r\nhost: x\r\n');
  const r = await closedWithin(s, 6000, () => s.write('x-slow: 1\r\n'));
  assert.ok(r.ms < 4500, `closed after ${r.ms} ms`);
  assert.match(r.data, /^HTTP\/1.1 408/);
});

test('connections over the cap from one address get 429 JSON; another address is still answered', async () => {
  const held: Socket[] = [];
  for (let i = 0; i < 6; i++) held.push(await open('127.0.0.1'));
  const refused = await get('/-/ping', '127.0.0.1');
  assert.match(refused, /^HTTP\/1.1 429/);
  assert.match(refused, /"code":"TOO_MANY_CONNECTIONS"/);
  assert.match(await get('/-/ping', '127.0.0.2'), /^HTTP\/1.1 200/);
  held.pop()!.destroy();
  await sleep(100);
  assert.match(await get('/-/ping', '127.0.0.1'), /^HTTP\/1.1 200/, 'a freed place is usable again');
  for (const s of held) s.destroy();
  await sleep(100);
});

test('a slow but steady large authenticated publish still succeeds', async () => {
  const body = Buffer.from(JSON.stringify(publishBody('steady-pkg', '1.0.0', { manifest: { readme: 'r'.repeat(200_000) } })));
  const s = await open();
  let data = '';
  s.on('data', (d) => (data += d.toString()));
  const closed = new Promise((r) => s.on('close', r));
  s.write(`PUT /steady-pkg HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${alice}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
  // ~40 KiB/s, well above the 16 KiB/s minimum, for longer than the grace period.
  const chunk = 4096;
  for (let at = 0; at < body.length; at += chunk) {
    s.write(body.subarray(at, at + chunk));
    await sleep(100);
  }
  await closed;
  assert.match(data, /^HTTP\/1.1 201/, data.slice(0, 300));
});
