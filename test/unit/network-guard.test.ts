// Tests never reach the public registry (issue #15): scripts/test.mjs preloads
// test/support/network-guard.mjs into every test process, which refuses and records any
// connection to a non-loopback address; the runner fails when the record is not empty.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { request } from 'undici';

type Guard = { refused: Array<{ host: string; port: number }>; isLoopbackTarget(host: unknown): boolean };
const guard = (globalThis as { __tesseraNetworkGuard?: Guard }).__tesseraNetworkGuard;

test('the network guard is loaded into the test process', () => {
  assert.ok(guard, 'scripts/test.mjs must preload test/support/network-guard.mjs (--import)');
});

test('loopback targets are allowed, anything else is not', () => {
  assert.ok(guard);
  for (const h of ['127.0.0.1', '127.3.4.5', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1', undefined]) assert.equal(guard.isLoopbackTarget(h), true, String(h));
  for (const h of ['registry.npmjs.org', '104.16.0.1', '10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', '0.0.0.0']) assert.equal(guard.isLoopbackTarget(h), false, h);
});

test('a connection to an outside address fails as refused, and is recorded', async () => {
  assert.ok(guard);
  const before = guard.refused.length;
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const socket = connect({ host: '192.0.2.1', port: 443 });
    socket.on('error', resolve);
    socket.on('connect', () => resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' })));
  });
  assert.equal(error.code, 'ECONNREFUSED');
  await assert.rejects(request('https://registry.npmjs.org/lodash'), (e: Error & { code?: string }) => e.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(e)));
  const { lookup } = await import('node:dns/promises');
  await assert.rejects(lookup('registry.npmjs.org'), (e: Error & { code?: string }) => e.code === 'ENOTFOUND');
  assert.ok((await lookup('localhost')).address, 'localhost still resolves');
  assert.deepEqual(guard.refused.slice(before).map((r) => r.host), ['192.0.2.1', 'registry.npmjs.org', 'registry.npmjs.org']);
  // Take this test's own attempts out of the record the runner checks.
  guard.refused.splice(before);
  const log = process.env.TESSERA_NETWORK_GUARD_LOG;
  if (log) {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const kept = readFileSync(log, 'utf8').split('\n').filter((l) => l && !l.includes(`"pid":${process.pid},`));
    writeFileSync(log, kept.map((l) => `${l}\n`).join(''));
  }
});
