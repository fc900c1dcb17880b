// npm unpublish of a whole package, and the tarball DELETE that ends a one-version unpublish.
// Unpublished versions are burned: they can never be published again.

import { requirePackageWriter, requireUser } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { loadForWrite } from './read-package.ts';
import { removeUnusedBlobs } from './blob-cleanup.ts';
import { expectedRev } from './revision.ts';

export async function unpublishPackage(deps: Deps, ctx: RequestContext, name: string, rev: string | null): Promise<void> {
  const pkg = await loadForWrite(deps, ctx.principal, name);
  requirePackageWriter(ctx.principal, pkg);
  const expectRev = expectedRev(pkg, rev);
  const otp = await requireSecondFactor(deps, ctx, 'package-content', { packageMfa: pkg.mfa });
  await deps.store.packages.commit(name, { type: 'unpublish-all' }, { expectRev, otp });
  deps.packageChanged(name);
  await removeUnusedBlobs(deps, pkg.versions.map((v) => v.tarball.blobKey));
}

/** DELETE /PACKAGE/-/FILE/-rev/REV: the version was removed already; succeed idempotently. */
export async function deleteTarball(deps: Deps, ctx: RequestContext, name: string, file: string): Promise<void> {
  requireUser(ctx.principal);
  const pkg = await deps.store.packages.get(name);
  if (!pkg) fail('NOT_FOUND', `Package ${name} not found.`);
  requirePackageWriter(ctx.principal, pkg);
  if (pkg.versions.some((v) => v.tarball.file === file)) {
    fail('BAD_REQUEST', `${file} belongs to a published version; unpublish the version instead.`);
  }
}
