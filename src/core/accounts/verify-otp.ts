// Checks the npm-otp value of a request against an account's second factor: a TOTP code
// (±1 step, each step once per account except again by the credential that presented it) or
// an unused recovery code. Returns what the write must consume, in its own transaction.
// Failures are charged to the credential that sent the code (otpBudgetOf): a token (a CLI
// session, a web session, a legacy or granular token) to its own budget, a sign-in with the
// password (npm login, the web sign-in, Basic) to the account's. After 10 failures a budget
// is locked with a growing delay, during which even a right code is refused from that
// credential and refusals are not counted. At 100 a token's budget refuses that token for
// good; the account's budget (reachable only with the password) locks the whole factor until
// an administrator resets it. So a token holder without the factor never locks the owner out.

import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpUse, User } from '../ports.ts';
import { decideOtpAttempt, OTP_DISABLE_AFTER_FAILURES, OTP_FREE_FAILURES, retryAfterSeconds } from './otp-throttle.ts';
import { findRecoveryCode, hashRecoveryCode } from './recovery-codes.ts';
import { needsReseal, openSecret, sealSecret } from './secret-box.ts';
import { matchTotp } from './totp.ts';
import { isWebOtpValue, parseOtp, webOtpValueHash } from './otp-input.ts';

export const secretAad = (userId: number) => `tessera-user:${userId}`;

/**
 * The failure budget a request's second-factor attempts are charged to: the key of the token
 * it came with, or null for the account's own budget (no token: a password sign-in or Basic).
 */
export function otpBudgetOf(ctx: RequestContext): string | null {
  const p = ctx.principal;
  return p.kind === 'user' && p.token ? p.token.key : null;
}

function lockedFor(wait: number | null, forToken: boolean): never {
  fail(
    'TOO_MANY_ATTEMPTS',
    wait !== null
      ? `Too many wrong one-time passwords. Try again in ${wait} seconds.`
      : forToken
        ? 'Too many wrong one-time passwords with this token: it can no longer pass the second factor. Sign in again (npm login) or use another token.'
        : 'Too many wrong one-time passwords: the second factor is locked. An administrator must reset it (tessera user reset-2fa).',
    { retryAfter: wait ?? 3600 },
  );
}

/** What a code that was valid but is already used gets (npm prints it). */
export const OTP_ALREADY_USED = 'That one-time password was already used; wait for the next one from your authenticator.';

/**
 * The TOTP step `code` matches when that step was already accepted for the account (and may
 * not be presented again by `credentialKey`), else null: a used code, not a guess.
 */
function usedStep(deps: Deps, user: User, code: string, credentialKey: string | null, now: number): number | null {
  const tfa = user.tfa;
  if (!tfa || tfa.lastStep === null) return null;
  if (tfa.secret === null) return null;
  const step = matchTotp(openSecret(deps.secrets, tfa.secret, secretAad(user.id)), code, now);
  if (step === null) return null;
  const replay = step < tfa.lastStep || (step === tfa.lastStep && (credentialKey === null || tfa.lastStepKey !== credentialKey));
  return replay ? step : null;
}

/**
 * Reserves one second-factor attempt (a code or a passkey) on the request's failure budget
 * (otpBudgetOf). Errors: TOO_MANY_ATTEMPTS (429, retryAfter) while that budget, or the
 * account's permanent lock, refuses; the refusal is logged ("otp-refused-locked").
 */
export async function reserveFactorAttempt(deps: Deps, ctx: RequestContext, user: User, options: { replay?: boolean } = {}): Promise<{ failures: number; budget: string | null; charged: 'account' | 'token' }> {
  const now = deps.clock.now();
  const budget = otpBudgetOf(ctx);
  // The account's permanent lock (100 failures of password sign-ins) holds for every credential.
  if (budget !== null && user.otpFailures >= OTP_DISABLE_AFTER_FAILURES) {
    await logEvent(deps, ctx, user.id, 'otp-refused-locked', { failures: user.otpFailures, budget: 'account' });
    lockedFor(null, false);
  }
  // A TOTP code that was right but is already used (`options.replay`: a step at or before the
  // last one accepted) is refused without being counted: it tells a guesser nothing, and a
  // person who typed the code twice must not lose their budget to it. It is still refused
  // while the budget is locked, as any code is. (The store's compare-and-set stays the
  // authority at consumption.)
  let locked = false;
  const attempt = await deps.store.users.reserveOtpAttempt(
    user.id,
    now,
    (failures, last) => {
      const decision = decideOtpAttempt({ failures, lastFailureAtMs: last }, now);
      locked = !decision.allowed;
      return locked || !options.replay ? decision : { allowed: false };
    },
    budget,
  );
  const charged = budget === null ? 'account' : 'token';
  if (!attempt.allowed && !locked) {
    await logEvent(deps, ctx, user.id, 'otp-replayed', { failures: attempt.failures, budget: charged, counted: false });
    fail('OTP_REQUIRED', OTP_ALREADY_USED);
  }
  if (!attempt.allowed) {
    const decision = decideOtpAttempt({ failures: attempt.failures, lastFailureAtMs: attempt.lastFailureAt }, now);
    const until = decision.allowed ? now : decision.untilMs;
    await logEvent(deps, ctx, user.id, 'otp-refused-locked', { failures: attempt.failures, budget: charged });
    lockedFor(retryAfterSeconds(until, now), budget !== null);
  }
  return { failures: attempt.failures, budget, charged };
}

/** Logs a refused factor (`type`: otp-failed, passkey-failed...) and, at the threshold, the lock. */
export async function noteFactorFailure(deps: Deps, ctx: RequestContext, user: User, attempt: { failures: number; charged: string }, type: string, detail: Record<string, string | number> = {}): Promise<void> {
  await logEvent(deps, ctx, user.id, type, { ...detail, failures: attempt.failures, budget: attempt.charged });
  if (attempt.failures === OTP_FREE_FAILURES) await logEvent(deps, ctx, user.id, 'otp-locked', { failures: attempt.failures, budget: attempt.charged });
}

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
  // An account with passkeys only cannot type a TOTP code: its challenges say what it can do.
  const factors = tfa.secret === null ? { factors: 'passkeys' as const } : undefined;
  // A value from a browser approval (the web OTP challenge): consumed with the write, and only
  // where the write's binding is the one the approval was given for (checked by the store).
  if (isWebOtpValue(ctx.otp)) {
    if (webBinding === null) fail('OTP_REQUIRED', 'A browser approval value works only for the command it approved; give a code from your authenticator.', factors);
    return { userId: user.id, kind: 'web', valueHash: webOtpValueHash(ctx.otp), bindingHash: webBinding };
  }
  const parsed = parseOtp(ctx.otp);
  if (parsed.kind === 'none') fail('OTP_REQUIRED', 'This operation requires a one-time password.', factors);
  if (parsed.kind === 'invalid') fail('BAD_REQUEST', `The npm-otp header is malformed: ${parsed.reason}`);

  const now = deps.clock.now();
  const replayStep = parsed.kind === 'totp' ? usedStep(deps, user, parsed.code, credentialKey, now) : null;
  const attempt = await reserveFactorAttempt(deps, ctx, user, { replay: replayStep !== null });
  const budget = attempt.budget;

  let use: OtpUse | null = null;
  let replay = false;
  if (parsed.kind === 'totp') {
    // An account with passkeys only has no secret: no code matches.
    const secret = tfa.secret === null ? null : openSecret(deps.secrets, tfa.secret, secretAad(user.id));
    const step = secret === null ? null : matchTotp(secret, parsed.code, now);
    if (secret !== null && tfa.secret !== null && step !== null) {
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
    await noteFactorFailure(deps, ctx, user, attempt, replay ? 'otp-replayed' : 'otp-failed');
    fail('OTP_REQUIRED', replay ? OTP_ALREADY_USED : 'The one-time password is wrong or expired.', factors);
  }
  await deps.store.users.clearOtpFailures(user.id, budget);
  return use;
}
