// Administrator actions (docs/admin.md), from the command line (no HTTP principal: `actor` is
// null) or from an administrator on the web UI (who passed their second factor first). Each
// acts on the store directly and leaves a trace in the touched user's security log (type
// `admin-*`, or `tfa-reset-by-admin`), naming the administrator: those events, with sign-in
// failures and lockouts, make the instance log (INSTANCE_EVENT_TYPES).
//
// Status rules: a disabled account's tokens and sessions are refused on every path (token
// checks, web sessions, password sign-ins: authenticate.ts, sign-in.ts) until it is enabled;
// its browser and CLI sessions are deleted at once, its other tokens kept (they work again
// after `enable`). A deleted account is disabled for good: every token, its second factor
// and its password are gone, and its row stays so the name (and the scope @NAME) can never be
// taken by someone else. Its packages stay readable and it stays listed as their owner: a
// package it owned alone is frozen (nobody can publish to it), co-owners keep writing and may
// remove it with `npm owner rm`.

import { randomBytes } from 'node:crypto';
import { confirmedTfaMode } from '../access/second-factor.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { User, UserSummary } from '../ports.ts';
import { memberChanged } from '../orgs/writers.ts';
import { checkNewPassword, normalizePassword } from './password-policy.ts';
import { verifyOtp } from './verify-otp.ts';

const CLI = { ip: 'admin-cli', userAgent: 'tessera admin command' };

/** Who acts: null from the command line, else the administrator and their request. */
export type AdminActor = { admin: User; ip: string; userAgent: string } | null;

/** Security event types an administrator sees in the instance log, across all users. */
export const INSTANCE_EVENT_TYPES = [
  'login-failed',
  'login-throttled',
  'otp-failed',
  'otp-locked',
  'otp-refused-locked',
  'tfa-reset-by-admin',
  'admin-granted',
  'admin-revoked',
  'admin-disabled',
  'admin-enabled',
  'admin-deleted',
  'admin-password-set',
  'admin-unpublished',
  'admin-owner-added',
  'admin-owner-removed',
] as const;

async function target(deps: Deps, name: string): Promise<User> {
  const user = typeof name === 'string' ? await deps.store.users.findByName(name) : null;
  if (!user) fail('NOT_FOUND', `There is no user named ${name}.`);
  return user;
}

async function record(deps: Deps, actor: AdminActor, user: User, type: string, detail: Record<string, string | number | boolean | null> = {}): Promise<void> {
  await logEvent(deps, actor ?? CLI, user.id, type, { ...detail, by: actor ? actor.admin.name : 'tessera command' });
}

/** An administrator on the web may not lock themselves out (the command line always can). */
function notSelf(actor: AdminActor, user: User, what: string): void {
  if (actor && actor.admin.id === user.id) fail('FORBIDDEN', `You cannot ${what} your own account here; another administrator (or the tessera command) can.`);
}

function notDeleted(user: User): void {
  if (user.status === 'deleted') fail('FORBIDDEN', `The account ${user.name} was deleted; its name stays reserved.`);
}

/** For a user who lost both their device and their recovery codes. */
export async function resetTwoFactor(deps: Deps, name: string, actor: AdminActor = null): Promise<void> {
  const user = await target(deps, name);
  await deps.store.users.setTfa(user.id, null, null);
  await memberChanged(deps, user.id, 'tfa');
  await deps.store.users.clearOtpFailures(user.id);
  const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web']);
  await record(deps, actor, user, 'tfa-reset-by-admin', { sessions_ended: ended });
}

export async function userSecurityLog(deps: Deps, name: string, limit: number) {
  const user = await target(deps, name);
  return deps.store.events.list(user.id, { limit });
}

/** Users sorted by name, `limit` at most after the name `after`. */
export function listUsers(deps: Deps, options: { after?: string; limit: number }): Promise<UserSummary[]> {
  return deps.store.users.list(options);
}

/** Grants (`admin` true) or takes away the administrator role. */
export async function setAdmin(deps: Deps, name: string, admin: boolean, actor: AdminActor = null): Promise<User> {
  const user = await target(deps, name);
  notDeleted(user);
  if (!admin) notSelf(actor, user, 'take the administrator role from');
  if (user.admin === admin) return user;
  const updated = await deps.store.users.update(user.id, { admin });
  await record(deps, actor, user, admin ? 'admin-granted' : 'admin-revoked');
  return updated;
}

/**
 * Disables the account: from this commit on, its tokens and sessions are refused on every
 * node (the store tells the others, as for any user change), and its sessions are deleted.
 */
export async function disableUser(deps: Deps, name: string, actor: AdminActor = null): Promise<void> {
  const user = await target(deps, name);
  notDeleted(user);
  notSelf(actor, user, 'disable');
  await deps.store.users.update(user.id, { status: 'disabled' });
  const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web']);
  await record(deps, actor, user, 'admin-disabled', { sessions_ended: ended });
}

export async function enableUser(deps: Deps, name: string, actor: AdminActor = null): Promise<void> {
  const user = await target(deps, name);
  notDeleted(user);
  if (user.status === 'active') return;
  await deps.store.users.update(user.id, { status: 'active' });
  await record(deps, actor, user, 'admin-enabled');
}

/** Deletes the account for good (see the rules at the top); the name stays reserved. */
export async function deleteUser(deps: Deps, name: string, actor: AdminActor = null): Promise<{ packages: string[] }> {
  const user = await target(deps, name);
  notDeleted(user);
  notSelf(actor, user, 'delete');
  // A password nobody knows: the hash stays a valid hash, so a sign-in costs the usual work.
  const passwordHash = await deps.hasher.hash(randomBytes(32).toString('base64'));
  await deps.store.users.update(user.id, { status: 'deleted', admin: false, passwordHash, webOtpChallenge: false });
  await deps.store.tokens.deleteForUser(user.id, ['session', 'web', 'legacy', 'granular']);
  await deps.store.users.setTfa(user.id, null, null);
  await memberChanged(deps, user.id, 'tfa');
  const packages = await deps.store.packages.namesOwnedBy(user.id);
  await record(deps, actor, user, 'admin-deleted', { packages: packages.length });
  return { packages };
}

/** Sets a new password (the password policy applies) and ends the user's sessions. */
export async function setPassword(deps: Deps, name: string, password: string, actor: AdminActor = null): Promise<void> {
  const user = await target(deps, name);
  notDeleted(user);
  const problem = checkNewPassword(password, { username: user.name, email: user.email });
  if (problem) fail('BAD_REQUEST', problem);
  await deps.store.users.update(user.id, { passwordHash: await deps.hasher.hash(normalizePassword(password)) });
  const ended = await deps.store.tokens.deleteForUser(user.id, ['session', 'web']);
  await record(deps, actor, user, 'admin-password-set', { sessions_ended: ended });
}

/**
 * The administrator behind a web request: ctx's principal must be an active administrator
 * (FORBIDDEN otherwise). Reading the admin pages needs only this.
 */
export function requireAdmin(ctx: RequestContext): User {
  const p = ctx.principal;
  if (p.kind !== 'user' || !p.user.admin || p.user.status !== 'active') fail('FORBIDDEN', 'This page is for administrators (tessera user admin NAME grants the role).');
  return p.user;
}

/**
 * Every administrator action on the web passes the administrator's second factor first
 * (issue #20): TFA_REQUIRED when they have none, else ctx.passkeyFactor (a passkey answer the
 * web route checked) or the code in ctx.otp is verified (a
 * wrong one counts towards their lockout, as anywhere) and consumed; the same session may
 * present the same code again within its step, for several actions in a row. Returns the
 * actor for the action's log lines.
 */
export async function adminActor(deps: Deps, ctx: RequestContext): Promise<NonNullable<AdminActor>> {
  const admin = requireAdmin(ctx);
  if (confirmedTfaMode(admin) === null) fail('TFA_REQUIRED', 'Administrator actions need your second factor: turn on two-factor authentication first (Two-factor page).');
  const credentialKey = ctx.principal.kind === 'user' ? (ctx.principal.token?.key ?? null) : null;
  // A passkey answer checked for this request (web forms, bound to the session and the action).
  const use = ctx.passkeyFactor && ctx.passkeyFactor.userId === admin.id ? ctx.passkeyFactor : await verifyOtp(deps, ctx, admin, credentialKey, null);
  await deps.store.users.consumeOtp(use);
  return { admin, ip: ctx.ip, userAgent: ctx.userAgent };
}

/** The instance log: sign-in failures, lockouts and administrator actions of every user, newest first, with user names. */
export async function instanceLog(deps: Deps, options: { before?: number; limit: number }) {
  const events = await deps.store.events.listInstance({ types: INSTANCE_EVENT_TYPES, before: options.before, limit: options.limit });
  const names = new Map<number, string>();
  for (const e of events) {
    if (!names.has(e.userId)) names.set(e.userId, (await deps.store.users.findById(e.userId))?.name ?? `#${e.userId}`);
  }
  return events.map((e) => ({ ...e, user: names.get(e.userId)! }));
}
