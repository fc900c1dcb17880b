import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { findRecoveryCode, generateRecoveryCodes, hashRecoveryCode } from '../../src/core/accounts/recovery-codes.ts';

function oneCode(): string {
  const [code] = generateRecoveryCodes(1);
  assert.ok(code !== undefined);
  return code;
}

test('ten distinct 64-character lower-case hex codes are issued by default', () => {
  const codes = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  for (const code of codes) assert.match(code, /^[0-9a-f]{64}$/);
  assert.equal(new Set(codes).size, 10);
});

test('the number of codes can be chosen within 1..100', () => {
  assert.equal(generateRecoveryCodes(5).length, 5);
  assert.throws(() => generateRecoveryCodes(0), RangeError);
  assert.throws(() => generateRecoveryCodes(101), RangeError);
  assert.throws(() => generateRecoveryCodes(2.5), RangeError);
});

test('two sets never share a code', () => {
  const a = new Set(generateRecoveryCodes());
  assert.ok(generateRecoveryCodes().every((c) => !a.has(c)));
});

test('the stored hash is the hex SHA-256 of the lower-case code', () => {
  const code = 'ab'.repeat(32);
  assert.equal(hashRecoveryCode(code), createHash('sha256').update(code).digest('hex'));
});

test('upper- and lower-case forms of a code hash the same', () => {
  const code = oneCode();
  assert.equal(hashRecoveryCode(code.toUpperCase()), hashRecoveryCode(code));
});

test('hashing a malformed code throws', () => {
  assert.throws(() => hashRecoveryCode('123456'), TypeError);
  assert.throws(() => hashRecoveryCode('g'.repeat(64)), TypeError);
});

test('a code is found at its index among stored hashes', () => {
  const codes = generateRecoveryCodes();
  const hashes = codes.map(hashRecoveryCode);
  codes.forEach((code, i) => assert.equal(findRecoveryCode(code, hashes), i));
  assert.equal(findRecoveryCode((codes[3] ?? '').toUpperCase(), hashes), 3);
});

test('an unknown code is not found', () => {
  const hashes = generateRecoveryCodes().map(hashRecoveryCode);
  const other = oneCode();
  assert.equal(findRecoveryCode(other, hashes), -1);
  assert.equal(findRecoveryCode(other, []), -1);
});

test('a malformed code never matches, not even a malformed stored entry', () => {
  const hashes = ['', 'not-a-hash', '0'.repeat(64)];
  assert.equal(findRecoveryCode('123456', hashes), -1);
  assert.equal(findRecoveryCode('', hashes), -1);
});

test('a malformed stored entry is skipped without hiding a later match', () => {
  const code = oneCode();
  assert.equal(findRecoveryCode(code, ['garbage', hashRecoveryCode(code).toUpperCase(), hashRecoveryCode(code)]), 2);
});

test('the plain code is not a stored hash of itself', () => {
  const code = oneCode();
  assert.equal(findRecoveryCode(code, [code]), -1);
});
