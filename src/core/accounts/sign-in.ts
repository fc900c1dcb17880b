// Signing in with a password, shared by npm's legacy login, Basic credentials and the web
// sign-in: throttled, the same work and answer for unknown users and wrong passwords, then
// (for a new session) the second factor, consumed with the session's creation.

import { requireSecondFactor } from '../access/second-factor-check.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { TokenKind, User } from '../ports.ts';
import { newSession } from '../tokens/sessions.ts';
import { checkLoginThrottle, recordLoginFailure, recordLoginSuccess } from './login-throttle.ts';
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

/** The user whose password this is, or BAD_LOGIN. */
export async function checkPassword(deps: Deps, ctx: RequestContext, name: string, password: string, via: string): Promise<User> {
  if (password.length > 1024) fail('BAD_REQUEST', 'The password is too long (at most 1024 characters).');
  try {
    await checkLoginThrottle(deps, ctx.ip, name);
  } catch (e) {
    // A throttled attempt is not checked, but its account hears of it (once per flood).
    const target = await deps.store.users.findByName(name);
    if (target) await noteThrottled(deps, ctx, target.id, via);
    throw e;
  }
  const user = await deps.store.users.findByName(name);
  // Unknown names cost the same work as a wrong password, so timing tells nothing.
  const ok = await deps.hasher.verify(user ? user.passwordHash : await dummyHash(deps), normalizePassword(password));
  if (!user || !ok) {
    await recordLoginFailure(deps, ctx.ip, user ? user.name : null);
    if (user) await logEvent(deps, ctx, user.id, 'login-failed', { reason: 'password', via });
    fail('BAD_LOGIN', BAD_LOGIN);
  }
  await recordLoginSuccess(deps, user.name);
  return user;
}

/**
 * A new session for a user whose password was checked: the second factor now (the session
 * may present the same code again), consumed in the same transaction that stores the session.
 */
export async function openSession(deps: Deps, ctx: RequestContext, user: User, kind: Extract<TokenKind, 'session' | 'web'>, ttlMs: number, via: string) {
  const session = newSession(deps, user.id, kind, ttlMs);
  const otp = await requireSecondFactor(deps, ctx, 'login', { user, credentialKey: session.token.key });
  await deps.store.tokens.create(session.token, { otp });
  await logEvent(deps, ctx, user.id, 'login', { via, second_factor: otp?.kind ?? 'none', session: session.token.prefix });
  return session;
}
