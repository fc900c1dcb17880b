// npm publish: validate, authorise, store the tarball, then commit the version, its tag and
// (for a new name) ownership in one transaction. A failure leaves no version behind; a blob
// written before a failed commit is content-addressed and harmless (docs/operations.md).

import { canRead, isOwner, requireGovernanceCredential, requirePackageCreator, requirePackageWriter } from '../access/permissions.ts';
import type { UserPrincipal } from '../access/principal.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import { type Deps, isoNow, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { Access, PackageMutation } from '../ports.ts';
import { newPackageNameProblem, parsePackageName, tarballFileName } from './names.ts';
import { requireCleanManifests } from '../text.ts';
import { requireNameFreeUpstream } from '../proxy/publish-check.ts';
import { validatePublishBody, verifyPublishTarball } from './publish-body.ts';
import { DEVELOPERS_TEAM, type Org, type TeamPermission } from '../orgs/model.ts';
import { distSignatures } from './signatures.ts';

/**
 * The access of a package after a publish, and where it came from: the request's `access`
 * (`npm publish --access`), else the package's own for an existing one, else the default for
 * a new one: `settings.scopedPackageAccess` for a scoped name (npm 6-11 send `access: null`
 * without --access; npmjs then makes it restricted, libnpmpublish/lib/publish.js), public for
 * an unscoped one (npmjs has no restricted unscoped packages).
 */
export function publishAccess(
  deps: Pick<Deps, 'settings'>,
  name: string,
  requested: Access | null,
  existing: Access | null,
): { access: Access; from: 'request' | 'kept' | 'default' } {
  if (requested !== null) return { access: requested, from: 'request' };
  if (existing !== null) return { access: existing, from: 'kept' };
  const scoped = parsePackageName(name)?.scope != null;
  return { access: scoped ? deps.settings.scopedPackageAccess : 'public', from: 'default' };
}

/**
 * A version published with a trusted-publishing token says so in `_npmUser`, in npmjs's shape
 * (`trustedPublisher: {id, oidcConfigId}`) plus the workflow that published it; the time is
 * the version's own (`time[version]`).
 */
function trustedPublisher(writer: UserPrincipal): { trustedPublisher?: { id: string; oidcConfigId: string; workflow: string } } {
  const grant = writer.token?.kind === 'oidc' ? writer.token.limits?.trusted : undefined;
  return grant ? { trustedPublisher: { id: grant.type, oidcConfigId: grant.configId, workflow: grant.workflow } } : {};
}

/**
 * What a new package of an org gives its developers team: the org's `developersAccess`
 * (read-write unless its owners changed it), as npmjs does for each new package of an org.
 */
async function developersGrant(deps: Deps, org: Org | null): Promise<{ teamGrant?: { teamId: number; permission: TeamPermission } }> {
  if (!org?.developersAccess) return {};
  const team = await deps.store.orgs.team(org.id, DEVELOPERS_TEAM);
  return team ? { teamGrant: { teamId: team.id, permission: org.developersAccess } } : {};
}

/**
 * `npm publish` (PUT /NAME with one version and its attachment). Logs a `publish` event in the
 * publisher's security log: `{ package, version, access, access_from }` (access_from:
 * `request`, `kept` or `default`, see publishAccess).
 */
export async function publish(deps: Deps, ctx: RequestContext, name: string, body: Record<string, unknown>): Promise<void> {
  // The package's head only: a publish never needs the versions (the store refuses a version
  // published before, inside its transaction).
  const existing = await deps.store.packages.head(name);
  const isNew = !existing || existing.unpublished;
  const reserved = existing && !(existing.unpublished && existing.owners.length === 0) ? existing : null;
  let writer: UserPrincipal;
  let org: Org | null = null;
  if (reserved && (isOwner(ctx.principal, reserved) || canRead(ctx.principal, reserved))) {
    // Owners, and others who can see the package anyway (public): 403 for non-owners.
    writer = requirePackageWriter(ctx.principal, reserved, 'publish');
  } else {
    const scope = parsePackageName(name)?.scope ?? null;
    // An org's scope is the org's (issue #18): its members create packages there.
    org = scope === null ? null : await deps.store.orgs.get(scope);
    const scopeOwner = scope === null || org ? null : await deps.store.packages.scopeOwner(scope);
    const problem = newPackageNameProblem(name, { scopeExists: scopeOwner !== null || org !== null });
    if (problem) fail('INVALID_NAME', problem);
    writer = requirePackageCreator(ctx.principal, name, scopeOwner, org?.name ?? null);
    // A name taken in a scope the caller may publish in: that much cannot be hidden.
    if (reserved) writer = requirePackageWriter(ctx.principal, reserved, 'publish');
  }
  const ownerId = writer.user.id;
  // Cheap checks of the body, then the second factor, and only then the tarball's bytes
  // (decode, hash, inflate, compare): nothing expensive runs for a request that lacks its OTP.
  const request = validatePublishBody(name, body, deps.settings.maxTarballBytes);
  const changesAccess = !isNew && request.access !== null && request.access !== existing?.access;
  if (changesAccess) requireGovernanceCredential(writer);
  const otp = await requireSecondFactor(deps, ctx, isNew || changesAccess ? 'package-governance' : 'package-content', {
    packageMfa: existing?.mfa ?? deps.settings.defaultPackageMfa,
    subject: `${name}@${request.version}`,
  });
  const valid = await verifyPublishTarball(name, request, { maxUnpackedBytes: deps.settings.maxUnpackedBytes });
  // What is stored, wherever it came from (the body or the tarball's package.json): src/core/text.ts.
  requireCleanManifests({ [valid.version]: valid.manifest });
  // Dependency confusion: a name never published here is asked upstream once, now, after every
  // check of the caller and the body (so no one else can make a private name leave the building).
  if (!existing) await requireNameFreeUpstream(deps, name);
  // The registry's signature over the integrity it verified, made once and stored (signatures.ts).
  const signatures = distSignatures(deps.signing, name, valid.version, valid.integrity);
  if (signatures) (valid.manifest.dist as Record<string, unknown>).signatures = signatures;

  const blobKey = await deps.blobs.put(valid.tarball, valid.sha512Hex);
  const scope = parsePackageName(name)?.scope;
  const mutation: PackageMutation = {
    type: 'publish',
    tag: valid.tag,
    maxManifestBytes: deps.settings.maxPackumentBytes,
    version: {
      version: valid.version,
      manifest: { ...valid.manifest, _npmUser: { name: writer.user.name, email: writer.user.email, ...trustedPublisher(writer) } },
      publishedAt: isoNow(deps),
      deprecated: null,
      tarball: {
        file: tarballFileName(name, valid.version),
        blobKey,
        size: valid.tarball.length,
        integrity: valid.integrity,
        shasum: valid.shasum,
      },
    },
  };
  const access = publishAccess(deps, name, valid.access, isNew ? null : existing!.access);
  if (isNew) {
    mutation.create = {
      ownerId,
      access: access.access,
      mfa: existing?.mfa ?? deps.settings.defaultPackageMfa,
      ...(scope ? { claimScope: scope } : {}),
      ...(await developersGrant(deps, org)),
    };
  } else if (valid.access !== null) {
    mutation.access = valid.access;
  }
  // A failed commit leaves the blob where it is: a concurrent publish of the same bytes may be
  // about to commit a reference to it, and an unreferenced blob is harmless.
  // The security-log line is written in the commit's own transaction.
  const grant = writer.token?.kind === 'oidc' ? writer.token.limits?.trusted : undefined;
  const via: Record<string, string> = grant ? { trusted_publisher: grant.workflow } : {};
  const event = { userId: ownerId, type: 'publish', ip: ctx.ip, userAgent: ctx.userAgent, detail: { package: name, version: valid.version, access: access.access, access_from: access.from, ...via } };
  await deps.store.packages.commit(name, mutation, { otp, event });
  deps.packageChanged(name);
}
