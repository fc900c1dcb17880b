// Loading a package for a request: 404 when it does not exist or the caller may not see it
// (restricted packages never reveal that they exist).

import { canRead } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import type { PackageRecord } from '../ports.ts';

export async function readPackage(deps: Deps, principal: Principal, name: string): Promise<PackageRecord> {
  const pkg = await deps.store.packages.get(name);
  if (!pkg || !canRead(principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/** For writes: the package as it is, also when unpublished (its name stays reserved). */
export async function loadForWrite(deps: Deps, name: string): Promise<PackageRecord> {
  const pkg = await deps.store.packages.get(name);
  if (!pkg || pkg.unpublished) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}
