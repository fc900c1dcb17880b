// Checks the npm-otp value of a request against an account's second factor: a TOTP code
// (±1 step, each step once per account except again by the credential that presented it) or
// an unused recovery code. Returns what the write must consume, in its own transaction.
// Failures count per account, whatever the credential; after 10 the account is locked with a
// growing delay, during which even a right code is refused and refusals are not counted.

import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpUse, User } from '../ports.ts';
import { decideOtpAttempt, OTP_FREE_FAILURES, retryAfterSeconds } from './otp-throttle.ts';
import { parseOtp } from './otp-input.ts';
import { findRecoveryCode, hashRecoveryCode } from './recovery-codes.ts';
import { needsReseal, openSecret, sealSecret } from './secret-box.ts';
import { matchTotp } from './totp.ts';
import { isWebOtpValue, webOtpValueHash } from './web-otp.ts';

export const secretAad = (userId: number) => `tessera-user:${userId}`;

/**
 * Checks ctx.otp for `user` and returns what the write must consume (OtpUse).
 * - credentialKey: the credential that may present the same TOTP step again (null: none).
 * - webBinding: the binding (web-otp.ts webOtpBinding) a browser-approval value must match,
 *   checked when it is consumed; null where such values are not accepted (the approval page).
 * Errors: OTP_REQUIRED (401) missing, wrong or replayed; BAD_REQUEST malformed;
 * TOO_MANY_ATTEMPTS (429, retryAfter) while the credential's failure budget is locked.
 */
export async function verifyOtp(deps: Deps, ctx: RequestContext, user: User, credentialKey: string | null, webBinding: string | null): Promise<OtpUse> {
  const tfa = user.tfa;
  if (!tfa || tfa.pending) throw new Error('verifyOtp on an account without an active second factor');
  // A value from a browser approval (the web OTP challenge): consumed with the write, and only
  // where the write's binding is the one the approval was given for (checked by the store).
  if (isWebOtpValue(ctx.otp)) {
    if (webBinding === null) fail('OTP_REQUIRED', 'A browser approval value works only for the command it approved; give a code from your authenticator.');
    return { userId: user.id, kind: 'web', valueHash: webOtpValueHash(ctx.otp), bindingHash: webBinding };
  }
  const parsed = parseOtp(ctx.otp);
  if (parsed.kind === 'none') fail('OTP_REQUIRED', 'This operation requires a one-time password.');
  if (parsed.kind === 'invalid') fail('BAD_REQUEST', `The npm-otp header is malformed: ${parsed.reason}`);

  const now = deps.clock.now();
  const attempt = await deps.store.users.reserveOtpAttempt(user.id, now, (failures, last) =>
    decideOtpAttempt({ failures, lastFailureAtMs: last }, now),
  );
  if (!attempt.allowed) {
    const decision = decideOtpAttempt({ failures: attempt.failures, lastFailureAtMs: attempt.lastFailureAt }, now);
    const until = decision.allowed ? now : decision.untilMs;
    const wait = retryAfterSeconds(until, now);
    await logEvent(deps, ctx, user.id, 'otp-refused-locked', { failures: attempt.failures });
    fail(
      'TOO_MANY_ATTEMPTS',
      wait === null
        ? 'Too many wrong one-time passwords: the second factor is locked. An administrator must reset it (tessera user reset-2fa).'
        : `Too many wrong one-time passwords. Try again in ${wait} seconds.`,
      { retryAfter: wait ?? 3600 },
    );
  }

  let use: OtpUse | null = null;
  let replay = false;
  if (parsed.kind === 'totp') {
    const secret = openSecret(deps.secrets, tfa.secret, secretAad(user.id));
    const step = matchTotp(secret, parsed.code, now);
    if (step !== null) {
      const last = tfa.lastStep;
      replay = last !== null && (step < last || (step === last && (credentialKey === null || tfa.lastStepKey !== credentialKey)));
      if (!replay) {
        use = { userId: user.id, kind: 'totp', step, credentialKey };
        if (needsReseal(deps.secrets, tfa.secret)) use.reseal = sealSecret(deps.secrets, secret, secretAad(user.id));
      }
    }
  } else {
    const hashes = await deps.store.users.unusedRecoveryCodes(user.id);
    if (findRecoveryCode(parsed.code, hashes) >= 0) use = { userId: user.id, kind: 'recovery', codeHash: hashRecoveryCode(parsed.code), ip: ctx.ip, userAgent: ctx.userAgent };
  }

  if (!use) {
    await logEvent(deps, ctx, user.id, replay ? 'otp-replayed' : 'otp-failed', { failures: attempt.failures });
    if (attempt.failures === OTP_FREE_FAILURES) await logEvent(deps, ctx, user.id, 'otp-locked', { failures: attempt.failures });
    fail('OTP_REQUIRED', replay ? 'That one-time password was already used; wait for the next one.' : 'The one-time password is wrong or expired.');
  }
  await deps.store.users.clearOtpFailures(user.id);
  return use;
}
