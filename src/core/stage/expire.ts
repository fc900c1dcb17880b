// Staged versions expire `stageTtlMs` after staging (config stagedVersionDays): the store
// ignores them from then on, which frees their version numbers; this sweep deletes them, logs
// `stage-expire` in the staging account's security log and removes tarballs nothing else uses.
// It runs whenever staged versions are staged, listed or decided on (no timer).

import type { Deps } from '../deps.ts';
import { isoNow } from '../deps.ts';
import { removeUnusedBlobs } from '../packages/blob-cleanup.ts';

/** Most expired staged versions one sweep deletes (the next sweep takes the rest). */
const SWEEP_LIMIT = 100;

/** Deletes expired staged versions (up to SWEEP_LIMIT), logging each; returns how many went. */
export async function expireStages(deps: Deps): Promise<number> {
  const gone = await deps.store.stages.deleteExpired(isoNow(deps), SWEEP_LIMIT);
  for (const s of gone) {
    await deps.store.events.append({ userId: s.userId, type: 'stage-expire', ip: null, userAgent: null, detail: { package: s.package, version: s.version, tag: s.tag } });
  }
  if (gone.length > 0) await removeUnusedBlobs(deps, gone.map((s) => s.tarball.blobKey));
  return gone.length;
}
