// Enrolling and managing passkeys and security keys (WebAuthn credentials) as a second factor:
// register (the password, and the current second factor when 2FA is on; the first key turns
// 2FA on and, when the account has none, makes the 10 recovery codes shown once), list,
// rename, remove (with the second factor; the last key of an account without TOTP turns 2FA
// off). Only public keys are stored.

import { createHash } from 'node:crypto';
import { requireAccountWriter } from '../access/permissions.ts';
import { confirmedTfaMode } from '../access/second-factor.ts';
import { type Deps, isoNow, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpUse, Passkey, TfaMode, TfaState, User } from '../ports.ts';
import { newPasskeyChallenge, parsePasskeyResponse, passkeyBinding, takePasskeyChallenge, verifyPasskeyAssertion } from './passkey-assertion.ts';
import { passkeysEnabled, passkeysOnly, relyingParty } from './passkey-policy.ts';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.ts';
import { requireSecondFactor } from './require-second-factor.ts';
import { checkOwnPassword } from './sign-in.ts';
import { memberChanged } from '../orgs/writers.ts';

/** Most passkeys one account may register. */
export const MAX_PASSKEYS = 20;

/** The WebAuthn user handle of an account: opaque, stable, no personal data (W3C WebAuthn L3 14.6.1). */
export function userHandleOf(user: User): string {
  return createHash('sha256').update(`tessera-user-handle:${user.id}`).digest().subarray(0, 16).toString('base64url');
}

/** A passkey's name as its owner typed it: 1-64 characters, no control characters. BAD_REQUEST otherwise. */
export function passkeyName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > 64 || /[\u0000-\u001f\u007f-\u009f]/.test(name)) fail('BAD_REQUEST', 'Name the passkey (1-64 characters), e.g. "YubiKey 5" or "MacBook".');
  return name;
}

function requireEnrolment(deps: Deps): void {
  if (deps.settings.twoFactorMethods === 'totp') fail('FORBIDDEN', 'This registry accepts only authenticator apps for new two-factor set-ups.');
  if (!passkeysEnabled(deps)) relyingParty(deps);
}

/**
 * The second factor a web form confirms a change with: a passkey answer (`assertion`, for the
 * session and `action`), else the form's code (ctx.otp: TOTP or a recovery code) as the policy
 * asks (account-identity). An account with passkeys only and no answer: OTP_REQUIRED.
 * null when 2FA is off.
 */
export async function formSecondFactor(deps: Deps, ctx: RequestContext, sessionKey: string, action: string, assertion: string): Promise<OtpUse | null> {
  const user = requireAccountWriter(ctx.principal).user;
  if (!confirmedTfaMode(user)) return null;
  if (assertion !== '') return (await verifyPasskeyAssertion(deps, ctx, { user, holder: sessionKey, action }, assertion)).use;
  if (passkeysOnly(user) && (ctx.otp === undefined || ctx.otp.trim() === '')) fail('OTP_REQUIRED', 'Confirm with your passkey (or a recovery code).');
  return requireSecondFactor(deps, ctx, 'account-identity');
}

/** Options for navigator.credentials.create, for the signed-in user of session `sessionKey`. */
export async function passkeyRegistrationOptions(deps: Deps, user: User, sessionKey: string): Promise<unknown> {
  requireEnrolment(deps);
  const rp = relyingParty(deps);
  const existing = await deps.store.passkeys.list(user.id);
  if (existing.length >= MAX_PASSKEYS) fail('BAD_REQUEST', `An account may register at most ${MAX_PASSKEYS} passkeys; remove one first.`);
  const challenge = await newPasskeyChallenge(deps, user.id, passkeyBinding(sessionKey, 'register'));
  return deps.webauthn.registrationOptions({
    rp,
    challenge,
    userName: user.name,
    userHandle: userHandleOf(user),
    exclude: existing.map((p) => ({ id: p.id, publicKey: p.publicKey, transports: p.transports })),
  });
}

export interface RegisterInput {
  name: unknown;
  /** The browser's answer to the registration options (JSON text). */
  response: unknown;
  password: unknown;
  /** With 2FA on: a passkey answer for action "add-passkey", or ctx.otp. */
  assertion: string;
  /** The 2FA mode when this key turns 2FA on (default auth-and-writes). */
  mode?: unknown;
}

/**
 * Registers a passkey for the signed-in user. Returns the user after it, the key, and the
 * recovery codes to show once (only when the account had none). Errors: BAD_REQUEST (bad
 * name, answer, mode, or a key registered already), BAD_LOGIN (password), OTP_REQUIRED (the
 * challenge expired, was used or belongs to another session; the second factor), FORBIDDEN (policy).
 */
export async function registerPasskey(deps: Deps, ctx: RequestContext, sessionKey: string, input: RegisterInput): Promise<{ user: User; passkey: Passkey; recoveryCodes: string[] | null }> {
  const user = requireAccountWriter(ctx.principal).user;
  requireEnrolment(deps);
  const rp = relyingParty(deps);
  const name = passkeyName(input.name);
  const mode = input.mode === undefined || input.mode === '' ? 'auth-and-writes' : input.mode;
  if (mode !== 'auth-and-writes' && mode !== 'auth-only') fail('BAD_REQUEST', `Unknown 2FA mode ${JSON.stringify(mode)}: use auth-only or auth-and-writes.`);
  const parsed = parsePasskeyResponse(input.response);
  await checkOwnPassword(deps, ctx, user, input.password, () => logEvent(deps, ctx, user.id, 'tfa-change-failed', { reason: 'wrong password' }));
  const otp = await formSecondFactor(deps, ctx, sessionKey, 'add-passkey', input.assertion);
  if (!(await takePasskeyChallenge(deps, parsed.challenge, user.id, passkeyBinding(sessionKey, 'register')))) {
    fail('OTP_REQUIRED', 'This registration has expired or was already used. Start again.');
  }
  let registered;
  try {
    registered = await deps.webauthn.verifyRegistration(parsed.json, { rp, challenge: parsed.challenge });
  } catch (e) {
    fail('BAD_REQUEST', `The passkey could not be registered: ${String((e as Error).message ?? e).slice(0, 200)}`);
  }
  const first = confirmedTfaMode(user) === null;
  const tfa: TfaState | undefined = first ? { mode: mode as TfaMode, pending: false, secret: null, lastStep: null, lastStepKey: null } : undefined;
  const codes = first || (await deps.store.users.unusedRecoveryCodes(user.id)).length === 0 ? generateRecoveryCodes() : null;
  const passkey: Passkey = { ...registered, userId: user.id, name, createdAt: isoNow(deps), lastUsedAt: null };
  const updated = await deps.store.passkeys.add(passkey, { tfa, recoveryHashes: codes?.map(hashRecoveryCode), otp });
  if (first) await memberChanged(deps, user.id, 'tfa');
  await logEvent(deps, ctx, user.id, 'passkey-added', { name, synced: registered.multiDevice, ...(first ? { tfa_enabled: mode as string } : {}) });
  return { user: updated, passkey, recoveryCodes: codes };
}

/** The user's passkeys, oldest first. */
export async function listPasskeys(deps: Deps, user: User): Promise<Passkey[]> {
  return deps.store.passkeys.list(user.id);
}

/** Renames one of the user's passkeys. NOT_FOUND when it has no such key; BAD_REQUEST for a bad name. */
export async function renamePasskey(deps: Deps, ctx: RequestContext, id: string, newName: unknown): Promise<void> {
  const user = requireAccountWriter(ctx.principal).user;
  const name = passkeyName(newName);
  if (!(await deps.store.passkeys.rename(user.id, id, name))) fail('NOT_FOUND', 'No such passkey on your account.');
  await logEvent(deps, ctx, user.id, 'passkey-renamed', { name });
}

/**
 * Removes one of the user's passkeys with the second factor (a passkey answer for action
 * "remove:ID", a TOTP code or a recovery code). The last key of an account without TOTP turns
 * 2FA off (the store, atomically). Returns the user after it.
 */
export async function removePasskey(deps: Deps, ctx: RequestContext, sessionKey: string, id: string, assertion: string): Promise<User> {
  const user = requireAccountWriter(ctx.principal).user;
  const keys = await deps.store.passkeys.list(user.id);
  const key = keys.find((k) => k.id === id);
  if (!key) fail('NOT_FOUND', 'No such passkey on your account.');
  const otp = await formSecondFactor(deps, ctx, sessionKey, `remove:${id}`, assertion);
  const updated = await deps.store.passkeys.remove(user.id, id, { otp });
  if (updated.tfa === null) await memberChanged(deps, user.id, 'tfa');
  await logEvent(deps, ctx, user.id, 'passkey-removed', { name: key.name, tfa_off: updated.tfa === null });
  return updated;
}
