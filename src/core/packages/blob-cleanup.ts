// Tarball clean-up after versions are removed. Blobs are content-addressed and shared by every
// version with the same bytes, so one is deleted only when no version refers to it any more.
// An unpublished name@version can never be published again, so no publish can race this.

import type { Deps } from '../deps.ts';

/** Deletes each blob of `keys` (sha512 hex keys) that no version refers to; duplicates once. */
export async function removeUnusedBlobs(deps: Deps, keys: string[]): Promise<void> {
  for (const key of new Set(keys)) {
    if (!(await deps.store.packages.isBlobReferenced(key))) await deps.blobs.delete(key);
  }
}
