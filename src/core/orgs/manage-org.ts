// Creating an org (a signed-in user in the web UI, or an administrator's `tessera org create`),
// adopting a scope that already has packages (`tessera org adopt`), the org's settings (the
// 2FA requirement, what the developers team gets on new packages) and its log.

import { requireUser } from '../access/permissions.ts';
import { confirmedTfaMode } from '../access/second-factor.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail, isDomainError } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import { orgCaller, orgEvent, orgNameProblem } from './load.ts';
import type { Org, TeamPermission } from './model.ts';
import { orgCredentialPermission, pendingLockouts } from './policy.ts';
import { orgPackagesChanged } from './writers.ts';

function requireOrgName(name: string): void {
  const problem = orgNameProblem(name);
  if (problem) fail('INVALID_NAME', problem);
}

/**
 * A signed-in user creates an org and becomes its owner (web UI, POST /-/org). Only login
 * sessions (and web sign-ins): no token creates orgs. USER_EXISTS when the name is a user's,
 * an org's or a scope in use. Second factor: account-identity class.
 */
export async function createOrg(deps: Deps, ctx: RequestContext, name: string): Promise<Org> {
  const caller = requireUser(ctx.principal);
  requireOrgName(name);
  const kind = caller.token?.kind;
  if (kind === 'granular' || kind === 'legacy') fail('FORBIDDEN', 'Organizations are created from a login session (npm login or the web UI), not with a token.');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  return deps.store.orgs.create(name, caller.user.id, { otp, event: orgEvent(ctx, caller.user.id, 'org-create', { owner: caller.user.name }) });
}

/**
 * `tessera org create NAME --owner USER`: NOT_FOUND when the user does not exist; USER_EXISTS
 * saying what holds the name (a user, an org, or a scope whose packages `tessera org adopt` can
 * turn into an org).
 */
export async function createOrgAsAdmin(deps: Deps, name: string, ownerName: string): Promise<Org> {
  requireOrgName(name);
  const owner = await deps.store.users.findByName(ownerName);
  if (!owner) fail('NOT_FOUND', `No user named ${ownerName}.`);
  try {
    return await deps.store.orgs.create(name, owner.id, { event: orgEvent(null, null, 'org-create', { owner: ownerName, by: 'tessera org create' }) });
  } catch (e) {
    if (!isDomainError(e) || e.code !== 'USER_EXISTS') throw e;
    if (await deps.store.users.findByName(name)) fail('USER_EXISTS', `The name ${name} is a user's: users and organizations share one namespace.`);
    if (await deps.store.orgs.get(name)) fail('USER_EXISTS', `The organization ${name} exists already.`);
    fail('USER_EXISTS', `The scope @${name} already has packages: turn it into an organization with tessera org adopt ${name} --owner ${ownerName}.`);
  }
}

/**
 * `tessera org adopt SCOPE --owner USER`: the scope's packages become the org's, the owner
 * and the packages' owners its owners (OrgStore.adopt). Packages' caches are dropped.
 */
export async function adoptScope(deps: Deps, scope: string, ownerName: string): Promise<{ org: Org; owners: string[]; packages: string[] }> {
  const name = scope.replace(/^@/, '');
  requireOrgName(name);
  const owner = await deps.store.users.findByName(ownerName);
  if (!owner) fail('NOT_FOUND', `No user named ${ownerName}.`);
  const result = await deps.store.orgs.adopt(name, owner.id, { event: orgEvent(null, null, 'org-adopt', { owner: ownerName, by: 'tessera org adopt' }) });
  for (const p of result.packages) deps.packageChanged(p);
  return result;
}

/**
 * What the org's page and GET /-/org/:org show a member. Who has 2FA, and so who is (or would be)
 * locked out, is shown to owners only: nobody else learns whether an account has 2FA.
 */
export async function orgOverview(deps: Deps, ctx: RequestContext, rawOrg: string) {
  const { org, role } = await orgCaller(deps, ctx, rawOrg, 'read');
  const members = await deps.store.orgs.members(org.id);
  const owner = role === 'owner';
  return {
    name: org.name,
    role,
    require_tfa: org.requireTfa,
    developers_access: org.developersAccess,
    members: members.map((m) => ({ name: m.name, role: m.role, ...(owner ? { tfa: m.hasTfa } : {}) })),
    // who is (or, if the requirement were on, would be) shut out for want of 2FA (owners only)
    lockouts: owner ? pendingLockouts(members).map((m) => m.name) : [],
  };
}

/**
 * POST /-/org/:org/settings `{require_tfa?, developers_access?, confirm?}` (owners). Turning the
 * 2FA requirement on while some members have no 2FA changes nothing and answers who would be
 * locked out (`applied: false`); sent again with `confirm: true`, it takes effect. An owner
 * without 2FA cannot turn it on (it would lock them out). Second factor: account-identity class.
 */
export async function changeOrgSettings(deps: Deps, ctx: RequestContext, rawOrg: string, body: unknown): Promise<{ applied: boolean; require_tfa: boolean; developers_access: TeamPermission | null; lockouts: string[] }> {
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => !['require_tfa', 'developers_access', 'confirm'].includes(k));
  if (unknown.length > 0) fail('BAD_REQUEST', `Unknown organization setting: ${unknown.join(', ')}.`);
  const { require_tfa: requireTfa, developers_access: developersAccess, confirm } = body;
  if (requireTfa !== undefined && typeof requireTfa !== 'boolean') fail('BAD_REQUEST', '"require_tfa" must be true or false.');
  if (developersAccess !== undefined && developersAccess !== null && developersAccess !== 'read-only' && developersAccess !== 'read-write') {
    fail('BAD_REQUEST', '"developers_access" must be "read-only", "read-write" or null.');
  }
  if (confirm !== undefined && typeof confirm !== 'boolean') fail('BAD_REQUEST', '"confirm" must be true or false.');
  if (requireTfa === undefined && developersAccess === undefined) fail('BAD_REQUEST', 'The body changes no setting.');
  const { org, caller } = await orgCaller(deps, ctx, rawOrg, 'manage-members');
  const lockouts = pendingLockouts(await deps.store.orgs.members(org.id)).map((m) => m.name);
  const turningOn = requireTfa === true && !org.requireTfa;
  if (turningOn && confirmedTfaMode(caller.user) === null) fail('TFA_REQUIRED', 'Enable two-factor authentication on your own account before requiring it of the organization.');
  if (turningOn && lockouts.length > 0 && confirm !== true) {
    return { applied: false, require_tfa: org.requireTfa, developers_access: org.developersAccess, lockouts };
  }
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const patch = { ...(requireTfa !== undefined ? { requireTfa } : {}), ...(developersAccess !== undefined ? { developersAccess: developersAccess as TeamPermission | null } : {}) };
  const detail: Record<string, string | boolean | null> = {};
  if (requireTfa !== undefined) detail.require_tfa = requireTfa;
  if (developersAccess !== undefined) detail.developers_access = developersAccess as string | null;
  if (turningOn) detail.locked_out = lockouts.join(',');
  const after = await deps.store.orgs.updateSettings(org.id, patch, { otp, event: orgEvent(ctx, caller.user.id, 'org-settings', detail) });
  // Who is shown as a writer of the org's packages follows the requirement (writers.ts).
  if (after.requireTfa !== org.requireTfa) await orgPackagesChanged(deps, org.id);
  return { applied: true, require_tfa: after.requireTfa, developers_access: after.developersAccess, lockouts };
}

/** GET /-/org/:org/log: the org's log for its owners, newest first (as the account's log pages). */
export async function orgLog(deps: Deps, ctx: RequestContext, rawOrg: string, query: { before?: string; limit?: string }) {
  const { org } = await orgCaller(deps, ctx, rawOrg, 'manage-members');
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) fail('BAD_REQUEST', '"limit" must be a whole number from 1 to 500.');
  const before = query.before === undefined ? undefined : Number(query.before);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) fail('BAD_REQUEST', '"before" must be an event id.');
  const events = await deps.store.orgs.events(org.id, { before, limit });
  return {
    objects: events.map((e) => ({ id: e.id, time: e.at, type: e.type, actor: e.actorName, ip: e.ip, user_agent: e.userAgent, detail: e.detail ?? {} })),
    next: events.length === limit ? events[events.length - 1].id : null,
  };
}

/** The orgs the caller belongs to, with roles (web UI, GET /-/org). Credential: any but granular tokens without --orgs. */
export async function myOrgs(deps: Deps, ctx: RequestContext): Promise<Array<{ name: string; role: string }>> {
  const caller = requireUser(ctx.principal);
  const list = await deps.store.orgs.listForUser(caller.user.id);
  return list.filter((x) => orgCredentialPermission(caller.token, x.org.name) !== 'no-access').map((x) => ({ name: x.org.name, role: x.role }));
}
