// The enable-2fa state machine (npm CLI lib/commands/profile.js), driven by POST /-/npm/v1/user with
// a `tfa` field:
//   {tfa: {mode, password}}    off or pending → pending with a new secret (otpauth URL);
//                              active → mode change (password + OTP)
//   {tfa: [code]}              pending → active, recovery codes shown once (never challenged)
//   {tfa: {mode: "disable", password}}  pending → off (no OTP: npm does not ask);
//                                       active → off (password + OTP)

import { requireAccountWriter } from '../access/permissions.ts';
import { requireSecondFactor } from './require-second-factor.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { TfaMode, User } from '../ports.ts';
import { memberChanged } from '../orgs/writers.ts';
import { isPlainObject } from '../packages/rules.ts';
import { profileOf } from './profile.ts';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.ts';
import { checkOwnPassword } from './sign-in.ts';
import { openSecret, sealSecret } from './secret-box.ts';
import { generateTotpSecret, matchTotp, otpauthUrl } from './totp.ts';
import { secretAad } from './verify-otp.ts';

const MODES = new Set(['auth-only', 'auth-and-writes', 'disable']);

/** The password asked again, throttled like a login (checkOwnPassword), before any OTP is tried. */
async function checkPassword(deps: Deps, ctx: RequestContext, user: User, password: unknown): Promise<void> {
  await checkOwnPassword(deps, ctx, user, password, () => logEvent(deps, ctx, user.id, 'tfa-change-failed', { reason: 'wrong password' }), 'Your password is required ("tfa": {"password": ...}).');
}

async function newRecoveryCodes(): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = generateRecoveryCodes();
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export async function changeTwoFactor(deps: Deps, ctx: RequestContext, tfa: unknown) {
  const principal = requireAccountWriter(ctx.principal);
  const user = principal.user;
  const active = user.tfa !== null && !user.tfa.pending;

  if (Array.isArray(tfa)) {
    if (tfa.length !== 1 || typeof tfa[0] !== 'string') fail('BAD_REQUEST', '"tfa" must hold exactly one code from your authenticator.');
    const pending = user.tfa;
    if (!pending || !pending.pending || pending.secret === null) fail('BAD_REQUEST', 'There is no two-factor set-up to confirm. Run `npm profile enable-2fa` first.');
    const code = tfa[0].replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) fail('BAD_REQUEST', 'The code must be the 6 digits your authenticator shows.');
    const secret = openSecret(deps.secrets, pending.secret, secretAad(user.id));
    const step = matchTotp(secret, code, deps.clock.now());
    if (step === null) fail('BAD_REQUEST', 'The one-time password did not match. Run `npm profile enable-2fa` again.');
    const { codes, hashes } = await newRecoveryCodes();
    const updated = await deps.store.users.setTfa(user.id, { ...pending, pending: false, lastStep: step, lastStepKey: principal.token?.key ?? null }, hashes);
    await memberChanged(deps, user.id, 'tfa');
    await logEvent(deps, ctx, user.id, 'tfa-enabled', { mode: pending.mode });
    return profileOf(updated, codes);
  }

  if (!isPlainObject(tfa)) fail('BAD_REQUEST', '"tfa" must be {"mode", "password"} or [code].');
  const mode = tfa.mode;
  if (typeof mode !== 'string' || !MODES.has(mode)) fail('BAD_REQUEST', `Unknown 2FA mode ${JSON.stringify(mode)}: use auth-only, auth-and-writes or disable.`);
  const extra = Object.keys(tfa).filter((k) => k !== 'mode' && k !== 'password');
  if (extra.length > 0) fail('BAD_REQUEST', `Unknown "tfa" field: ${extra.join(', ')}.`);

  if (mode === 'disable') {
    if (!user.tfa) return profileOf(user);
    // The password first: a credential without it cannot spend the account's OTP budget.
    await checkPassword(deps, ctx, user, tfa.password);
    const otp = active ? await requireSecondFactor(deps, ctx, 'account-identity') : null;
    // With passkeys the factor stays on: only the authenticator app goes (docs/security.md,
    // "Moving from TOTP to passkeys"). An account with passkeys only removes them one by one.
    if (active && (await deps.store.passkeys.list(user.id)).length > 0) {
      if (user.tfa!.secret === null) fail('BAD_REQUEST', 'Your second factor is your passkeys: remove them on the web page (Two-factor → Passkeys).');
      const updated = await deps.store.users.setTfa(user.id, { ...user.tfa!, secret: null, lastStep: null, lastStepKey: null }, null, { otp });
      await logEvent(deps, ctx, user.id, 'totp-removed', { passkeys_kept: true });
      return profileOf(updated);
    }
    const updated = await deps.store.users.setTfa(user.id, null, null, { otp });
    if (active) {
      await memberChanged(deps, user.id, 'tfa');
      const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web'], principal.token?.key);
      await logEvent(deps, ctx, user.id, 'tfa-disabled', { sessions_ended: ended });
    } else {
      await logEvent(deps, ctx, user.id, 'tfa-setup-cancelled');
    }
    return profileOf(updated);
  }

  if (active) {
    await checkPassword(deps, ctx, user, tfa.password);
    const otp = await requireSecondFactor(deps, ctx, 'account-identity');
    const updated = await deps.store.users.setTfa(user.id, { ...user.tfa!, mode: mode as TfaMode }, null, { otp });
    await logEvent(deps, ctx, user.id, 'tfa-mode-changed', { mode });
    return profileOf(updated);
  }

  if (deps.settings.twoFactorMethods === 'webauthn') {
    fail('FORBIDDEN', 'This registry accepts only passkeys and security keys for new two-factor set-ups: add one on the web page (Two-factor → Passkeys).');
  }
  await checkPassword(deps, ctx, user, tfa.password);
  const secret = generateTotpSecret();
  const sealed = sealSecret(deps.secrets, secret, secretAad(user.id));
  const updated = await deps.store.users.setTfa(user.id, { mode: mode as TfaMode, pending: true, secret: sealed, lastStep: null, lastStepKey: null }, []);
  await logEvent(deps, ctx, user.id, 'tfa-setup-started', { mode });
  return profileOf(updated, otpauthUrl({ issuer: deps.settings.registryName, username: user.name, secret }));
}

/** How many unused recovery codes the account has. */
export async function recoveryCodesLeft(deps: Deps, ctx: RequestContext): Promise<{ remaining: number; enabled: boolean }> {
  const user = requireAccountWriter(ctx.principal).user;
  const enabled = user.tfa !== null && !user.tfa.pending;
  return { remaining: enabled ? (await deps.store.users.unusedRecoveryCodes(user.id)).length : 0, enabled };
}

/** A new set of recovery codes (password + OTP); the old set stops working. */
export async function regenerateRecoveryCodes(deps: Deps, ctx: RequestContext, body: unknown): Promise<string[]> {
  const user = requireAccountWriter(ctx.principal).user;
  if (!user.tfa || user.tfa.pending) fail('BAD_REQUEST', 'Two-factor authentication is not enabled.');
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be {"password": ...}.');
  await checkPassword(deps, ctx, user, body.password);
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const { codes, hashes } = await newRecoveryCodes();
  await deps.store.users.setTfa(user.id, user.tfa, hashes, { otp });
  await logEvent(deps, ctx, user.id, 'recovery-codes-regenerated');
  return codes;
}
