// Who lists show as the writers of a package (issue #18 item 4): the packument's `maintainers`
// (npm owner ls, npm view, the web package page) and npm search's `maintainers`/`publisher`.
// For an org's package they are those the store found may write it (the org's owners and
// admins, members of teams granted read-write) less the members the org's 2FA requirement
// locks out: the decision permissions.ts requirePackageWriter makes (orgRequirementBlocks).

import type { Deps } from '../deps.ts';
import type { Owner } from '../ports.ts';
import { orgRequirementBlocks } from './policy.ts';

/**
 * The writers of a package, in the store's order. `pkg.owners`: a user package's owners, or an
 * org package's possible writers with `hasTfa` (PackageRecord.owners, SearchHit.owners);
 * `pkg.org`: the owning org's `requireTfa`, or null/absent for a package outside any org.
 * While the org requires 2FA, a writer without a confirmed second factor is left out (they may
 * read the package, not write it: core/access/permissions.ts).
 */
export function packageWriters(pkg: { owners: readonly Owner[]; org?: { requireTfa: boolean } | null }): Owner[] {
  const org = pkg.org;
  return org ? pkg.owners.filter((o) => !orgRequirementBlocks(org, o)) : [...pkg.owners];
}

/**
 * Who writes the org's packages may have changed (its 2FA requirement turned on or off, a
 * member's role, a member joining or leaving the org or a team, a team deleted): every package
 * of the org may have gained or lost writers, so its cached packuments go (deps.packageChanged;
 * the PostgreSQL store announces the same change to other nodes in its transaction).
 */
export async function orgPackagesChanged(deps: Pick<Deps, 'store' | 'packageChanged'>, orgId: number): Promise<void> {
  for (const name of await deps.store.orgs.packageNames(orgId)) deps.packageChanged(name);
}

/**
 * What the org package lists show of a user changed, so the packuments of their orgs' packages
 * go (as orgPackagesChanged; other nodes hear of it from the stores' users.setTfa, users.update
 * and passkeys). `which: 'tfa'`: their second factor was confirmed or removed (npm profile
 * enable-2fa / disable-2fa, a first or last passkey, an administrator's reset): only the orgs
 * that require 2FA, where they became or stopped being a writer. `'shown'`: their e-mail
 * changed: every org they belong to, whose packages may list them as a writer.
 */
export async function memberChanged(deps: Pick<Deps, 'store' | 'packageChanged'>, userId: number, which: 'tfa' | 'shown'): Promise<void> {
  for (const m of await deps.store.orgs.membershipsOf(userId)) {
    if (which === 'tfa' && !m.tfaRequired) continue;
    const org = await deps.store.orgs.get(m.org);
    if (org) await orgPackagesChanged(deps, org.id);
  }
}
