// The one-off signing of versions stored before registry signatures existed: the schema
// migration that brought them marks every stored version (versions.needs_signature); at start,
// Tessera signs the marked ones with its current key, in batches, each stored with its mark
// cleared in one transaction. Idempotent: a pass interrupted, or run by several nodes at once,
// signs each version once (docs/signatures.md). Versions published since are signed at publish.

import type { Deps } from '../deps.ts';
import { signVersion } from './signatures.ts';

/**
 * Signs every marked version over its tarball's integrity; returns how many were signed.
 * Without a signing key, signs nothing. `batch`: versions read per query.
 */
export async function signStoredVersions(deps: Pick<Deps, 'store' | 'signing' | 'packageChanged'>, batch = 500): Promise<number> {
  if (!deps.signing) return 0;
  let signed = 0;
  for (;;) {
    const rows = await deps.store.packages.unsignedVersions(batch);
    if (rows.length === 0) return signed;
    const key = deps.signing.current();
    for (const { name, version, integrity } of rows) {
      if (await deps.store.packages.setSignatures(name, version, [signVersion(key, name, version, integrity)])) {
        signed++;
        deps.packageChanged(name);
      }
    }
  }
}
