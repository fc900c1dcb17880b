// The end-to-end tests' own TOTP generator, checked against the RFC 6238 test vectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32Decode, codeForStep, codeSource, stepAt, totp } from './totp.ts';

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (8-digit values cut to 6).
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

test('base32 decoding matches RFC 4648', () => {
  assert.equal(base32Decode(RFC_SECRET).toString('ascii'), '12345678901234567890');
  assert.equal(base32Decode('mzxw6ytb oi======').toString('ascii'), 'foobar');
  assert.throws(() => base32Decode('A1'), /invalid base32/);
});

test('codes match the RFC 6238 SHA-1 test vectors', () => {
  const vectors: Array<[number, string]> = [
    [59, '287082'],
    [1111111109, '081804'],
    [1111111111, '050471'],
    [1234567890, '005924'],
    [2000000000, '279037'],
    [20000000000, '353130'],
  ];
  for (const [seconds, code] of vectors) assert.equal(totp(RFC_SECRET, seconds * 1000), code, `T=${seconds}`);
});

test('a code source hands out T, then T+1, then waits for the next boundary', async () => {
  let nowMs = 1_000_000 * 30_000 + 12_000; // 12 s into step 1,000,000
  const slept: number[] = [];
  const source = codeSource(RFC_SECRET, {
    now: () => nowMs,
    sleep: async (ms) => {
      slept.push(ms);
      nowMs += ms;
    },
  });
  const t = stepAt(nowMs);
  assert.equal(await source.next(), codeForStep(RFC_SECRET, t));
  assert.equal(await source.next(), codeForStep(RFC_SECRET, t + 1));
  assert.deepEqual(slept, []);
  assert.equal(await source.next(), codeForStep(RFC_SECRET, t + 2));
  assert.equal(slept.length, 1);
  assert.equal(stepAt(nowMs), t + 1);
  assert.equal(source.lastStep, t + 2);
});

test('a code source never reuses a step after the clock has moved on', async () => {
  let nowMs = 2_000_000 * 30_000;
  const source = codeSource(RFC_SECRET, { now: () => nowMs, sleep: async (ms) => void (nowMs += ms) });
  const t = stepAt(nowMs);
  await source.next(); // t
  nowMs += 90_000; // three steps later
  assert.equal(await source.next(), codeForStep(RFC_SECRET, t + 3));
});
