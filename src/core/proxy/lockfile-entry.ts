// What the lockfile readers (lockfile-npm.ts, lockfile-yarn.ts, lockfile-pnpm.ts) make of one
// entry: a registry package (name and exact version), an entry that does not come from a
// registry (skipped, with the reason), or one that cannot be read (a problem). Shared so that
// every format words its reasons alike.

import semver from 'semver';
import { isPlausiblePackageName, tarballFileName } from '../packages/names.ts';

/** A package a lockfile installs from a registry. */
export interface LockedPackage {
  name: string;
  /** An exact semver version (semver.valid). */
  version: string;
  /** The lockfile's SRI string (`sha512-...`), when it has one that describes the tarball. */
  integrity?: string;
  /** The tarball URL the lockfile records, when it has one. */
  resolved?: string;
}

/** A lockfile entry left out, or one that cannot be read: the lockfile's own name for it and why. */
export interface LockfileNote {
  entry: string;
  reason: string;
}

/** What a reader collects while walking a lockfile. */
export interface Collected {
  packages: LockedPackage[];
  skipped: LockfileNote[];
  problems: LockfileNote[];
}

export const emptyCollected = (): Collected => ({ packages: [], skipped: [], problems: [] });

/**
 * Why a version or resolution reference (`file:../x`, `git+ssh://...`, `github:u/r`,
 * `https://host/x.tgz`, `link:`, `workspace:`, `portal:`, `patch:`, `exec:`) names something
 * no registry serves, or null when it does not look like one of those. The protocols are
 * npm-package-arg's (npm), yarn's and pnpm's.
 */
export function nonRegistryReason(ref: string): string | null {
  if (/^file:/.test(ref)) return `a local folder or tarball (${ref})`;
  if (/^(link|portal):/.test(ref)) return `a link to a local folder (${ref})`;
  if (/^workspace:/.test(ref)) return `a workspace (${ref})`;
  if (/^patch:/.test(ref)) return 'a patch yarn applies to another entry (that entry is mirrored itself)';
  if (/^exec:/.test(ref)) return 'built by a script (exec:)';
  if (/^(git\+|git:|git@|ssh:|github:|gitlab:|bitbucket:|gist:)/.test(ref) || /\.git(#|$)/.test(ref)) return `a git dependency (${ref})`;
  if (/^https?:\/\//.test(ref)) return `a tarball URL (${ref}), fetched from there, not from a registry`;
  return null;
}

/**
 * Why a tarball URL recorded for `name@version` is not a registry's, or null when it has the
 * path every npm registry gives (`.../NAME/-/BARE-VERSION.tgz`: npmjs, yarnpkg, Verdaccio,
 * Artifactory, Tessera). A URL of another shape is a remote tarball dependency, which npm ci
 * fetches from that URL and not through a registry. `#fragment`s (yarn 1's sha1) are ignored.
 */
export function remoteTarballReason(name: string, version: string, resolved: string | undefined): string | null {
  if (resolved === undefined || !/^https?:\/\//.test(resolved)) return null;
  let path: string;
  try {
    path = decodeURIComponent(new URL(resolved).pathname);
  } catch {
    return `a tarball URL that cannot be read (${resolved})`;
  }
  return path.endsWith(`/-/${tarballFileName(name, version)}`) ? null : `a tarball URL (${resolved}), fetched from there, not from a registry`;
}

/**
 * Files one entry: a registry package when `version` is an exact semver version of a plausible
 * package name (and its tarball URL, if any, is a registry's), skipped when `version` names a
 * folder, link, git repository or tarball URL, else a problem.
 */
export function addEntry(into: Collected, entry: string, pkg: { name: string; version: string; integrity?: unknown; resolved?: unknown }): void {
  const { name, version } = pkg;
  const resolved = typeof pkg.resolved === 'string' && pkg.resolved !== '' ? pkg.resolved : undefined;
  const integrity = typeof pkg.integrity === 'string' && pkg.integrity !== '' ? pkg.integrity : undefined;
  const notRegistry = nonRegistryReason(version) ?? (resolved !== undefined && !/^https?:\/\//.test(resolved) ? nonRegistryReason(resolved) : null);
  if (notRegistry) {
    into.skipped.push({ entry, reason: notRegistry });
    return;
  }
  if (!isPlausiblePackageName(name)) {
    into.problems.push({ entry, reason: `"${name}" is not a package name` });
    return;
  }
  if (semver.valid(version) === null || !/^\d/.test(version)) {
    into.problems.push({ entry, reason: `"${version}" is not an exact version` });
    return;
  }
  const remote = remoteTarballReason(name, version, resolved);
  if (remote) {
    into.skipped.push({ entry, reason: remote });
    return;
  }
  into.packages.push({ name, version, ...(integrity ? { integrity } : {}), ...(resolved ? { resolved } : {}) });
}

/** Splits `name@ref` (`@scope/name@ref` too) at the `@` after the name; null without one. */
export function splitAtVersion(spec: string): { name: string; ref: string } | null {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return null;
  return { name: spec.slice(0, at), ref: spec.slice(at + 1) };
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
