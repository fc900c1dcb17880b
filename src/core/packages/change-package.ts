// PUT /PACKAGE and PUT /PACKAGE/-rev/REV other than publish: deprecations, version removal
// (npm unpublish of one version; pnpm's unpublish) and owner changes.

import { requireGovernanceCredential, requirePackageWriter } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { classifyPut } from './intent.ts';
import { expectedRev } from './revision.ts';
import { removeUnusedBlobs } from './blob-cleanup.ts';
import { loadForWrite } from './read-package.ts';
import { tagsAfterRemoving } from './rules.ts';

export async function changePackage(
  deps: Deps,
  ctx: RequestContext,
  name: string,
  body: Record<string, unknown>,
  pathRev: string | null,
): Promise<{ rev: number }> {
  const pkg = await loadForWrite(deps, ctx.principal, name);
  const writer = requirePackageWriter(ctx.principal, pkg);
  const expectRev = expectedRev(pkg, pathRev ?? body._rev);
  const intent = classifyPut(body, pkg, pathRev !== null);
  if (intent.type === 'publish') fail('BAD_REQUEST', 'A publish is a PUT without a revision.');

  if (intent.type === 'owners') {
    requireGovernanceCredential(writer);
    // An org's package has no owners of its own: who may write it is decided by the org's
    // roles and teams (issue #18), and npm owner ls shows them.
    if (pkg.org) {
      fail('FORBIDDEN', `${name} belongs to the organization ${pkg.org.name}: its maintainers are the org's owners and admins and the members of teams with read-write access. Use npm access grant read-write @${pkg.org.name}:TEAM ${name} and npm team add instead of npm owner.`);
    }
    const otp = await requireSecondFactor(deps, ctx, 'package-governance', { packageMfa: pkg.mfa });
    const current = new Map(pkg.owners.map((o) => [o.name, o.id]));
    const wanted = new Set(intent.names);
    const add: number[] = [];
    for (const n of wanted) {
      if (current.has(n)) continue;
      const user = await deps.store.users.findByName(n);
      if (!user) fail('NOT_FOUND', `There is no user named ${n}.`);
      add.push(user.id);
    }
    const remove = [...current].filter(([n]) => !wanted.has(n)).map(([, id]) => id);
    if (add.length === 0 && remove.length === 0) return { rev: pkg.rev };
    const after = await deps.store.packages.commit(name, { type: 'owners', add, remove }, { expectRev, otp });
    deps.packageChanged(name);
    return { rev: after.rev };
  }

  const otp = await requireSecondFactor(deps, ctx, 'package-content', { packageMfa: pkg.mfa });
  if (intent.type === 'deprecate') {
    const after = await deps.store.packages.commit(name, { type: 'deprecate', messages: intent.messages }, { expectRev, otp });
    deps.packageChanged(name);
    return { rev: after.rev };
  }

  // Removing versions: recompute the tags rather than trusting the body's.
  const gone = new Set(intent.versions);
  const distTags = tagsAfterRemoving(pkg.distTags, pkg.versions.map((v) => v.version), gone);
  const after = await deps.store.packages.commit(name, { type: 'remove-versions', versions: intent.versions, distTags }, { expectRev, otp });
  deps.packageChanged(name);
  await removeUnusedBlobs(deps, pkg.versions.filter((v) => gone.has(v.version)).map((v) => v.tarball.blobKey));
  return { rev: after.rev };
}
