// npm stage publish (POST /-/stage/package/NAME, the publish body): a version checked exactly as
// a publish is (core/packages/publish.ts), stored out of sight until a maintainer approves it
// with a second factor (decide.ts). npm stages without otplease (npm lib/commands/publish.js,
// "Stage intentionally bypasses otplease"), so no OTP is ever asked here.

import { randomUUID } from 'node:crypto';
import type { UserPrincipal } from '../access/principal.ts';
import { type Deps, isoNow, type RequestContext } from '../deps.ts';
import { tarballFileName } from '../packages/names.ts';
import { preparePublish, requirePublisher, trustedPublisher } from '../packages/publish.ts';
import type { PackageHead, StagedVersion } from '../ports.ts';
import { expireStages } from './expire.ts';

/**
 * Who may stage a version of `name`: whoever may publish it (requirePublisher: the package's
 * writers, or for a new name the creation rules of a first publish), with any write-capable
 * credential and never a second factor; a trusted-publishing token only when its relationship
 * allows staging (npm trust --allow-stage-publish: requireTokenPermits). The one authorisation
 * of the stage route.
 */
export async function authorizeStage(deps: Deps, ctx: RequestContext, name: string): Promise<{ writer: UserPrincipal; existing: PackageHead | null; isNew: boolean }> {
  return requirePublisher(deps, ctx, name, 'stage');
}

/** What kind of credential staged a version, as `npm stage list` prints it ("staged by: NAME (TYPE)"). */
export function actorTypeOf(principal: UserPrincipal): string {
  const kind = principal.token?.kind;
  if (kind === 'oidc') return 'trusted publisher';
  return kind === 'legacy' || kind === 'granular' ? 'token' : 'user';
}

/**
 * Stages one version: `{ stageId }`, a UUID (libnpmpublish/lib/publish.js reads `stageId`).
 * Every check of a publish body applies (publish-body.ts: names, manifest limits, tarball
 * integrity, provenance); the tag is the body's (`npm stage publish --tag`), fixed here. The
 * store refuses VERSION_EXISTS for a version published (ever) or staged already. Logs
 * `stage-publish` `{ package, version, tag }` in the staging account's security log.
 */
export async function stagePublish(deps: Deps, ctx: RequestContext, name: string, body: Record<string, unknown>): Promise<{ stageId: string }> {
  const publisher = await authorizeStage(deps, ctx, name);
  const { valid } = await preparePublish(deps, ctx, name, body, publisher, 'stage');
  await expireStages(deps);
  const writer = publisher.writer;
  const blobKey = await deps.blobs.put(valid.tarball, valid.sha512Hex);
  const now = deps.clock.now();
  const stage: StagedVersion = {
    id: randomUUID(),
    package: name,
    version: valid.version,
    tag: valid.tag,
    access: valid.access,
    // Staged by a trusted publisher: the approved version says which workflow built it.
    manifest: { ...valid.manifest, _npmUser: { name: writer.user.name, email: writer.user.email, ...trustedPublisher(writer) } },
    tarball: { file: tarballFileName(name, valid.version), blobKey, size: valid.tarball.length, integrity: valid.integrity, shasum: valid.shasum },
    userId: writer.user.id,
    userName: writer.user.name,
    actorType: actorTypeOf(writer),
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + deps.settings.stageTtlMs).toISOString(),
  };
  const workflow = trustedPublisher(writer).trustedPublisher?.workflow;
  const event = { userId: writer.user.id, type: 'stage-publish', ip: ctx.ip, userAgent: ctx.userAgent, detail: { package: name, version: valid.version, tag: valid.tag, ...(workflow ? { trusted_publisher: workflow } : {}) } };
  // A refused stage leaves the blob: content-addressed, unreferenced and harmless (blob-cleanup.ts).
  await deps.store.stages.create(stage, isoNow(deps), { event });
  return { stageId: stage.id };
}
