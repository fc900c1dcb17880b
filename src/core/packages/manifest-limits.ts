// How much manifest data one package may hold. Every packument read serves all of a package's
// manifests, rendered once per change and kept in memory (src/http/packument-cache.ts), so a
// package's total is capped at publish (config `maxPackumentMb`); one version's manifest is
// already bounded by its package.json (1 MiB, tarball.ts) and its readme (256 KiB).

import { DomainError } from '../errors.ts';

/**
 * The bytes a version's manifest counts toward `maxPackumentMb`: its JSON, without its readme
 * (packuments serve only the latest version's, cut to 64 KiB). Stored per version at publish
 * (versions.manifest_bytes) and added to the package's running total (packages.manifest_bytes,
 * which removals subtract from), so the check reads one integer and never the manifests.
 */
export function countedManifestBytes(manifest: Record<string, unknown>): number {
  return countedJsonBytes(manifest, JSON.stringify(manifest));
}

/** countedManifestBytes when the caller has the manifest's JSON.stringify already (the text a store writes). */
export function countedJsonBytes(manifest: Record<string, unknown>, json: string): number {
  const readme = typeof manifest.readme === 'string' ? Buffer.byteLength(JSON.stringify(manifest.readme)) : 0;
  return Buffer.byteLength(json) - readme;
}

/**
 * The error a publish gets when the package's stored manifests (JSON bytes, every version, the
 * new one included) would pass `limit` bytes: 413 BODY_TOO_LARGE naming the limit and the key.
 * Thrown by the stores inside the publish transaction (PackageMutation.maxManifestBytes).
 */
export function manifestsTooLarge(name: string, total: number, limit: number): DomainError {
  const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return new DomainError(
    'BODY_TOO_LARGE',
    `${name}'s manifests would total ${mib(total)} with this version, more than this registry's limit of ${mib(limit)} per package (maxPackumentMb); unpublish old versions or ask the administrator.`,
  );
}
