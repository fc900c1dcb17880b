import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOtp } from '../../src/core/accounts/otp-input.ts';

const HEX64 = '5e1c0f7dc2aa91be7d03a90b5e1c0f7dc2aa91be7d03a90b5e1c0f7dc2aa91be';

test('a missing value means no OTP was sent', () => {
  assert.deepEqual(parseOtp(undefined), { kind: 'none' });
});

test('an empty or whitespace-only value means no OTP was sent', () => {
  assert.deepEqual(parseOtp(''), { kind: 'none' });
  assert.deepEqual(parseOtp('   \t '), { kind: 'none' });
});

test('six digits are a TOTP code', () => {
  assert.deepEqual(parseOtp('123456'), { kind: 'totp', code: '123456' });
  assert.deepEqual(parseOtp('000000'), { kind: 'totp', code: '000000' });
});

test('surrounding and internal whitespace is removed before classifying', () => {
  assert.deepEqual(parseOtp('  123 456\n'), { kind: 'totp', code: '123456' });
  assert.deepEqual(parseOtp(`${HEX64.slice(0, 32)} ${HEX64.slice(32)}`), { kind: 'recovery', code: HEX64 });
});

test('64 hex characters are a recovery code, lower-cased', () => {
  assert.deepEqual(parseOtp(HEX64), { kind: 'recovery', code: HEX64 });
  assert.deepEqual(parseOtp(HEX64.toUpperCase()), { kind: 'recovery', code: HEX64 });
});

test('five, seven or eight digits are invalid', () => {
  for (const raw of ['12345', '1234567', '12345678']) {
    const result = parseOtp(raw);
    assert.equal(result.kind, 'invalid', raw);
  }
});

test('63 or 65 hex characters are invalid', () => {
  assert.equal(parseOtp(HEX64.slice(1)).kind, 'invalid');
  assert.equal(parseOtp(`${HEX64}a`).kind, 'invalid');
});

test('non-hex letters, punctuation and non-ASCII digits are invalid', () => {
  for (const raw of ['12345a', '123-456', 'abcdef', `${HEX64.slice(1)}g`, '１２３４５６', '١٢٣٤٥٦']) {
    assert.equal(parseOtp(raw).kind, 'invalid', raw);
  }
});

test('input longer than 128 characters is invalid even if it is mostly whitespace', () => {
  const result = parseOtp(`123456${' '.repeat(123)}`);
  assert.equal(result.kind, 'invalid');
  assert.equal(parseOtp('1'.repeat(10_000)).kind, 'invalid');
  assert.equal(parseOtp(`123456${' '.repeat(122)}`).kind, 'totp');
});

test('an invalid result carries a reason that does not echo the input', () => {
  const result = parseOtp('secret-ish-9876');
  assert.equal(result.kind, 'invalid');
  if (result.kind === 'invalid') {
    assert.ok(result.reason.length > 0);
    assert.ok(!result.reason.includes('9876'));
  }
});
