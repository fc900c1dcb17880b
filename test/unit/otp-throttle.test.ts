import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OTP_DISABLE_AFTER_FAILURES,
  OTP_FREE_FAILURES,
  OTP_MAX_DELAY_MS,
  decideOtpAttempt,
  lockoutDelayMs,
  lockoutUntil,
  nextOtpThrottleState,
  retryAfterSeconds,
  type OtpThrottleState,
} from '../../src/core/accounts/otp-throttle.ts';

const T = 1_700_000_000_000;

test('nine consecutive failures do not lock', () => {
  for (let failures = 0; failures < 10; failures++) assert.equal(lockoutUntil(failures, T), null);
  assert.equal(OTP_FREE_FAILURES, 10);
});

test('the tenth consecutive failure locks for 30 seconds', () => {
  assert.equal(lockoutUntil(10, T), T + 30_000);
});

test('each further failure doubles the delay up to one hour', () => {
  const expected = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600].map((s) => s * 1000);
  expected.forEach((ms, i) => assert.equal(lockoutDelayMs(10 + i), ms, `failures ${10 + i}`));
  assert.equal(lockoutDelayMs(99), OTP_MAX_DELAY_MS);
});

test('one hundred consecutive failures disable the factor until an out-of-band unlock', () => {
  assert.equal(OTP_DISABLE_AFTER_FAILURES, 100);
  assert.equal(lockoutUntil(99, T), T + 3_600_000);
  assert.equal(lockoutUntil(100, T), Number.POSITIVE_INFINITY);
  const decision = decideOtpAttempt({ failures: 100, lastFailureAtMs: T }, T + 365 * 86_400_000);
  assert.deepEqual(decision, { allowed: false, untilMs: Number.POSITIVE_INFINITY, disabled: true });
});

test('an attempt during a lock is refused and not counted', () => {
  const locked: OtpThrottleState = { failures: 10, lastFailureAtMs: T };
  assert.equal(decideOtpAttempt(locked, T + 29_999).allowed, false);
  assert.equal(nextOtpThrottleState(locked, T + 29_999, false), locked);
  // Even the right code does not get through, and does not reset the counter.
  assert.equal(nextOtpThrottleState(locked, T + 29_999, true), locked);
});

test('an attempt after the lock expires is verified and counted', () => {
  const locked: OtpThrottleState = { failures: 10, lastFailureAtMs: T };
  assert.equal(decideOtpAttempt(locked, T + 30_000).allowed, true);
  assert.deepEqual(nextOtpThrottleState(locked, T + 30_000, false), { failures: 11, lastFailureAtMs: T + 30_000 });
});

test('a success resets the failure count', () => {
  assert.deepEqual(nextOtpThrottleState({ failures: 12, lastFailureAtMs: T }, T + 10 * 60_000, true), {
    failures: 0,
    lastFailureAtMs: null,
  });
});

test('an attacker reaching the disable threshold needs about 84 hours and at most 100 tries', () => {
  let state: OtpThrottleState = { failures: 0, lastFailureAtMs: null };
  let now = T;
  let tries = 0;
  while (decideOtpAttempt(state, now).allowed || state.failures < OTP_DISABLE_AFTER_FAILURES) {
    const d = decideOtpAttempt(state, now);
    if (d.allowed) {
      state = nextOtpThrottleState(state, now, false);
      tries++;
    } else {
      now = d.untilMs; // wait exactly as long as told
    }
  }
  assert.equal(tries, 100);
  const hours = (now - T) / 3_600_000;
  assert.ok(hours > 83 && hours < 85, `took ${hours} h`);
});

test('Retry-After is whole seconds, at least one, and absent when disabled', () => {
  assert.equal(retryAfterSeconds(T + 30_000, T), 30);
  assert.equal(retryAfterSeconds(T + 1_500, T), 2);
  assert.equal(retryAfterSeconds(T + 10, T), 1);
  assert.equal(retryAfterSeconds(Number.POSITIVE_INFINITY, T), null);
});

test('a negative or fractional failure count is refused', () => {
  assert.throws(() => lockoutUntil(-1, T), RangeError);
  assert.throws(() => lockoutUntil(1.5, T), RangeError);
});
