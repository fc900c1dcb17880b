// Signing in with a password, shared by npm's legacy login, Basic credentials and the web
// sign-in: throttled, the same work and answer for unknown users and wrong passwords, then
// (for a new session) the second factor, consumed with the session's creation.

import { requireSecondFactor } from './require-second-factor.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpUse, TokenKind, User } from '../ports.ts';
import { newSession } from '../tokens/sessions.ts';
import { requireActive } from '../tokens/authenticate.ts';
import { type PasswordAttempt, reservePasswordAttempt } from './login-throttle.ts';
import { normalizePassword } from './password-policy.ts';

export const BAD_LOGIN = 'Incorrect user name or password.';

/** Throttled attempts on one account are logged once per this long: a flood cannot fill its log. */
export const THROTTLED_LOG_EVERY_MS = 10 * 60_000;

async function noteThrottled(deps: Deps, ctx: RequestContext, userId: number, via: string): Promise<void> {
  const [newest] = await deps.store.events.list(userId, { limit: 1 });
  if (newest?.type === 'login-throttled' && deps.clock.now() - Date.parse(newest.at) < THROTTLED_LOG_EVERY_MS) return;
  await logEvent(deps, ctx, userId, 'login-throttled', { via });
}

let dummy: Promise<string> | null = null;
function dummyHash(deps: Deps): Promise<string> {
  dummy ??= deps.hasher.hash('not a password of anyone');
  return dummy;
}

/** Reserves the attempt (or refuses it, noting the refusal in the account's log once per flood). */
async function reserve(deps: Deps, ctx: RequestContext, user: User | null, via: string): Promise<PasswordAttempt> {
  try {
    return await reservePasswordAttempt(deps, ctx.ip, user ? user.name : null);
  } catch (e) {
    // A throttled attempt is not checked, but its account hears of it (once per flood).
    if (user) await noteThrottled(deps, ctx, user.id, via);
    throw e;
  }
}

/**
 * The user whose password this is, or BAD_LOGIN (401); TOO_MANY_ATTEMPTS (429) when the
 * network or the account is throttled (login-throttle.ts: counted before the hash).
 */
export async function checkPassword(deps: Deps, ctx: RequestContext, name: string, password: string, via: string): Promise<User> {
  if (password.length > 1024) fail('BAD_REQUEST', 'The password is too long (at most 1024 characters).');
  const user = await deps.store.users.findByName(name);
  const attempt = await reserve(deps, ctx, user, via);
  let ok = false;
  try {
    // Unknown names cost the same work as a wrong password, so timing tells nothing.
    ok = await deps.hasher.verify(user ? user.passwordHash : await dummyHash(deps), normalizePassword(password));
  } finally {
    if (!ok || !user) attempt.failed();
  }
  if (!user || !ok) {
    if (user) await logEvent(deps, ctx, user.id, 'login-failed', { reason: 'password', via });
    fail('BAD_LOGIN', BAD_LOGIN);
  }
  await attempt.succeeded();
  // Only the right password learns that the account is disabled.
  requireActive(user);
  return user;
}

/**
 * The signed-in user's password asked again (token creation, 2FA changes, password change),
 * throttled like a login (the same per-network and per-account counts), so a stolen session is
 * no unlimited password oracle. On a wrong password `onWrong` logs the failure, then BAD_LOGIN
 * (401, "Incorrect password."); BAD_REQUEST for a missing or over-long password.
 */
export async function checkOwnPassword(deps: Deps, ctx: RequestContext, user: User, password: unknown, onWrong: () => Promise<void>, missing = 'Your password is required.'): Promise<void> {
  if (typeof password !== 'string' || password.length === 0) fail('BAD_REQUEST', missing);
  if (password.length > 1024) fail('BAD_REQUEST', 'The password is too long (at most 1024 characters).');
  const attempt = await reserve(deps, ctx, user, 'reauth');
  let ok = false;
  try {
    ok = await deps.hasher.verify(user.passwordHash, normalizePassword(password));
  } finally {
    if (!ok) attempt.failed();
  }
  if (!ok) {
    await onWrong();
    fail('BAD_LOGIN', 'Incorrect password.');
  }
  await attempt.succeeded();
}

/**
 * A new session for a user whose password was checked: the second factor now (the session
 * may present the same code again), consumed in the same transaction that stores the session.
 * `factor`: a second factor checked already (a passkey answer, passkey-assertion.ts), used
 * instead of ctx.otp; with it a passwordless sign-in (a discoverable passkey with user
 * verification) opens a session too.
 */
export async function openSession(deps: Deps, ctx: RequestContext, user: User, kind: Extract<TokenKind, 'session' | 'web'>, ttlMs: number, via: string, factor?: OtpUse) {
  const session = newSession(deps, user.id, kind, ttlMs);
  const otp = factor ?? (await requireSecondFactor(deps, ctx, 'login', { user, credentialKey: session.token.key }));
  await deps.store.tokens.create(session.token, { otp });
  await logEvent(deps, ctx, user.id, 'login', { via, second_factor: otp?.kind ?? 'none', session: session.token.prefix });
  return session;
}
