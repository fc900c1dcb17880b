// Loading a package for a request: 404 when it does not exist or the caller may not see it
// (restricted packages never reveal that they exist).

import { canRead, requireUser } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import type { PackageHead, PackageOverview, PackageRecord } from '../ports.ts';

export async function readPackage(deps: Deps, principal: Principal, name: string): Promise<PackageRecord> {
  const pkg = await deps.store.packages.get(name);
  if (!pkg || !canRead(principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/**
 * As readPackage, without any manifest: the head, dist-tags and version list (work bounded by
 * the package's row count, never by its manifests' size). For anonymous read paths.
 */
export async function readOverview(deps: Deps, principal: Principal, name: string): Promise<PackageOverview> {
  const pkg = await deps.store.packages.overview(name);
  if (!pkg || !canRead(principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/** As readPackage, the settings and owners only (no versions, tags or manifests). */
export async function readHead(deps: Deps, principal: Principal, name: string): Promise<PackageHead> {
  const pkg = await deps.store.packages.head(name);
  if (!pkg || !canRead(principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/**
 * For writes: the package as it is, also when unpublished (its name stays reserved). The caller
 * must be signed in first (401 otherwise), so that a missing package and an existing one that
 * the caller may not see give the same answer (requirePackageWriter then answers 404 for the
 * latter). Errors: UNAUTHENTICATED, NOT_FOUND.
 */
export async function loadForWrite(deps: Deps, principal: Principal, name: string): Promise<PackageRecord> {
  requireUser(principal);
  const pkg = await deps.store.packages.get(name);
  if (!pkg || pkg.unpublished) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}
