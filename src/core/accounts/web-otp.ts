// The web OTP challenge (npm CLI lib/utils/auth.js otplease), for users who turn it on: a CLI write that
// needs a second factor and comes from a client able to open a browser (npm-auth-type: web)
// gets, with its 401, an authUrl to approve the write in the browser and a doneUrl that npm
// polls. The approval needs a fresh code from the person's authenticator; the poll then hands
// npm a single-use value (tsrotp_...) that it sends back as npm-otp, valid for 5 minutes and
// bound to what the page showed: the credential that started the challenge, the operation
// class, the method and the path (webOtpBinding). Ids and values are 256-bit; ids, values and
// bindings are stored only as hashes.

import { createHash, randomBytes } from 'node:crypto';
import { requireAccountWriter } from '../access/permissions.ts';
import { requireSecondFactor } from '../access/second-factor-check.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OtpChallenge, User } from '../ports.ts';
import type { OperationClass } from '../access/second-factor.ts';
import { takeOtpChallengeStart } from './otp-challenge-throttle.ts';
import { verifyOtp } from './verify-otp.ts';

export const OTP_CHALLENGE_TTL_MS = 5 * 60_000;
const ID = /^[A-Za-z0-9_-]{43}$/;
const VALUE = /^tsrotp_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const isWebOtpValue = (raw: string | undefined): raw is string => raw !== undefined && VALUE.test(raw.trim());
export const webOtpValueHash = (raw: string) => sha256(raw.trim());

/**
 * What a browser approval is good for, as a SHA-256 hex: the credential of the request (a
 * token: its key; Basic credentials: "basic" and the user; a password login, which has no
 * credential yet: "password" and the user), the operation class of second-factor.ts, the
 * method and the path as received (which names the package). The request that started the
 * challenge and the one presenting the value must give the same binding; npm retries the same
 * request with the value (npm-registry-fetch's otplease path), so they do.
 * Throws when the request has no method and path (not an HTTP request): then no binding exists.
 */
export function webOtpBinding(ctx: RequestContext, user: User, operation: OperationClass): string {
  const p = ctx.principal;
  const credential = p.kind === 'user' && p.token ? `token:${p.token.key}` : p.kind === 'user' ? `${p.via}:${p.user.id}` : `password:${user.id}`;
  const target = ctx.target;
  if (!target) throw new Error('webOtpBinding needs the request method and path');
  return sha256(JSON.stringify([credential, user.id, operation, target.method.toUpperCase(), target.path]));
}

/** Whether to offer the browser approval along with the OTP challenge of this request. */
export function offersWebChallenge(ctx: RequestContext, user: User): boolean {
  return user.webOtpChallenge && ctx.authType === 'web' && (ctx.otp === undefined || ctx.otp.trim() === '');
}

/**
 * Starts a challenge for a request that needs the user's second factor: stores it (hashed id,
 * the binding of webOtpBinding, what the page shows) and returns npm's authUrl and doneUrl.
 * Throttled per client address and per account (otp-challenge-throttle.ts): TOO_MANY_ATTEMPTS
 * (429, retryAfter in seconds) past it, before anything is stored.
 */
export async function startOtpChallenge(deps: Deps, ctx: RequestContext, user: User, bindingHash: string): Promise<{ authUrl: string; doneUrl: string }> {
  await takeOtpChallengeStart(deps, ctx.ip, user.id);
  const id = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  await deps.store.otpChallenges.deleteExpired(now);
  await deps.store.otpChallenges.create({
    idHash: sha256(id),
    userId: user.id,
    createdAt: now,
    expiresAt: now + OTP_CHALLENGE_TTL_MS,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    action: ctx.action ?? 'a write',
    approved: false,
    bindingHash,
  });
  const base = deps.settings.publicUrl;
  return { authUrl: `${base}-/web/otp/${id}`, doneUrl: `${base}-/v1/otp-done?authId=${id}` };
}

export async function describeOtpChallenge(deps: Deps, id: string): Promise<OtpChallenge> {
  const challenge = ID.test(id) ? await deps.store.otpChallenges.get(sha256(id)) : null;
  if (!challenge || challenge.expiresAt <= deps.clock.now()) fail('NOT_FOUND', 'This approval link has expired or was already used. Run the command again.');
  return challenge;
}

/** The signed-in owner approves with a fresh code from their authenticator (or a recovery code). */
export async function approveOtpChallenge(deps: Deps, ctx: RequestContext, user: User, sessionKey: string, id: string): Promise<void> {
  const challenge = await describeOtpChallenge(deps, id);
  if (challenge.userId !== user.id) fail('NOT_FOUND', 'This approval link belongs to another account.');
  if (challenge.approved) fail('NOT_FOUND', 'This request was already approved.');
  // No binding: a value from another approval does not approve this one.
  const otp = await verifyOtp(deps, ctx, user, sessionKey, null);
  await deps.store.users.consumeOtp(otp);
  if (!(await deps.store.otpChallenges.approve(challenge.idHash, user.id, deps.clock.now()))) fail('NOT_FOUND', 'This request was already approved.');
  await logEvent(deps, ctx, user.id, 'cli-write-approved', { action: challenge.action, cli_ip: challenge.ip });
}

/** npm's poll: pending → wait; approved → the single-use value, handed out once. */
export async function pollOtpChallenge(deps: Deps, id: unknown): Promise<{ wait: true } | { token: string }> {
  if (typeof id !== 'string') fail('NOT_FOUND', 'Unknown approval request.');
  const challenge = await describeOtpChallenge(deps, id);
  if (!challenge.approved) return { wait: true };
  const value = `tsrotp_${randomBytes(32).toString('base64url')}`;
  if (!(await deps.store.otpChallenges.issue(challenge.idHash, sha256(value), deps.clock.now()))) fail('NOT_FOUND', 'This approval was already collected.');
  return { token: value };
}

/** Turns the browser approval on or off: it changes how the second factor is asked, so it needs one. */
export async function setWebOtpChallenge(deps: Deps, ctx: RequestContext, on: boolean): Promise<User> {
  const user = requireAccountWriter(ctx.principal).user;
  if (on && (!user.tfa || user.tfa.pending)) fail('BAD_REQUEST', 'Turn on two-factor authentication first.');
  if (user.webOtpChallenge === on) return user;
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const updated = await deps.store.users.update(user.id, { webOtpChallenge: on }, { otp });
  await logEvent(deps, ctx, user.id, on ? 'web-otp-challenge-on' : 'web-otp-challenge-off');
  return updated;
}
