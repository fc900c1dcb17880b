// What a credential may do: the one place that decides whether a principal may read or
// write a package or change its account. Second factors are decided in second-factor.ts.

import { fail } from '../errors.ts';
import type { PackageRecord, TokenRecord } from '../ports.ts';

/** What access decisions read of a package. */
export type PackageAccess = Pick<PackageRecord, 'name' | 'access' | 'unpublished' | 'owners'>;
import { parsePackageName } from '../packages/names.ts';
import type { Principal, UserPrincipal } from './principal.ts';

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

/** Public packages are readable by all; restricted ones by owners whose credential covers them. */
export function canRead(principal: Principal, pkg: PackageAccess): boolean {
  if (pkg.unpublished) return false;
  if (pkg.access === 'public') return true;
  return principal.kind === 'user' && isOwner(principal, pkg) && tokenCoversPackage(principal.token, pkg.name);
}

export function requireUser(principal: Principal): UserPrincipal {
  if (principal.kind !== 'user') fail('UNAUTHENTICATED', 'You must be logged in to do this. Run `npm login`.');
  return principal;
}

function requireWritableCredential(principal: UserPrincipal, name: string): void {
  const token = principal.token;
  if (token?.readonly || token?.limits?.permission === 'read-only') {
    fail('READ_ONLY_TOKEN', 'This token is read-only and cannot change anything.');
  }
  if (!tokenCoversPackage(token, name)) fail('FORBIDDEN', `This token may not be used for the package ${name}.`);
}

/**
 * May the principal write to an existing package? Owners may; others get 403 when they can
 * see the package. A package the credential cannot read (restricted, and the caller no owner
 * or the token's package limits not covering it) gets the same 404 as a missing one, with the
 * same text, so that no write route tells whether it exists.
 */
export function requirePackageWriter(principal: Principal, pkg: PackageAccess): UserPrincipal {
  const user = requireUser(principal);
  if (!pkg.unpublished && !canRead(user, pkg)) fail('NOT_FOUND', `Package ${pkg.name} not found.`);
  if (!isOwner(user, pkg)) fail('FORBIDDEN', `You are not an owner of ${pkg.name}.`);
  requireWritableCredential(user, pkg.name);
  return user;
}

/**
 * May the principal create a new package of this name? `scopeOwnerId` is the user owning the
 * scope (null: unclaimed). The scope @NAME belongs to user NAME; other scopes to their first
 * publisher.
 */
export function requirePackageCreator(principal: Principal, name: string, scopeOwnerId: number | null): UserPrincipal {
  const user = requireUser(principal);
  requireWritableCredential(user, name);
  const scope = parsePackageName(name)?.scope ?? null;
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
  if (principal.token?.bypass2fa) {
    fail('FORBIDDEN', 'Tokens that bypass two-factor authentication cannot change owners or access; use a login session.');
  }
}
