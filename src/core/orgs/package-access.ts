// npm access on organisation packages (issue #18 item 3): team grants (npm access grant /
// revoke) and the package lists npm access list reads. The wire contract is npm 11's
// lib/commands/access.js and node_modules/libnpmaccess/lib/index.js:
//   PUT    /-/team/:scope/:team/package  {package, permissions: read-only|read-write}   grant
//   DELETE /-/team/:scope/:team/package  {package}                                     revoke
//   GET    /-/team/:scope/:team/package  → {name: read|write}   list packages @org:team
//   GET    /-/org/:scope/package         → {name: read|write}   list packages @org (404: npm asks /-/user/)
//   GET    /-/user/:user/package         → {name: read|write}   list packages <user>
//   GET    /-/package/:pkg/collaborators → {user: read|write}   list collaborators
// Values are npmjs's 'read' / 'write'; npm prints them as read-only / read-write.

import { canRead, membershipOf, orgListedLevel, requireUser } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail, shown } from '../errors.ts';
import { parsePackageName } from '../packages/names.ts';
import { isPlainObject } from '../packages/rules.ts';
import type { PackageHead } from '../ports.ts';
import type { Org, Team, TeamPermission } from './model.ts';
import { orgRequirementBlocks, requireOrgAction } from './policy.ts';

export type Level = 'read' | 'write';

const PERMISSIONS: readonly TeamPermission[] = ['read-only', 'read-write'];

/** `@acme` or `acme` (npm sends the scope without '@', libnpmaccess parseTeam). */
function orgName(scope: string): string {
  return scope.startsWith('@') ? scope.slice(1) : scope;
}

async function requireOrg(deps: Deps, scope: string): Promise<Org> {
  const org = await deps.store.orgs.get(orgName(scope));
  if (!org) fail('NOT_FOUND', `There is no organization ${shown(orgName(scope))}.`);
  return org;
}

async function requireTeam(deps: Deps, org: Org, team: string): Promise<Team> {
  const found = await deps.store.orgs.team(org.id, team);
  if (!found) fail('NOT_FOUND', `There is no team ${shown(team)} in the organization ${org.name}.`);
  return found;
}

/**
 * The body of a grant or revoke: `{package, permissions?}`. The package must be one of the
 * org's (in its scope: issue #18, "packages in an org's scope belong to the org"). Errors:
 * BAD_REQUEST naming the field.
 */
function grantBody(body: unknown, org: Org, withPermission: boolean): { name: string; permission: TeamPermission } {
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object: {"package": NAME' + (withPermission ? ', "permissions": "read-only" or "read-write"}.' : '}.'));
  const name = body.package;
  if (typeof name !== 'string' || parsePackageName(name) === null) fail('BAD_REQUEST', `"package" must be a package name; got ${shown(JSON.stringify(name ?? null))}.`);
  if (parsePackageName(name)!.scope !== org.name) {
    fail('BAD_REQUEST', `"package": ${shown(name)} is not a package of the organization ${org.name}; only packages in the scope @${org.name} belong to it.`);
  }
  let permission: TeamPermission = 'read-only';
  if (withPermission) {
    const p = body.permissions;
    if (typeof p !== 'string' || !PERMISSIONS.includes(p as TeamPermission)) fail('BAD_REQUEST', `"permissions" must be "read-only" or "read-write"; got ${shown(JSON.stringify(p ?? null))}.`);
    permission = p as TeamPermission;
  }
  return { name, permission };
}

async function existingPackage(deps: Deps, principal: Principal, name: string): Promise<PackageHead> {
  const pkg = await deps.store.packages.head(name);
  if (!pkg || pkg.unpublished || !canRead(principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/**
 * npm access grant <read-only|read-write> @org:team <pkg>. Who: the org's owners and admins
 * (requireOrgAction 'manage-teams': also the credential's --orgs limit and the org's 2FA
 * requirement), with a second factor as for account changes (OTP in both 2FA modes: issue #18
 * item 6). Errors: UNAUTHENTICATED, NOT_FOUND (org, team, package), BAD_REQUEST, FORBIDDEN,
 * READ_ONLY_TOKEN, TFA_REQUIRED, OTP_REQUIRED. Logged in the org's log as `package-access-granted`.
 */
export async function grantTeamAccess(deps: Deps, ctx: RequestContext, scope: string, teamName: string, body: unknown): Promise<void> {
  const user = requireUser(ctx.principal);
  const org = await requireOrg(deps, scope);
  requireOrgAction(user, org, membershipOf(user, org.name)?.role ?? null, 'manage-teams');
  const team = await requireTeam(deps, org, teamName);
  const { name, permission } = grantBody(body, org, true);
  await existingPackage(deps, user, name);
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  await deps.store.orgs.grant(team.id, name, permission, {
    otp,
    event: { actorId: user.user.id, type: 'package-access-granted', ip: ctx.ip, userAgent: ctx.userAgent, detail: { team: team.name, package: name, permission } },
  });
  deps.packageChanged(name);
}

/**
 * npm access revoke @org:team <pkg>: as grantTeamAccess. A team without access to the package
 * is a 404 naming both. Logged as `package-access-revoked`.
 */
export async function revokeTeamAccess(deps: Deps, ctx: RequestContext, scope: string, teamName: string, body: unknown): Promise<void> {
  const user = requireUser(ctx.principal);
  const org = await requireOrg(deps, scope);
  requireOrgAction(user, org, membershipOf(user, org.name)?.role ?? null, 'manage-teams');
  const team = await requireTeam(deps, org, teamName);
  const { name } = grantBody(body, org, false);
  const pkg = await existingPackage(deps, user, name);
  if (!pkg.org?.grants.some((g) => g.team === team.name)) fail('NOT_FOUND', `The team ${org.name}:${team.name} has no access to ${name}.`);
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  await deps.store.orgs.revoke(team.id, name, {
    otp,
    event: { actorId: user.user.id, type: 'package-access-revoked', ip: ctx.ip, userAgent: ctx.userAgent, detail: { team: team.name, package: name } },
  });
  deps.packageChanged(name);
}

const level = (p: TeamPermission): Level => (p === 'read-write' ? 'write' : 'read');

/** Only what the caller may see: a restricted package the caller cannot read is left out. */
async function visible(deps: Deps, principal: Principal, entries: Array<[string, Level]>): Promise<Record<string, Level>> {
  const out: Record<string, Level> = {};
  for (const [name, lvl] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const pkg = await deps.store.packages.head(name);
    if (pkg && canRead(principal, pkg)) out[name] = lvl;
  }
  return out;
}

/**
 * npm access list packages @org:team: the team's packages and what it may do with each. For
 * the org's members (requireOrgAction 'read': a granular token needs --orgs naming the org).
 */
export async function teamPackages(deps: Deps, principal: Principal, scope: string, teamName: string): Promise<Record<string, Level>> {
  const user = requireUser(principal);
  const org = await requireOrg(deps, scope);
  requireOrgAction(user, org, membershipOf(user, org.name)?.role ?? null, 'read');
  const team = await requireTeam(deps, org, teamName);
  const grants = await deps.store.orgs.teamPackages(team.id);
  return visible(deps, user, grants.map((g) => [g.package, level(g.permission)]));
}

/**
 * npm access list packages @org: the org's packages the caller can see, with what the caller
 * may do ('write' through the org's owner or admin role or a read-write team, else 'read';
 * 'read' too while the org's 2FA requirement locks the caller out: orgListedLevel).
 * NOT_FOUND for a name that is no org (npm then asks /-/user/NAME/package).
 */
export async function orgPackages(deps: Deps, principal: Principal, scope: string): Promise<Record<string, Level>> {
  const org = await requireOrg(deps, scope);
  const names = await deps.store.orgs.packageNames(org.id);
  const out: Record<string, Level> = {};
  for (const name of names) {
    const pkg = await deps.store.packages.head(name);
    if (!pkg || !canRead(principal, pkg)) continue;
    out[name] = orgListedLevel(principal, pkg) === 'write' ? 'write' : 'read';
  }
  return out;
}

/**
 * npm access list packages [<user>]: the packages the user may write or read: their own
 * packages outside orgs ('write'), and the org packages their org role or teams reach ('read'
 * where the org's 2FA requirement locks them out of writing: orgListedLevel). Only
 * what the caller may see. NOT_FOUND when there is no such user.
 */
export async function userPackages(deps: Deps, principal: Principal, userName: string): Promise<Record<string, Level>> {
  const target = await deps.store.users.findByName(userName);
  if (!target) fail('NOT_FOUND', `There is no user or organization named ${shown(userName)}.`);
  const entries: Array<[string, Level]> = [];
  for (const name of await deps.store.packages.namesOwnedBy(target.id)) {
    // An org's package is the org's: a stored first owner counts for nothing there.
    const scope = parsePackageName(name)?.scope;
    if (scope && (await deps.store.orgs.get(scope))) continue;
    entries.push([name, 'write']);
  }
  const orgs = await deps.store.orgs.membershipsOf(target.id);
  const asTarget: Principal = { kind: 'user', user: target, token: null, via: 'token', orgs };
  for (const m of orgs) {
    const org = await deps.store.orgs.get(m.org);
    if (!org) continue;
    for (const name of await deps.store.orgs.packageNames(org.id)) {
      const pkg = await deps.store.packages.head(name);
      const lvl = pkg ? orgListedLevel(asTarget, pkg) : 'none';
      if (lvl !== 'none') entries.push([name, lvl]);
    }
  }
  return visible(deps, principal, entries);
}

/**
 * npm access list collaborators <pkg> of an org package: every user with access and what they
 * may do: the org's owners and admins 'write', members of teams with a grant as granted (the
 * best grant wins); a member the org's 2FA requirement locks out (orgRequirementBlocks) is
 * 'read' where they would write, since they may still read it (npm prints read-only). For
 * anyone who can read the package.
 */
export async function orgPackageCollaborators(deps: Deps, pkg: PackageHead & { org: NonNullable<PackageHead['org']> }): Promise<Record<string, Level>> {
  const org = await deps.store.orgs.get(pkg.org.name);
  if (!org) return {};
  const out = new Map<string, Level>();
  const members = await deps.store.orgs.members(org.id);
  for (const m of members) if (m.role === 'owner' || m.role === 'admin') out.set(m.name, 'write');
  for (const g of pkg.org.grants) {
    const team = await deps.store.orgs.team(org.id, g.team);
    if (!team) continue;
    for (const member of await deps.store.orgs.teamMembers(team.id)) {
      if (out.get(member.name) !== 'write') out.set(member.name, level(g.permission));
    }
  }
  if (org.requireTfa) {
    for (const m of members) if (out.get(m.name) === 'write' && orgRequirementBlocks(org, m)) out.set(m.name, 'read');
  }
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
