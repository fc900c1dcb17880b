// npm org set / rm / ls (lib/commands/org.js, node_modules/libnpmorg/lib/index.js) and the
// invitee's side of an invitation. `npm org set` invites a user who is not a member yet (as
// npmjs does): the answer, the org log and the second factor's use are the same whether or not
// the account exists or has 2FA, so the inviter learns neither; the invitee accepts (in the web
// UI or by API), and only then is a member.

import { requireUser } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import { loadOrg, orgCaller, orgEvent, userField } from './load.ts';
import { ORG_ROLES, type OrgInvitation, type OrgRole } from './model.ts';
import { orgCredentialPermission } from './policy.ts';
import { orgPackagesChanged } from './writers.ts';

/** What `npm org set` prints from: `{org: {name, size}, user, role}` (size: members now). */
export interface MembershipDetail {
  org: { name: string; size: number };
  user: string;
  role: OrgRole;
}

/**
 * PUT /-/org/:org/user `{user, role}`: owners only (and, while the org requires 2FA, with 2FA).
 * A member's role changes at once (LAST_OWNER if that leaves no owner); anyone else is invited,
 * until `settings.orgInvitationTtlMs` from now (config orgInvitationDays).
 * Second factor: account-identity class (OTP in both 2FA modes).
 */
export async function setMember(deps: Deps, ctx: RequestContext, rawOrg: string, body: unknown): Promise<MembershipDetail> {
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const name = userField(body);
  const role = body.role === undefined || body.role === null ? 'developer' : body.role;
  if (typeof role !== 'string' || !ORG_ROLES.includes(role as OrgRole)) fail('BAD_REQUEST', '"role" must be one of owner, admin or developer.');
  const { org, caller } = await orgCaller(deps, ctx, rawOrg, 'manage-members');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const target = await deps.store.users.findByName(name);
  const current = target ? await deps.store.orgs.role(org.id, target.id) : null;
  if (target && current) {
    if (await deps.store.orgs.setRole(org.id, target.id, role as OrgRole, { otp, event: orgEvent(ctx, caller.user.id, 'org-role-change', { user: name, from: current, role }) })) {
      await orgPackagesChanged(deps, org.id);
    }
  } else {
    const event = orgEvent(ctx, caller.user.id, 'org-invite', { user: name, role });
    const expiresAt = new Date(deps.clock.now() + deps.settings.orgInvitationTtlMs).toISOString();
    if (target) await deps.store.orgs.invite(org.id, target.id, role as OrgRole, caller.user.id, { otp, event, expiresAt });
    else await deps.store.orgs.appendEvent(org.id, event, { otp });
  }
  const size = (await deps.store.orgs.members(org.id)).length;
  return { org: { name: org.name, size }, user: name, role: role as OrgRole };
}

/**
 * DELETE /-/org/:org/user `{user}`: owners remove anyone; any member may leave. An org keeps at
 * least one owner (LAST_OWNER). Someone who is not a member gets NOT_FOUND, the same whether
 * the account exists or not; a pending invitation of theirs is withdrawn on the way.
 */
export async function removeMember(deps: Deps, ctx: RequestContext, rawOrg: string, body: unknown): Promise<void> {
  const name = userField(body);
  const self = requireUser(ctx.principal).user.name === name;
  const { org, caller } = await orgCaller(deps, ctx, rawOrg, self ? 'read' : 'manage-members');
  if (self && orgCredentialPermission(caller.token, org.name) !== 'read-write') fail('READ_ONLY_TOKEN', `This token may only read the organization ${org.name}.`);
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const target = await deps.store.users.findByName(name);
  const event = orgEvent(ctx, caller.user.id, self ? 'org-leave' : 'org-remove', { user: name });
  if (target && (await deps.store.orgs.removeMember(org.id, target.id, { otp, event }))) return orgPackagesChanged(deps, org.id);
  if (target) await deps.store.orgs.deleteInvitation(org.id, target.id, { otp, event: orgEvent(ctx, caller.user.id, 'org-invite-withdraw', { user: name }) });
  else if (otp) await deps.store.users.consumeOtp(otp);
  fail('NOT_FOUND', `${name} is not a member of ${org.name}.`);
}

/** GET /-/org/:org/user: `{user: role}` for every member (npm org ls); any member may read. */
export async function listMembers(deps: Deps, ctx: RequestContext, rawOrg: string): Promise<Record<string, OrgRole>> {
  const { org } = await orgCaller(deps, ctx, rawOrg, 'read');
  return Object.fromEntries((await deps.store.orgs.members(org.id)).map((m) => [m.name, m.role]));
}

/** The caller's pending invitations (web UI and GET /-/org-invitations), those the credential may see. */
export async function myInvitations(deps: Deps, ctx: RequestContext): Promise<OrgInvitation[]> {
  const { user, token } = requireUser(ctx.principal);
  return (await deps.store.orgs.invitationsForUser(user.id)).filter((i) => orgCredentialPermission(token, i.orgName) !== 'no-access');
}

/** The invitations' lifetime in whole days (config orgInvitationDays). */
const invitationDays = (deps: Deps) => Math.round(deps.settings.orgInvitationTtlMs / 86_400_000);

/**
 * Accepts the caller's invitation to an org (POST /-/org/:org/invitation). The credential must
 * be allowed to change the org (a granular token needs --orgs for it, read-write). While the
 * org requires 2FA, a caller without 2FA is refused (TFA_REQUIRED, told why; the inviter is
 * not). An expired invitation is no longer pending: NOT_FOUND (404), as for one never made,
 * saying invitations expire. Second factor: account-identity class. Returns the role taken.
 */
export async function acceptInvitation(deps: Deps, ctx: RequestContext, rawOrg: string): Promise<OrgRole> {
  const caller = requireUser(ctx.principal);
  const org = await loadOrg(deps, rawOrg);
  if (orgCredentialPermission(caller.token, org.name) !== 'read-write') fail('FORBIDDEN', `This token may not change your membership of ${org.name}.`);
  const pending = (await deps.store.orgs.invitationsForUser(caller.user.id)).find((i) => i.orgId === org.id);
  if (!pending) fail('NOT_FOUND', `You have no pending invitation to ${org.name}: it was never made, was withdrawn, or expired (invitations last ${invitationDays(deps)} days; ask an owner of ${org.name} to invite you again).`);
  if (org.requireTfa && !(caller.user.tfa && !caller.user.tfa.pending)) {
    fail('TFA_REQUIRED', `The organization ${org.name} requires two-factor authentication: enable 2FA on your account (npm profile enable-2fa), then accept the invitation.`);
  }
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const role = await deps.store.orgs.acceptInvitation(org.id, caller.user.id, { otp, event: orgEvent(ctx, caller.user.id, 'org-join', { user: caller.user.name, role: pending.role }) });
  await orgPackagesChanged(deps, org.id);
  return role;
}

/** Declines the caller's invitation (DELETE /-/org/:org/invitation). NOT_FOUND when there is none. */
export async function declineInvitation(deps: Deps, ctx: RequestContext, rawOrg: string): Promise<void> {
  const caller = requireUser(ctx.principal);
  const org = await loadOrg(deps, rawOrg);
  if (orgCredentialPermission(caller.token, org.name) !== 'read-write') fail('FORBIDDEN', `This token may not change your membership of ${org.name}.`);
  const gone = await deps.store.orgs.deleteInvitation(org.id, caller.user.id, { event: orgEvent(ctx, caller.user.id, 'org-invite-decline', { user: caller.user.name }) });
  if (!gone) fail('NOT_FOUND', `You have no pending invitation to ${org.name}.`);
}
