// `npm login --auth-type=web` (npm 11's default): POST /-/v1/login starts a request and
// returns a loginUrl (a page where the person signs in, with 2FA, and approves this CLI
// login) and a doneUrl that npm polls. The request id is a 256-bit bearer capability, stored
// only as a hash, single use, valid 10 minutes. The token is created when the approved
// request is claimed by the poll, so no token secret is ever stored.

import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { approvalHash, isApprovalId, newApprovalId } from './approval-ids.ts';
import { fail } from '../errors.ts';
import type { LoginRequest, User } from '../ports.ts';
import { newSession } from '../tokens/sessions.ts';
import { requireActive } from '../tokens/authenticate.ts';
import { spendAddressBudget } from './login-throttle.ts';

export const LOGIN_REQUEST_TTL_MS = 10 * 60_000;

/**
 * Starts a web login for a caller that asked for one: `ctx.authType` is the `npm-auth-type`
 * request header, and only `web` (npm 9+'s `npm login`, their default, or `--auth-type=web`,
 * set by npm-registry-fetch from the auth-type config; yarn 4's `yarn npm login --web-login`)
 * gets a login link. npm 6 and 7 (no header) and npm 8 (`legacy`) POST here first whatever
 * `--auth-type` says, and fall back to their Username/Password(/OTP) prompts only on a 4xx
 * (the npm-profile they bundle, `webAuth`: WebLoginNotSupported on 400-499): they get
 * NOT_FOUND, before anything is stored or budgeted. Header values compare case-insensitively.
 * Returns `{ loginUrl, doneUrl }` (absolute URLs under settings.publicUrl).
 * Errors: NOT_FOUND (no `npm-auth-type: web`), TOO_MANY_ATTEMPTS (the network's sign-in budget).
 */
export async function startWebLogin(deps: Deps, ctx: RequestContext, body: unknown) {
  if (ctx.authType?.trim().toLowerCase() !== 'web') {
    fail('NOT_FOUND', 'Web login is answered only to clients that ask for it (npm-auth-type: web); sign in with your user name and password instead.');
  }
  // Unauthenticated, and each start stores a row: budgeted per network (login-throttle.ts).
  await spendAddressBudget(deps, ctx.ip, 'login');
  const create = typeof body === 'object' && body !== null && (body as Record<string, unknown>).create === true;
  const { id, idHash } = newApprovalId();
  const now = deps.clock.now();
  await deps.store.loginRequests.deleteExpired(now);
  await deps.store.loginRequests.create({ idHash, createdAt: now, expiresAt: now + LOGIN_REQUEST_TTL_MS, ip: ctx.ip, userAgent: ctx.userAgent, create, approvedUserId: null });
  const base = deps.settings.publicUrl;
  return { loginUrl: `${base}-/web/cli-login/${id}`, doneUrl: `${base}-/v1/done?authId=${id}` };
}

/** The pending request behind a login URL, for the approval page; NOT_FOUND when gone. */
export async function describeWebLogin(deps: Deps, id: string): Promise<LoginRequest> {
  const request = isApprovalId(id) ? await deps.store.loginRequests.get(approvalHash(id)) : null;
  if (!request || request.expiresAt <= deps.clock.now()) fail('NOT_FOUND', 'This login link has expired or was already used. Run npm login again.');
  return request;
}

/** The signed-in person approves the CLI login (their sign-in already passed 2FA). */
export async function approveWebLogin(deps: Deps, ctx: RequestContext, user: User, id: string): Promise<void> {
  const request = await describeWebLogin(deps, id);
  if (request.approvedUserId !== null) fail('NOT_FOUND', 'This login was already approved.');
  if (!(await deps.store.loginRequests.approve(request.idHash, user.id))) fail('NOT_FOUND', 'This login was already approved.');
  await logEvent(deps, ctx, user.id, 'cli-login-approved', { cli_ip: request.ip });
}

/** npm's poll: pending → 'wait'; approved → a new session token, exactly once. */
export async function pollWebLogin(deps: Deps, ctx: RequestContext, id: unknown): Promise<{ wait: true } | { token: string }> {
  if (!isApprovalId(id)) fail('NOT_FOUND', 'Unknown login request.');
  const now = deps.clock.now();
  const userId = await deps.store.loginRequests.claim(approvalHash(id), now);
  if (userId === null) {
    await describeWebLogin(deps, id);
    return { wait: true };
  }
  // Disabled between the approval and this poll: no session.
  const user = await deps.store.users.findById(userId);
  if (!user) fail('NOT_FOUND', 'Unknown login request.');
  requireActive(user);
  const session = newSession(deps, userId);
  await deps.store.tokens.create(session.token);
  await logEvent(deps, ctx, userId, 'login', { via: 'web', session: session.token.prefix });
  return { token: session.secret };
}
