// Starting a web OTP challenge (a browser approval: see web-otp.ts for the flow): the binding
// that ties the approval to one credential and one request, whether to offer it, and the
// stored challenge with npm's authUrl and doneUrl. Kept apart from the approval and the poll,
// which themselves need the second factor, so that enforcing it never imports them.

import { createHash } from 'node:crypto';
import type { OperationClass } from '../access/second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import type { User } from '../ports.ts';
import { newApprovalId } from './approval-ids.ts';
import { takeOtpChallengeStart } from './otp-challenge-throttle.ts';
import { passkeysOnly } from './passkey-policy.ts';

/** How long an approval link and its value live, in milliseconds. */
export const OTP_CHALLENGE_TTL_MS = 5 * 60_000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

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

/**
 * Whether to offer the browser approval along with the OTP challenge of this request: when the
 * account turned it on and npm can open a browser (npm-auth-type: web), and always for an npm
 * request (npm sends npm-auth-type on every request, npm-registry-fetch lib/index.js) of an
 * account whose only factors are passkeys, which cannot type a code.
 */
export function offersWebChallenge(ctx: RequestContext, user: User): boolean {
  const noCode = ctx.otp === undefined || ctx.otp.trim() === '';
  return noCode && ((user.webOtpChallenge && ctx.authType === 'web') || (ctx.authType !== undefined && passkeysOnly(user)));
}

/**
 * What the approval page shows of a request, one line each (describeAction reads it back): the
 * method and path, the npm command (npm-command header) and the subject (package@version).
 */
export function challengeAction(ctx: RequestContext, subject?: string): string {
  return [ctx.action ?? 'a write', ctx.command ? `npm ${ctx.command}` : '', subject ?? ''].join('\n').replace(/\n+$/, '');
}

/** The lines of challengeAction: request, command and subject ('' when unknown). */
export function describeAction(action: string): { request: string; command: string; subject: string } {
  const [request = '', command = '', subject = ''] = action.split('\n');
  return { request, command, subject };
}

/**
 * Starts a challenge for a request that needs the user's second factor: stores it (hashed id,
 * the binding of webOtpBinding, what the page shows) and returns npm's authUrl and doneUrl.
 * Throttled per client address and per account (otp-challenge-throttle.ts): TOO_MANY_ATTEMPTS
 * (429, retryAfter in seconds) past it, before anything is stored.
 */
export async function startOtpChallenge(deps: Deps, ctx: RequestContext, user: User, bindingHash: string, subject?: string): Promise<{ authUrl: string; doneUrl: string }> {
  await takeOtpChallengeStart(deps, ctx.ip, user.id);
  const { id, idHash } = newApprovalId();
  const now = deps.clock.now();
  await deps.store.otpChallenges.deleteExpired(now);
  await deps.store.otpChallenges.create({
    idHash,
    userId: user.id,
    createdAt: now,
    expiresAt: now + OTP_CHALLENGE_TTL_MS,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    action: challengeAction(ctx, subject),
    approved: false,
    bindingHash,
  });
  const base = deps.settings.publicUrl;
  return { authUrl: `${base}-/web/otp/${id}`, doneUrl: `${base}-/v1/otp-done?authId=${id}` };
}
