// The password hasher: argon2id off the event loop, at most N at once, and taking turns with
// requests while the event loop is busy (a login storm keeps half the time for reads).

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { createArgon2Hasher, eventLoopBusy } from '../../src/adapters/argon2-hasher.ts';

const PASSWORD = 'violet kettle orbit 42';

test('hash and verify: argon2id with the OWASP parameters; a wrong password or a malformed hash is false', async () => {
  const hasher = createArgon2Hasher(2, { busy: () => false });
  const encoded = await hasher.hash(PASSWORD);
  assert.match(encoded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await hasher.verify(encoded, PASSWORD), true);
  assert.equal(await hasher.verify(encoded, 'violet kettle orbit 43'), false);
  assert.equal(await hasher.verify('not a hash', PASSWORD), false);
});

test('while requests are busy, a hash is followed by a rest as long as it took before the next one starts', async () => {
  const rests: { ms: number; release: () => void }[] = [];
  const hasher = createArgon2Hasher(1, { busy: () => true, rest: (ms, release) => rests.push({ ms, release }) });
  const started = performance.now();
  const first = hasher.hash(PASSWORD);
  let secondDone = false;
  const second = hasher.hash(PASSWORD).then(() => (secondDone = true));
  await first;
  const took = performance.now() - started;
  assert.equal(rests.length, 1, 'the first hash answered its caller and then rested');
  assert.ok(rests[0].ms > 0 && rests[0].ms <= Math.min(took + 1, 100), `rest ${rests[0].ms} ms after a hash of ${took} ms`);
  await sleep(300);
  assert.equal(secondDone, false, 'the second hash has not run during the rest');
  rests[0].release();
  await second;
  assert.equal(rests.length, 2);
  rests[1].release();
});

test('with requests idle, hashes follow each other without a rest', async () => {
  const rests: number[] = [];
  const hasher = createArgon2Hasher(2, { busy: () => false, rest: (ms) => rests.push(ms) });
  const encoded = await hasher.hash(PASSWORD);
  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => hasher.verify(encoded, i % 2 ? PASSWORD : 'wrong password here')));
  assert.deepEqual(results, [false, true, false, true, false]);
  assert.deepEqual(rests, []);
});

test('eventLoopBusy tells a blocked event loop from an idle one', async () => {
  const busy = eventLoopBusy();
  const until = performance.now() + 120;
  while (performance.now() < until) {
    /* keep the event loop busy */
  }
  assert.equal(busy(), true);
  await sleep(150);
  assert.equal(busy(), false);
});
