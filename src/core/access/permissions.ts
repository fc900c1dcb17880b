// What a credential may do: the one place that decides whether a principal may read or
// write a package or change its account. Second factors are decided in second-factor.ts.

import { fail } from '../errors.ts';
import type { PackageRecord, TokenRecord } from '../ports.ts';

import { orgRequirementBlocks, requireOrgRequirementMet } from '../orgs/policy.ts';
import { parsePackageName } from '../packages/names.ts';
import type { OrgMembership, Principal, UserPrincipal } from './principal.ts';

/**
 * What access decisions read of a package. `org`: the organisation owning the package's scope
 * and the teams it granted access (absent or null: a user-owned package, decided by `owners`).
 */
export type PackageAccess = Pick<PackageRecord, 'name' | 'access' | 'unpublished' | 'owners'> & { org?: PackageRecord['org'] };

/** Whether a token's package/scope limits cover a package name. */
export function tokenCoversPackage(token: TokenRecord | null, name: string): boolean {
  const limits = token?.limits;
  if (!limits || limits.packagesAll) return true;
  if (limits.packages.includes(name)) return true;
  const scope = parsePackageName(name)?.scope;
  return scope != null && limits.scopes.some((s) => s.replace(/^@/, '') === scope);
}

export function isOwner(principal: Principal, pkg: PackageAccess): boolean {
  return principal.kind === 'user' && pkg.owners.some((o) => o.id === principal.user.id);
}

/** The caller's membership of an org, or null (anonymous, or not a member). */
export function membershipOf(principal: Principal, org: string): OrgMembership | null {
  if (principal.kind !== 'user') return null;
  return principal.orgs?.find((m) => m.org === org) ?? null;
}

/**
 * What the caller may do to an org package through the org (npmjs's model, docs.npmjs.com
 * "Managing team access to organization packages"): the org's owners and admins write every
 * package of the org; other members what their teams were granted (the best grant wins);
 * everyone else nothing. 'none' for a package that belongs to no org.
 */
export function orgPackageLevel(principal: Principal, pkg: PackageAccess): 'none' | 'read' | 'write' {
  if (!pkg.org) return 'none';
  const m = membershipOf(principal, pkg.org.name);
  if (!m) return 'none';
  if (m.role === 'owner' || m.role === 'admin') return 'write';
  let level: 'none' | 'read' | 'write' = 'none';
  for (const g of pkg.org.grants) {
    if (!m.teams.includes(g.team)) continue;
    if (g.permission === 'read-write') return 'write';
    level = 'read';
  }
  return level;
}

/**
 * Public packages are readable by all; restricted ones by those whose credential covers them
 * (tokenCoversPackage) and who are owners (user packages) or have access through the org
 * (org packages: orgPackageLevel). Everyone else gets the 404 of a missing package.
 */
export function canRead(principal: Principal, pkg: PackageAccess): boolean {
  if (pkg.unpublished) return false;
  if (pkg.access === 'public') return true;
  if (principal.kind !== 'user' || isTrustedToken(principal) || !tokenCoversPackage(principal.token, pkg.name)) return false;
  return pkg.org ? orgPackageLevel(principal, pkg) !== 'none' : isOwner(principal, pkg);
}

/**
 * The org-wide 2FA requirement (issue #18 item 4): while the org has it on, a member without
 * confirmed 2FA may not write the org's packages nor manage the org (TFA_REQUIRED, 403, saying
 * why). A user who is no member is not asked (other checks refuse them).
 */
export function requireOrgTfa(principal: UserPrincipal, org: string): void {
  const m = membershipOf(principal, org);
  if (m) requireOrgRequirementMet({ name: org, requireTfa: m.tfaRequired }, principal.user);
}

/**
 * Whether the org's 2FA requirement locks the caller out of writing the org's packages
 * (orgRequirementBlocks with the caller's membership): false for a non-member.
 */
export function orgTfaLocksOut(principal: Principal, org: string): boolean {
  const m = membershipOf(principal, org);
  return m !== null && principal.kind === 'user' && orgRequirementBlocks({ requireTfa: m.tfaRequired }, principal.user);
}

/**
 * What lists show the caller may do to an org package (npm access list packages): its
 * orgPackageLevel, except that a member the org's 2FA requirement locks out (orgTfaLocksOut)
 * is shown 'read' where they would write: they may read it, and requirePackageWriter refuses
 * their writes (TFA_REQUIRED).
 */
export function orgListedLevel(principal: Principal, pkg: PackageAccess): 'none' | 'read' | 'write' {
  const level = orgPackageLevel(principal, pkg);
  return level === 'write' && pkg.org && orgTfaLocksOut(principal, pkg.org.name) ? 'read' : level;
}

/** Whether the credential is a trusted-publishing token (kind 'oidc', core/trust/exchange.ts). */
export function isTrustedToken(principal: Principal): boolean {
  return principal.kind === 'user' && principal.token?.kind === 'oidc';
}

function userOf(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') fail('UNAUTHENTICATED', 'You must be logged in to do this. Run `npm login`.');
  return principal;
}

/**
 * The signed-in user. A trusted-publishing token is refused here, so that every route but
 * publishing (which names its action to requirePackageWriter) refuses it by construction:
 * tokens, profile, dist-tags, owners, access, unpublish, whoami...
 */
export function requireUser(principal: Principal): UserPrincipal {
  const user = userOf(principal);
  if (isTrustedToken(user)) {
    fail('TRUSTED_TOKEN_LIMIT', `This trusted-publishing token may only publish ${user.token?.limits?.trusted?.package ?? 'its package'} (npm publish or npm stage publish, as its trust relationship allows), nothing else.`);
  }
  return user;
}

/**
 * A trusted-publishing token used for another package, or for an action its trust relationship
 * does not allow (npm trust --allow-publish / --allow-stage-publish): 403 TRUSTED_TOKEN_LIMIT
 * naming why. A no-op for every other credential. Called by publishing ('publish') and staging
 * ('stage'), through requirePackageWriter's `action`.
 */
export function requireTokenPermits(principal: UserPrincipal, action: 'publish' | 'stage', pkgName: string): void {
  if (principal.token?.kind !== 'oidc') return;
  const grant = principal.token.limits?.trusted;
  if (!grant || grant.package !== pkgName) {
    fail('TRUSTED_TOKEN_LIMIT', `This trusted-publishing token was issued for ${grant?.package ?? 'another package'}; it cannot be used for ${pkgName}.`);
  }
  if (!grant.permissions.includes(action)) {
    fail('TRUSTED_TOKEN_LIMIT', `The trust relationship of ${pkgName} does not allow ${action === 'publish' ? 'npm publish' : 'npm stage publish'} (it allows ${grant.permissions.map((p) => (p === 'publish' ? 'npm publish' : 'npm stage publish')).join(' and ')}).`);
  }
}

function requireWritableCredential(principal: UserPrincipal, name: string): void {
  const token = principal.token;
  if (token?.readonly || token?.limits?.permission === 'read-only') {
    fail('READ_ONLY_TOKEN', 'This token is read-only and cannot change anything.');
  }
  if (!tokenCoversPackage(token, name)) fail('FORBIDDEN', `This token may not be used for the package ${name}.`);
}

/**
 * May the principal write to an existing package? Owners may; for an org's package (issue
 * #18) those whose org role or team grants read-write (orgPackageLevel), unless the org's 2FA
 * requirement locks them out (TFA_REQUIRED); a trusted-publishing token of the package may,
 * for the `action` its relationship allows, when the user it acts for still may (issue #16).
 * Others get 403 when they can see the package. A package the credential cannot read
 * (restricted, and the caller no owner or the token's package limits not covering it) gets
 * the same 404 as a missing one, with the same text, so that no write route tells whether it
 * exists.
 */
export function requirePackageWriter(principal: Principal, pkg: PackageAccess, action?: 'publish' | 'stage'): UserPrincipal {
  // `action`: the write is a publish or a stage, which a trusted-publishing token may do when
  // its relationship allows it (requireTokenPermits); any other write refuses such a token.
  const user = action ? userOf(principal) : requireUser(principal);
  if (action) requireTokenPermits(user, action, pkg.name);
  const trusted = isTrustedToken(user);
  if (!pkg.unpublished && !canRead(user, pkg) && !trusted) fail('NOT_FOUND', `Package ${pkg.name} not found.`);
  if (pkg.org) {
    const org = pkg.org.name;
    if (orgPackageLevel(user, pkg) !== 'write') {
      fail('FORBIDDEN', `You may not write ${pkg.name}: it belongs to the organization ${org}, and writing needs read-write access through one of its teams (npm access grant read-write @${org}:TEAM ${pkg.name}) or the org's owner or admin role.`);
    }
    requireOrgTfa(user, org);
  } else if (!isOwner(user, pkg)) {
    fail('FORBIDDEN', `You are not an owner of ${pkg.name}.`);
  }
  requireWritableCredential(user, pkg.name);
  return user;
}

/**
 * May the principal create a new package of this name? `scopeOwnerId` is the user owning the
 * scope (null: unclaimed). The scope @NAME belongs to user NAME, or to the organisation NAME
 * (`scopeOrg`: then any member may create packages in it, as on npmjs, unless the org's 2FA
 * requirement locks them out); other scopes to their first publisher.
 */
export function requirePackageCreator(principal: Principal, name: string, scopeOwnerId: number | null, scopeOrg: string | null = null): UserPrincipal {
  const user = requireUser(principal);
  requireWritableCredential(user, name);
  const scope = parsePackageName(name)?.scope ?? null;
  if (scopeOrg !== null) {
    if (!membershipOf(user, scopeOrg)) fail('FORBIDDEN', `The scope @${scope} belongs to the organization ${scopeOrg}, and you are not a member of it.`);
    requireOrgTfa(user, scopeOrg);
    return user;
  }
  if (scope !== null && scopeOwnerId !== null && scopeOwnerId !== user.user.id) {
    fail('FORBIDDEN', `The scope @${scope} belongs to another user.`);
  }
  return user;
}

/**
 * Account changes (profile, password, 2FA) need a login session, a classic read-write token
 * or the password itself: never a read-only token, a package-limited granular token or a
 * bypass-2FA token.
 */
export function requireAccountWriter(principal: Principal): UserPrincipal {
  const user = requireUser(principal);
  const token = user.token;
  if (token?.readonly || token?.limits?.permission === 'read-only') {
    fail('READ_ONLY_TOKEN', 'This token is read-only and cannot change anything.');
  }
  if (token?.bypass2fa) fail('FORBIDDEN', 'Tokens that bypass two-factor authentication cannot change the account or its tokens.');
  if (token?.kind === 'granular') fail('FORBIDDEN', 'Granular tokens cannot change the account or its tokens; log in with npm login.');
  return user;
}

/** Creating and revoking tokens: the same credentials as other account changes. */
export const requireTokenManager = requireAccountWriter;

/** Owners and access settings are never changed with a bypass-2FA token. */
export function requireGovernanceCredential(principal: UserPrincipal): void {
  if (isTrustedToken(principal)) fail('TRUSTED_TOKEN_LIMIT', 'A trusted-publishing token cannot change owners or access.');
  if (principal.token?.bypass2fa) {
    fail('FORBIDDEN', 'Tokens that bypass two-factor authentication cannot change owners or access; use a login session.');
  }
}
