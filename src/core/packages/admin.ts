// Administrators' package actions (docs/admin.md, "Packages"): take down a version or a whole
// package, rescue a package whose owners left, list packages. From the command line (`actor`
// null) or from an administrator on the web UI (who passed their second factor first,
// accounts/admin.ts adminActor). Each goes through the same store mutation as the npm command
// doing it would (unpublish-all / remove-versions / owners), so npm's rules hold: unpublished
// versions stay burned, a package keeps at least one owner (LAST_OWNER). The security event is
// appended in the mutation's transaction and shows in the instance log (INSTANCE_EVENT_TYPES):
// an owner change in the touched user's log, an unpublish in the web administrator's log, or
// from the command line in the log of the package's first owner (whose package it was).

import type { AdminActor } from '../accounts/admin.ts';
import type { Deps } from '../deps.ts';
import { fail, shown } from '../errors.ts';
import type { Access, PackageRecord, SecurityEvent, User, UserStatus } from '../ports.ts';
import { proxyRouteOf } from '../proxy/local-names.ts';
import { removeUnusedBlobs } from './blob-cleanup.ts';
import { isPlausiblePackageName } from './names.ts';
import { isValidVersion, tagsAfterRemoving } from './rules.ts';

const CLI = { ip: 'admin-cli', userAgent: 'tessera admin command' };

/** Longest unpublish reason kept (it is shown in the instance log and on terminals). */
export const MAX_UNPUBLISH_REASON = 500;

/**
 * `NAME` or `NAME@VERSION` (scoped names too: `@scope/x@1.0.0`) → its parts, version null for
 * the whole package. Throws INVALID_NAME / INVALID_VERSION.
 */
export function parsePackageSpec(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : null;
  if (!isPlausiblePackageName(name)) fail('INVALID_NAME', `${shown(name)} is not a package name.`);
  if (version !== null && !isValidVersion(version)) fail('INVALID_VERSION', `${shown(version)} is not a version (expected e.g. 1.2.3).`);
  return { name, version };
}

function event(actor: AdminActor, userId: number, type: string, detail: Record<string, string | number | boolean | null>): SecurityEvent {
  const ctx = actor ?? CLI;
  return { userId, type, ip: ctx.ip, userAgent: ctx.userAgent, detail: { ...detail, by: actor ? actor.admin.name : 'tessera command' } };
}

/**
 * The local package `name` (not unpublished). NOT_FOUND when there is none; BAD_REQUEST when the
 * name comes from an upstream (proxyRouteOf): a proxied name has nothing local to act on.
 */
async function localPackage(deps: Pick<Deps, 'store' | 'settings'>, name: string): Promise<PackageRecord> {
  const pkg = await deps.store.packages.get(name);
  if (pkg && !pkg.unpublished) return pkg;
  if (!pkg && (await proxyRouteOf(deps, deps.settings.proxy, name, { noRecord: true })).upstream !== null) {
    fail('BAD_REQUEST', `${name} is not a local package: it is proxied from an upstream. Use tessera proxy block ${name}@VERSION to hide an upstream version.`);
  }
  fail('NOT_FOUND', pkg ? `${name} is unpublished: nothing of it is served, and its name stays reserved for its last owners (npm's rule), who alone may publish it again.` : `There is no package named ${name}.`);
}

/**
 * Unpublishes `spec` (NAME: the whole package; NAME@VERSION: that version, or the whole
 * package when it is the last one, as `npm unpublish` of a last version does) with a reason
 * (required, one line, at most MAX_UNPUBLISH_REASON characters: BAD_REQUEST otherwise).
 * Unpublished versions can never be published again (npm's unpublish policy). Every node's
 * caches drop the package (deps.packageChanged and the store's change feed); tarballs nothing
 * refers to any more are deleted. Appends an `admin-unpublished` event {package, version,
 * reason, by}. Errors: INVALID_NAME, INVALID_VERSION, NOT_FOUND (no such package or version),
 * BAD_REQUEST (a proxied name, a bad reason).
 */
export async function adminUnpublish(deps: Deps, input: { spec: string; reason: string }, actor: AdminActor = null): Promise<{ name: string; version: string | null; whole: boolean }> {
  const { name, version } = parsePackageSpec(input.spec);
  const reason = input.reason.trim();
  if (reason === '') fail('BAD_REQUEST', 'A reason is required: it is kept in the instance log.');
  if (reason.length > MAX_UNPUBLISH_REASON) fail('BAD_REQUEST', `The reason may have at most ${MAX_UNPUBLISH_REASON} characters.`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(reason)) fail('BAD_REQUEST', 'The reason may not contain control characters (line breaks included).');
  const pkg = await localPackage(deps, name);
  if (version !== null && !pkg.versions.some((v) => v.version === version)) fail('NOT_FOUND', `${name} has no version ${version}.`);
  const whole = version === null || pkg.versions.length === 1;
  const logUser = actor?.admin.id ?? pkg.owners[0]?.id;
  const options = { expectRev: pkg.rev, ...(logUser === undefined ? {} : { event: event(actor, logUser, 'admin-unpublished', { package: name, version, reason }) }) };
  if (whole) {
    await deps.store.packages.commit(name, { type: 'unpublish-all' }, options);
  } else {
    const distTags = tagsAfterRemoving(pkg.distTags, pkg.versions.map((v) => v.version), new Set([version!]));
    await deps.store.packages.commit(name, { type: 'remove-versions', versions: [version!], distTags }, options);
  }
  deps.packageChanged(name);
  await removeUnusedBlobs(deps, pkg.versions.filter((v) => whole || v.version === version).map((v) => v.tarball.blobKey));
  return { name, version, whole };
}

async function ownerTarget(deps: Deps, name: string, userName: string): Promise<{ pkg: PackageRecord; user: User }> {
  if (!isPlausiblePackageName(name)) fail('INVALID_NAME', `${shown(name)} is not a package name.`);
  const pkg = await localPackage(deps, name);
  if (pkg.org) {
    fail('FORBIDDEN', `${name} belongs to the organization ${pkg.org.name}: it has no owners of its own. Use the org's teams instead (npm access grant read-write @${pkg.org.name}:TEAM ${name}, npm team add).`);
  }
  const user = await deps.store.users.findByName(userName);
  if (!user) fail('NOT_FOUND', `There is no user named ${userName}.`);
  return { pkg, user };
}

/**
 * Adds the active account `userName` as an owner of `name` (rescuing a package whose owners
 * were deleted or disabled); false when they own it already. Appends `admin-owner-added`
 * {package, by} to their log. Errors: NOT_FOUND (package, user), FORBIDDEN (an org's package:
 * its teams decide; an account that is not active), BAD_REQUEST (a proxied name).
 */
export async function adminAddOwner(deps: Deps, name: string, userName: string, actor: AdminActor = null): Promise<boolean> {
  const { pkg, user } = await ownerTarget(deps, name, userName);
  if (user.status !== 'active') fail('FORBIDDEN', `The account ${user.name} is ${user.status}: only an active account can own packages.`);
  if (pkg.owners.some((o) => o.id === user.id)) return false;
  await deps.store.packages.commit(name, { type: 'owners', add: [user.id], remove: [] }, { expectRev: pkg.rev, event: event(actor, user.id, 'admin-owner-added', { package: name }) });
  deps.packageChanged(name);
  return true;
}

/**
 * Removes `userName` from the owners of `name`. Appends `admin-owner-removed` {package, by} to
 * their log. Errors: NOT_FOUND (package, user, or the user does not own it), LAST_OWNER (the
 * store keeps at least one owner), FORBIDDEN (an org's package), BAD_REQUEST (a proxied name).
 */
export async function adminRemoveOwner(deps: Deps, name: string, userName: string, actor: AdminActor = null): Promise<void> {
  const { pkg, user } = await ownerTarget(deps, name, userName);
  if (!pkg.owners.some((o) => o.id === user.id)) fail('NOT_FOUND', `${user.name} does not own ${name}.`);
  await deps.store.packages.commit(name, { type: 'owners', add: [], remove: [user.id] }, { expectRev: pkg.rev, event: event(actor, user.id, 'admin-owner-removed', { package: name }) });
  deps.packageChanged(name);
}

/** One line of `tessera package list`. `lastPublish` is an ISO time, null without versions. */
export interface PackageListing {
  name: string;
  versions: string[];
  owners: Array<{ name: string; status: UserStatus }>;
  access: Access;
  unpublished: boolean;
  org: string | null;
  lastPublish: string | null;
}

/**
 * Every package (unpublished ones too) sorted by name, or those `owner` owns (NOT_FOUND when
 * there is no such user); `orphaned`: only those without an active owner (every owner deleted
 * or disabled), which nobody can publish to until an administrator adds one (neither an
 * organization's packages nor unpublished ones). Reads no manifest.
 * Used by `tessera package list` (cli/package-list.ts).
 */
export async function listPackages(deps: Pick<Deps, 'store'>, options: { owner?: string; orphaned?: boolean } = {}): Promise<PackageListing[]> {
  if (options.owner === undefined) return (await listPackagesPage(deps, { limit: Infinity, orphaned: options.orphaned })).packages;
  const user = await deps.store.users.findByName(options.owner);
  if (!user) fail('NOT_FOUND', `There is no user named ${options.owner}.`);
  const statuses = new Map<number, UserStatus>();
  const out: PackageListing[] = [];
  for (const name of await deps.store.packages.namesOwnedBy(user.id)) {
    const listing = await listingOf(deps, name, statuses, options.orphaned === true);
    if (listing) out.push(listing);
  }
  return out;
}

/**
 * One page of listPackages() (no owner): up to `limit` packages whose names sort after
 * `after`, by name, and `next`, the name to ask after for the following page (null: none
 * follows). With `orphaned` the page reads on through the names until it has `limit` orphaned
 * packages or the names run out. Admin → Packages (web/routes/admin.ts) shows it page by page.
 */
export async function listPackagesPage(
  deps: Pick<Deps, 'store'>,
  options: { after?: string; limit: number; orphaned?: boolean },
): Promise<{ packages: PackageListing[]; next: string | null }> {
  const statuses = new Map<number, UserStatus>();
  const out: PackageListing[] = [];
  let after = options.after;
  for (;;) {
    const names = await deps.store.packages.names({ after, limit: NAMES_PER_READ });
    for (const name of names) {
      const listing = await listingOf(deps, name, statuses, options.orphaned === true);
      if (!listing) continue;
      // One more than asked for says whether another page follows.
      if (out.length === options.limit) return { packages: out, next: out[out.length - 1].name };
      out.push(listing);
    }
    if (names.length < NAMES_PER_READ) return { packages: out, next: null };
    after = names[names.length - 1];
  }
}

/** Names read from the store at a time by listPackagesPage. */
const NAMES_PER_READ = 500;

/** A package's listing, or null when it is gone or (`orphaned`) has an active owner; `statuses` caches owners' account status. */
async function listingOf(deps: Pick<Deps, 'store'>, name: string, statuses: Map<number, UserStatus>, orphaned: boolean): Promise<PackageListing | null> {
  const o = await deps.store.packages.overview(name);
  if (!o) return null;
  const owners: PackageListing['owners'] = [];
  for (const owner of o.owners) {
    if (!statuses.has(owner.id)) statuses.set(owner.id, (await deps.store.users.findById(owner.id))?.status ?? 'deleted');
    owners.push({ name: owner.name, status: statuses.get(owner.id)! });
  }
  // An org package's writers are its org's (teams decide, core/orgs/writers.ts): no administrator
  // adds an owner to it (adminAddOwner refuses), so it is never listed as orphaned; nor is an
  // unpublished one (its name stays reserved for its last owners).
  if (orphaned && (o.unpublished || o.org || owners.some((x) => x.status === 'active'))) return null;
  const lastPublish = o.versions.reduce<string | null>((m, v) => (m === null || v.publishedAt > m ? v.publishedAt : m), null);
  return { name, versions: o.versions.map((v) => v.version), owners, access: o.access, unpublished: o.unpublished, org: o.org?.name ?? null, lastPublish };
}
