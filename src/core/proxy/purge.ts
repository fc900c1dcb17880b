// `tessera proxy purge [NAME]`: forgets what the proxy fetched (packuments and tarballs) of one
// name or of every name. The next read fetches afresh. Blobs are deleted only when nothing
// refers to them any more: no other cached upstream tarball and no local version (the same
// bytes published here share the blob, as core/packages/blob-cleanup.ts checks).

import type { Deps } from '../deps.ts';

/** Returns how many cached packument rows and tarball blobs went. Running servers drop their copies through the store's change feed. */
export async function purgeProxyCache(deps: Pick<Deps, 'store' | 'blobs'>, name: string | null): Promise<{ packuments: number; blobs: number }> {
  const { packuments, tarballs } = await deps.store.proxy.purge(name);
  let blobs = 0;
  for (const key of new Set(tarballs)) {
    if (await deps.store.packages.isBlobReferenced(key)) continue;
    await deps.blobs.delete(key);
    blobs++;
  }
  return { packuments, blobs };
}

