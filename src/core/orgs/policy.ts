// Who may do what in an organisation: the roles (as npmjs has them), the org-wide 2FA
// requirement, and what a credential (session, classic or granular token) may do to an org's
// membership and teams. Every org and team route asks here, and so do package writes to an
// org's packages (orgRequirementBlocks).
//
// Roles (docs.npmjs.com "Roles and permissions in organizations", npm's docs/using-npm/orgs.md):
//   owner     manages members and their roles, the org's settings (2FA requirement), teams
//             and package access;
//   admin     ("team admin") creates and deletes teams, manages team membership and package access;
//   developer works on the packages its teams may read or write; may list members and teams.

import { confirmedTfaMode } from '../access/second-factor.ts';
import type { UserPrincipal } from '../access/principal.ts';
import { fail } from '../errors.ts';
import type { TokenRecord, User } from '../ports.ts';
import type { Org, OrgRole } from './model.ts';

/** What an org route does: read members and teams, manage teams, or manage members and settings. */
export type OrgAction = 'read' | 'manage-teams' | 'manage-members';

const ALLOWED: Record<OrgAction, readonly OrgRole[]> = {
  read: ['owner', 'admin', 'developer'],
  'manage-teams': ['owner', 'admin'],
  'manage-members': ['owner'],
};

/** Whether a role may take the action. */
export function roleAllows(role: OrgRole | null, action: OrgAction): boolean {
  return role !== null && ALLOWED[action].includes(role);
}

/**
 * Whether the org's 2FA requirement shuts this user out: the org requires 2FA and the user has
 * no confirmed second factor. Package writes to the org's packages and every org management
 * call check it (issue #18 item 4), and so does every list naming an org package's writers
 * (core/orgs/writers.ts). `user`: the account, or what a store read of it says (`hasTfa`:
 * a confirmed second factor, as OrgMember.hasTfa and Owner.hasTfa).
 */
export function orgRequirementBlocks(org: Pick<Org, 'requireTfa'>, user: Pick<User, 'tfa'> | { hasTfa?: boolean }): boolean {
  const hasTfa = 'tfa' in user ? confirmedTfaMode(user as User) !== null : user.hasTfa === true;
  return org.requireTfa && !hasTfa;
}

/** Throws TFA_REQUIRED (403) naming the org and the way out when orgRequirementBlocks. */
export function requireOrgRequirementMet(org: Pick<Org, 'requireTfa' | 'name'>, user: Pick<User, 'tfa'>): void {
  if (orgRequirementBlocks(org, user)) {
    fail('TFA_REQUIRED', `The organization ${org.name} requires its members to use two-factor authentication. Enable it with \`npm profile enable-2fa\`.`);
  }
}

/** The members who would be locked out if the org required 2FA now (shown before it is turned on). */
export function pendingLockouts<M extends { hasTfa: boolean }>(members: readonly M[]): M[] {
  return members.filter((m) => !m.hasTfa);
}

/** What a credential may do to an org's membership and teams (npm token create --orgs-permission). */
export type OrgCredentialPermission = 'no-access' | 'read-only' | 'read-write';

/**
 * The one check of a credential against an org, on every org and team route. Session tokens,
 * web sign-ins and Basic credentials act with the user's roles (read-write); classic tokens
 * too, read-only ones for reading only; tokens that bypass 2FA never manage an org. A granular
 * token has no access to any org's membership or teams unless it was created with `--orgs`
 * naming this org (as on npmjs, where a granular token without orgs cannot even run
 * `npm org ls`); then its `--orgs-permission` decides.
 */
export function orgCredentialPermission(token: TokenRecord | null, orgName: string): OrgCredentialPermission {
  if (!token) return 'read-write';
  if (token.kind === 'granular') return granularOrgPermission(token, orgName);
  if (token.readonly || token.limits?.permission === 'read-only') return 'read-only';
  if (token.bypass2fa) return 'read-only';
  return 'read-write';
}

/**
 * Where `npm token create --orgs <org> --orgs-permission <p>` plugs in (issue #18 item 5): the
 * token's limits carry the org names (with or without '@') and the permission. Without them:
 * no access.
 */
function granularOrgPermission(token: TokenRecord, orgName: string): OrgCredentialPermission {
  const limits = token.limits as unknown as { orgs?: readonly string[] | null; orgsPermission?: string | null } | null;
  const orgs = limits?.orgs ?? [];
  if (!orgs.some((o) => o.replace(/^@/, '') === orgName)) return 'no-access';
  const p = limits?.orgsPermission;
  return p === 'read-write' || p === 'read-only' ? p : 'no-access';
}

/**
 * May this principal take `action` on the org? Checks, in order: the credential's org limits,
 * membership and role, and the org's 2FA requirement (for management). Throws FORBIDDEN or
 * TFA_REQUIRED (403) saying why; returns the caller's role.
 */
export function requireOrgAction(principal: UserPrincipal, org: Org, role: OrgRole | null, action: OrgAction): OrgRole {
  const permission = orgCredentialPermission(principal.token, org.name);
  if (permission === 'no-access') fail('FORBIDDEN', `This token has no access to the organization ${org.name}; create one with --orgs ${org.name}.`);
  if (action !== 'read' && permission !== 'read-write') fail('READ_ONLY_TOKEN', `This token may only read the organization ${org.name}.`);
  if (role === null) fail('FORBIDDEN', `You are not a member of the organization ${org.name}.`);
  if (action !== 'read') requireOrgRequirementMet(org, principal.user);
  if (!roleAllows(role, action)) {
    fail('FORBIDDEN', action === 'manage-members' ? `Only owners of ${org.name} may manage its members and settings.` : `Only owners and admins of ${org.name} may manage its teams.`);
  }
  return role;
}
