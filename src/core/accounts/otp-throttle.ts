/**
 * Lockout policy for second-factor failures (TOTP and recovery codes share
 * one counter: NIST SP 800-63B §5.1.2.2, §5.2.2). Pure arithmetic; the counter itself lives
 * in the database, per account, across sessions and IPs (RFC 4226 §7.3: "across login sessions").
 *
 * Numbers (NIST SP 800-63B §5.2.2, RFC 4226 §7.3; the 10 free failures are this project's choice):
 * - Failures 1-9: no delay.
 * - From the 10th consecutive failure (OTP_FREE_FAILURES) the next attempt is
 *   locked for 30 s after the last failure, doubling with every further
 *   failure: 10 → 30 s, 11 → 60 s, 12 → 2 min, 13 → 4 min, 14 → 8 min,
 *   15 → 16 min, 16 → 32 min, 17 and later → 1 h (OTP_MAX_DELAY_MS).
 *   NIST SP 800-63B §5.2.2 gives "30 s rising to 1 h" as its example.
 * - At 100 consecutive failures (OTP_DISABLE_AFTER_FAILURES, NIST's upper
 *   bound) the factor is disabled: lockoutUntil returns +Infinity and only
 *   an out-of-band unlock (admin reset of the counter) re-enables it.
 *
 * Odds (RFC 4226 App. A, 3 codes accepted per try ⇒ p = 3·10⁻⁶ per try): at
 * most 100 tries before the disable ⇒ ≤ 0.03 % per account in total; reaching
 * them takes ≈ 84 h (≈ 1 h for failures 10-16, then 83 × 1 h).
 *
 * Caller protocol (per account, atomically in storage):
 * 1. until = lockoutUntil(failures, lastFailureAtMs); if until !== null and
 *    now < until ⇒ refuse (429, Retry-After = retryAfterSeconds(until, now))
 *    WITHOUT verifying the code and WITHOUT counting the attempt.
 * 2. Otherwise verify. Failure ⇒ failures + 1, lastFailureAt = now.
 *    Success ⇒ failures = 0. Issuing a new secret does not reset it (NIST §5.2.2).
 * nextOtpThrottleState encodes this protocol for callers and tests.
 */

/** Consecutive failures tolerated before any delay applies. */
export const OTP_FREE_FAILURES = 10;
/** Lock after the OTP_FREE_FAILURES-th failure; doubles per further failure. */
export const OTP_BASE_DELAY_MS = 30_000;
/** Cap on the delay between attempts. */
export const OTP_MAX_DELAY_MS = 3_600_000;
/** Consecutive failures after which the factor is disabled until an out-of-band unlock. */
export const OTP_DISABLE_AFTER_FAILURES = 100;

export interface OtpThrottleState {
  readonly failures: number;
  /** Server time of the last counted failure, or null when failures is 0. */
  readonly lastFailureAtMs: number | null;
}

export type OtpAttemptDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly untilMs: number; readonly disabled: boolean };

function checkFailures(failures: number): void {
  if (!Number.isSafeInteger(failures) || failures < 0) throw new RangeError('failure count must be a non-negative integer');
}

/** Delay after the last failure before the next attempt is answered; 0 below the threshold. */
export function lockoutDelayMs(failures: number): number {
  checkFailures(failures);
  if (failures < OTP_FREE_FAILURES) return 0;
  const doublings = failures - OTP_FREE_FAILURES;
  // 2^7 · 30 s already exceeds 1 h; avoid computing huge powers.
  if (doublings >= 7) return OTP_MAX_DELAY_MS;
  return Math.min(OTP_BASE_DELAY_MS * 2 ** doublings, OTP_MAX_DELAY_MS);
}

/**
 * Time (ms) before which further attempts are refused, or null when not
 * locked. +Infinity once OTP_DISABLE_AFTER_FAILURES is reached.
 */
export function lockoutUntil(failures: number, lastFailureAtMs: number): number | null {
  checkFailures(failures);
  if (failures >= OTP_DISABLE_AFTER_FAILURES) return Number.POSITIVE_INFINITY;
  const delay = lockoutDelayMs(failures);
  if (delay === 0) return null;
  if (!Number.isFinite(lastFailureAtMs)) throw new RangeError('last failure time must be a finite number of milliseconds');
  return lastFailureAtMs + delay;
}

/** Whether an attempt at `nowMs` may be verified at all. */
export function decideOtpAttempt(state: OtpThrottleState, nowMs: number): OtpAttemptDecision {
  const until = lockoutUntil(state.failures, state.lastFailureAtMs ?? 0);
  if (until === null || nowMs >= until) return { allowed: true };
  return { allowed: false, untilMs: until, disabled: until === Number.POSITIVE_INFINITY };
}

/** Whole seconds to put in Retry-After (at least 1); null when disabled (no retry time exists). */
export function retryAfterSeconds(untilMs: number, nowMs: number): number | null {
  if (untilMs === Number.POSITIVE_INFINITY) return null;
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}

/**
 * State after an attempt at `nowMs` whose verification result is `verified`.
 * A refused attempt (decideOtpAttempt said no) leaves the state unchanged:
 * the code is never checked and the attempt is not counted.
 */
export function nextOtpThrottleState(state: OtpThrottleState, nowMs: number, verified: boolean): OtpThrottleState {
  if (!decideOtpAttempt(state, nowMs).allowed) return state;
  if (verified) return { failures: 0, lastFailureAtMs: null };
  return { failures: state.failures + 1, lastFailureAtMs: nowMs };
}
