// npm stage approve (POST /-/stage/ID/approve) and reject (DELETE /-/stage/ID): the proof of
// presence staging deferred. Both need 2FA on the account and an OTP (the 'stage-approval'
// class of access/second-factor.ts: npm's otplease prompt, --otp, or the browser approval of
// the web OTP challenge). Approval publishes exactly as `npm publish --tag TAG` would, in one
// transaction that also takes the stage (ports.ts PackageStore.commit `stageId`).

import { requireGovernanceCredential } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import { type Deps, isoNow, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { removeUnusedBlobs } from '../packages/blob-cleanup.ts';
import { parsePackageName } from '../packages/names.ts';
import { developersGrant, publishMutation } from '../packages/publish.ts';
import type { StagedVersion } from '../ports.ts';
import { getStaged } from './read.ts';

/** The org owning the name's scope, or null. */
async function orgOf(deps: Deps, name: string) {
  const scope = parsePackageName(name)?.scope ?? null;
  return scope === null ? null : deps.store.orgs.get(scope);
}

/**
 * Publishes a staged version: its manifest and tarball as staged (provenance included), the
 * registry's signature made now, its tag, ownership for a new name (the account that staged it,
 * the only one who may approve it), the access it asked for. Logs `stage-approve`
 * `{ package, version, tag, access, access_from }` in the approver's security log, in the same
 * transaction. NOT_FOUND when gone, expired or not the caller's to write; TFA_REQUIRED (403)
 * without 2FA; OTP_REQUIRED (401) without a valid OTP; VERSION_EXISTS if the number was taken.
 */
export async function approveStaged(deps: Deps, ctx: RequestContext, id: string): Promise<StagedVersion> {
  const { stage, writer, head } = await getStaged(deps, ctx.principal, id);
  const isNew = !head || head.unpublished;
  if (!isNew && stage.access !== null && stage.access !== head.access) requireGovernanceCredential(writer);
  const otp = await requireSecondFactor(deps, ctx, 'stage-approval');
  // The staged bytes must still be there: a rejection's blob clean-up racing a re-stage of the
  // same bytes could have removed them (blob-cleanup.ts); never publish a version without them.
  const blob = await deps.blobs.stream(stage.tarball.blobKey);
  blob?.body?.destroy();
  if (!blob) fail('NOT_FOUND', `The tarball of staged version ${id} is missing; stage it again.`);
  const { mutation, event } = publishMutation(
    deps,
    ctx,
    stage.package,
    { version: stage.version, manifest: stage.manifest, tarball: stage.tarball, tag: stage.tag, access: stage.access },
    head,
    writer.user.id,
    'stage-approve',
    // A new package of an org gives its developers team access, as a publish does.
    isNew ? await developersGrant(deps, await orgOf(deps, stage.package)) : {},
  );
  await deps.store.packages.commit(stage.package, mutation, { otp, event, stageId: stage.id });
  deps.packageChanged(stage.package);
  return stage;
}

/**
 * Rejects a staged version: deleted with its OTP in one transaction, its version number free
 * again, its tarball removed unless something else uses the same bytes. Logs `stage-reject`
 * `{ package, version, tag }` in the rejecter's log. Same refusals as approveStaged.
 */
export async function rejectStaged(deps: Deps, ctx: RequestContext, id: string): Promise<StagedVersion> {
  const { stage, writer } = await getStaged(deps, ctx.principal, id);
  const otp = await requireSecondFactor(deps, ctx, 'stage-approval');
  const event = { userId: writer.user.id, type: 'stage-reject', ip: ctx.ip, userAgent: ctx.userAgent, detail: { package: stage.package, version: stage.version, tag: stage.tag } };
  const removed = await deps.store.stages.remove(stage.id, isoNow(deps), { otp, event });
  if (!removed) fail('NOT_FOUND', `No staged version ${id} waits for approval (it was approved, rejected or has expired).`);
  await removeUnusedBlobs(deps, [removed.tarball.blobKey]);
  return removed;
}

/** `npm stage download`: the staged tarball's bytes, for those who may write its package. */
export async function stagedTarball(deps: Deps, principal: Principal, id: string): Promise<{ stage: StagedVersion; bytes: Buffer }> {
  const { stage } = await getStaged(deps, principal, id);
  const bytes = await deps.blobs.get(stage.tarball.blobKey);
  if (!bytes) fail('NOT_FOUND', `The tarball of staged version ${id} is missing.`);
  return { stage, bytes };
}
