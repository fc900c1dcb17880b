// Tarball integrity as `tessera mirror` checks it (src/core/proxy/sri-check.ts), which is how
// npm ci checks it (ssri's checkData): the strongest algorithm listed decides, any of its
// hashes matching is enough.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { expectedIntegrity, IntegrityCheck, sha1HexIntegrity } from '../../src/core/proxy/sri-check.ts';

const bytes = Buffer.from('a tarball, pretend');
const sri = (algorithm: string, data: Buffer = bytes) => `${algorithm}-${createHash(algorithm).update(data).digest('base64')}`;
const check = (integrity: string, data: Buffer = bytes) => {
  const expected = expectedIntegrity(integrity);
  assert.ok(expected, integrity);
  const c = new IntegrityCheck(expected);
  // in two chunks, as a stream delivers them
  c.update(data.subarray(0, 5));
  c.update(data.subarray(5));
  return c.verdict();
};

test('matching sha512 and sha1 hashes pass; the verdict names what the bytes hash to', () => {
  assert.deepEqual(check(sri('sha512')), { ok: true, actual: sri('sha512') });
  assert.equal(check(sri('sha1')).ok, true);
  assert.equal(check(`${sri('sha256')}?some-option`).ok, true);
});

test('a wrong hash fails', () => {
  const other = Buffer.from('another tarball');
  const v = check(sri('sha512', other));
  assert.equal(v.ok, false);
  assert.equal(v.actual, sri('sha512'));
});

test('the strongest algorithm decides: a right sha1 does not make up for a wrong sha512', () => {
  const wrong512 = sri('sha512', Buffer.from('x'));
  assert.equal(check(`${sri('sha1')} ${wrong512}`).ok, false);
  assert.equal(check(`${wrong512}\n${sri('sha1', Buffer.from('y'))} ${sri('sha512')}`).ok, true, 'any sha512 of the list may match');
});

test('strings without a usable hash give null', () => {
  for (const s of ['', '   ', 'md5-AAAA', 'sha512', 'sha512-%%%', 'nonsense']) assert.equal(expectedIntegrity(s), null, s);
  assert.equal(expectedIntegrity(undefined), null);
  assert.deepEqual(expectedIntegrity('md5-AAAA sha1-BBBB'), { algorithm: 'sha1', digests: ['BBBB'] });
});

test('a hex SHA-1 (dist.shasum, yarn 1\'s #fragment) becomes an SRI string', () => {
  const hex = createHash('sha1').update(bytes).digest('hex');
  assert.equal(sha1HexIntegrity(hex), sri('sha1'));
  assert.equal(sha1HexIntegrity('xyz'), null);
  assert.equal(sha1HexIntegrity(undefined), null);
});
