// npm publish: validate, authorise, store the tarball, then commit the version, its tag and
// (for a new name) ownership in one transaction. A failure leaves no version behind; a blob
// written before a failed commit is content-addressed and harmless (docs/operations.md).

import { canRead, isOwner, requireGovernanceCredential, requirePackageCreator, requirePackageWriter } from '../access/permissions.ts';
import type { UserPrincipal } from '../access/principal.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import { type Deps, isoNow, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { Access, OtpUse, PackageHead, PackageMutation, SecurityEvent, VersionRecord } from '../ports.ts';
import { newPackageNameProblem, parsePackageName, tarballFileName } from './names.ts';
import { requireCleanManifests } from '../text.ts';
import { requireNameFreeUpstream } from '../proxy/publish-check.ts';
import { type ValidPublish, validatePublishBody, verifyPublishTarball } from './publish-body.ts';
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
export function trustedPublisher(writer: UserPrincipal): { trustedPublisher?: { id: string; oidcConfigId: string; workflow: string } } {
  const grant = writer.token?.kind === 'oidc' ? writer.token.limits?.trusted : undefined;
  return grant ? { trustedPublisher: { id: grant.type, oidcConfigId: grant.configId, workflow: grant.workflow } } : {};
}

/**
 * What a new package of an org gives its developers team: the org's `developersAccess`
 * (read-write unless its owners changed it), as npmjs does for each new package of an org.
 */
export async function developersGrant(deps: Deps, org: Org | null): Promise<{ teamGrant?: { teamId: number; permission: TeamPermission } }> {
  if (!org?.developersAccess) return {};
  const team = await deps.store.orgs.team(org.id, DEVELOPERS_TEAM);
  return team ? { teamGrant: { teamId: team.id, permission: org.developersAccess } } : {};
}

/**
 * Who publishes to `name` (a version, or a stage of one: core/stage/), decided once for both:
 * the writer, the package head (null: never published) and whether the publish creates the
 * package. An existing package needs a writer (requirePackageWriter); a new name (or one whose
 * package was unpublished and left without owners) follows the creation rules: a valid, not
 * too similar name, a scope the caller may publish in (requirePackageCreator). `action`: what a
 * trusted-publishing token must be allowed to do (requireTokenPermits); `org`: the org owning
 * the name's scope, for a new package (its developers team gets access: developersGrant).
 */
export async function requirePublisher(
  deps: Deps,
  ctx: RequestContext,
  name: string,
  action: 'publish' | 'stage' = 'publish',
): Promise<{ writer: UserPrincipal; existing: PackageHead | null; isNew: boolean; org: Org | null }> {
  // The package's head only: a publish never needs the versions (the store refuses a version
  // published before, inside its transaction).
  const existing = await deps.store.packages.head(name);
  const isNew = !existing || existing.unpublished;
  const reserved = existing && !(existing.unpublished && existing.owners.length === 0) ? existing : null;
  let writer: UserPrincipal;
  let org: Org | null = null;
  if (reserved && (isOwner(ctx.principal, reserved) || canRead(ctx.principal, reserved))) {
    // Owners, and others who can see the package anyway (public): 403 for non-owners.
    writer = requirePackageWriter(ctx.principal, reserved, action);
  } else {
    const scope = parsePackageName(name)?.scope ?? null;
    // An org's scope is the org's (issue #18): its members create packages there.
    org = scope === null ? null : await deps.store.orgs.get(scope);
    const scopeOwner = scope === null || org ? null : await deps.store.packages.scopeOwner(scope);
    const problem = newPackageNameProblem(name, { scopeExists: scopeOwner !== null || org !== null });
    if (problem) fail('INVALID_NAME', problem);
    writer = requirePackageCreator(ctx.principal, name, scopeOwner, org?.name ?? null);
    // A name taken in a scope the caller may publish in: that much cannot be hidden.
    if (reserved) writer = requirePackageWriter(ctx.principal, reserved, action);
  }
  // A republish of an unpublished package of an org creates it again: the org's teams get access.
  if (isNew && org === null) {
    const scope = parsePackageName(name)?.scope ?? null;
    if (scope !== null) org = await deps.store.orgs.get(scope);
  }
  return { writer, existing, isNew, org };
}

/**
 * A publish body checked as `npm publish` checks it, for a publish (`how: 'publish'`: with the
 * second factor the package and account require) or a stage (`'stage'`: never an OTP, npm
 * lib/commands/publish.js stages without otplease; the approval asks for it). Body shape, then
 * (publish) the second factor, then the tarball (integrity, manifest, limits, provenance),
 * stored text, and for a name never published the upstream's dependency-confusion check.
 * Throws the catalogue's errors (INVALID_PUBLISH, INTEGRITY_MISMATCH, OTP_REQUIRED, ...).
 */
export async function preparePublish(
  deps: Deps,
  ctx: RequestContext,
  name: string,
  body: Record<string, unknown>,
  publisher: { writer: UserPrincipal; existing: PackageHead | null; isNew: boolean },
  how: 'publish' | 'stage',
): Promise<{ valid: ValidPublish; otp: OtpUse | null }> {
  const { writer, existing, isNew } = publisher;
  // Cheap checks of the body, then the second factor, and only then the tarball's bytes
  // (decode, hash, inflate, compare): nothing expensive runs for a request that lacks its OTP.
  const request = validatePublishBody(name, body, deps.settings.maxTarballBytes);
  const changesAccess = !isNew && request.access !== null && request.access !== existing?.access;
  if (changesAccess) requireGovernanceCredential(writer);
  const otp =
    how === 'stage'
      ? null
      : await requireSecondFactor(deps, ctx, isNew || changesAccess ? 'package-governance' : 'package-content', {
          packageMfa: existing?.mfa ?? deps.settings.defaultPackageMfa,
          subject: `${name}@${request.version}`,
        });
  const valid = await verifyPublishTarball(name, request, { maxUnpackedBytes: deps.settings.maxUnpackedBytes });
  // What is stored, wherever it came from (the body or the tarball's package.json): src/core/text.ts.
  requireCleanManifests({ [valid.version]: valid.manifest });
  // Dependency confusion: a name never published here is asked upstream once, now, after every
  // check of the caller and the body (so no one else can make a private name leave the building).
  if (!existing) await requireNameFreeUpstream(deps, name);
  return { valid, otp };
}

/**
 * The store mutation and security-log event of publishing one checked version (a publish, or
 * the approval of a staged one): the registry's signature over its integrity (signatures.ts),
 * ownership and access for a new package (publishAccess), the `publish` event in `ownerId`'s
 * log (`eventType`), detail `{ package, version, access, access_from }` (and `tag` for an approval,
 * `extra.detail` such as the trusted publisher's workflow); `extra.teamGrant`: the access a new
 * org package gives the org's developers team (developersGrant).
 */
export function publishMutation(
  deps: Deps,
  ctx: Pick<RequestContext, 'ip' | 'userAgent'>,
  name: string,
  v: { version: string; manifest: Record<string, unknown>; tarball: VersionRecord['tarball']; tag: string; access: Access | null },
  existing: PackageHead | null,
  ownerId: number,
  eventType = 'publish',
  extra: { teamGrant?: { teamId: number; permission: TeamPermission }; detail?: Record<string, string> } = {},
): { mutation: PackageMutation; event: SecurityEvent } {
  const isNew = !existing || existing.unpublished;
  const manifest = { ...v.manifest, dist: { ...(v.manifest.dist as Record<string, unknown>) } };
  // The registry's signature over the integrity it verified, made once and stored (signatures.ts).
  const signatures = distSignatures(deps.signing, name, v.version, v.tarball.integrity);
  if (signatures) manifest.dist.signatures = signatures;
  const scope = parsePackageName(name)?.scope;
  const mutation: PackageMutation = {
    type: 'publish',
    tag: v.tag,
    maxManifestBytes: deps.settings.maxPackumentBytes,
    version: { version: v.version, manifest, publishedAt: isoNow(deps), deprecated: null, tarball: v.tarball },
  };
  const access = publishAccess(deps, name, v.access, isNew ? null : existing!.access);
  if (isNew) {
    mutation.create = {
      ownerId,
      access: access.access,
      mfa: existing?.mfa ?? deps.settings.defaultPackageMfa,
      ...(scope ? { claimScope: scope } : {}),
      ...(extra.teamGrant ? { teamGrant: extra.teamGrant } : {}),
    };
  } else if (v.access !== null) {
    mutation.access = v.access;
  }
  const event = { userId: ownerId, type: eventType, ip: ctx.ip, userAgent: ctx.userAgent, detail: { package: name, version: v.version, ...(eventType === 'publish' ? {} : { tag: v.tag }), access: access.access, access_from: access.from, ...extra.detail } };
  return { mutation, event };
}

/**
 * `npm publish` (PUT /NAME with one version and its attachment). Logs a `publish` event in the
 * publisher's security log: `{ package, version, access, access_from }` (access_from:
 * `request`, `kept` or `default`, see publishAccess).
 */
export async function publish(deps: Deps, ctx: RequestContext, name: string, body: Record<string, unknown>): Promise<void> {
  const publisher = await requirePublisher(deps, ctx, name);
  const { valid, otp } = await preparePublish(deps, ctx, name, body, publisher, 'publish');
  const writer = publisher.writer;
  const blobKey = await deps.blobs.put(valid.tarball, valid.sha512Hex);
  const tarball = { file: tarballFileName(name, valid.version), blobKey, size: valid.tarball.length, integrity: valid.integrity, shasum: valid.shasum };
  const manifest = { ...valid.manifest, _npmUser: { name: writer.user.name, email: writer.user.email, ...trustedPublisher(writer) } };
  const grant = writer.token?.kind === 'oidc' ? writer.token.limits?.trusted : undefined;
  const { mutation, event } = publishMutation(deps, ctx, name, { version: valid.version, manifest, tarball, tag: valid.tag, access: valid.access }, publisher.existing, writer.user.id, 'publish', {
    ...(publisher.isNew ? await developersGrant(deps, publisher.org) : {}),
    ...(grant ? { detail: { trusted_publisher: grant.workflow } } : {}),
  });
  // A failed commit leaves the blob where it is: a concurrent publish of the same bytes may be
  // about to commit a reference to it, and an unreferenced blob is harmless.
  // The security-log line is written in the commit's own transaction.
  await deps.store.packages.commit(name, mutation, { otp, event });
  deps.packageChanged(name);
}
