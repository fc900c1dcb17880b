// Small rules shared by the package use cases: versions, tags, revisions.

import { createHash } from 'node:crypto';
import semver from 'semver';
import { fail } from '../errors.ts';
import { isUrlSafe } from './names.ts';

export function isValidVersion(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 256 && semver.valid(v) === v;
}

/** Why a dist-tag name is unusable (npm's rules: non-empty, URL-safe, not a semver range). */
export function tagProblem(tag: unknown): string | null {
  // nearly every publish names "latest": its answer once (semver's range parser throws for it)
  if (tag === 'latest') return LATEST_PROBLEM;
  return tagProblemOf(tag);
}

function tagProblemOf(tag: unknown): string | null {
  if (typeof tag !== 'string' || tag.length === 0) return 'A dist-tag name is required.';
  if (tag.length > 128) return 'A dist-tag name may have at most 128 characters.';
  if (semver.validRange(tag) !== null) return `The dist-tag "${tag}" is a semver range; a tag must not be one.`;
  if (!isUrlSafe(tag)) return `The dist-tag "${tag}" may contain only URL-safe characters.`;
  return null;
}

const LATEST_PROBLEM = tagProblemOf('latest');

export function requireTag(tag: unknown): string {
  const problem = tagProblem(tag);
  if (problem) fail('INVALID_TAG', problem);
  return tag as string;
}

/** `_rev` as CouchDB spelled it: a counter and a hash, URL-safe. */
export function formatRev(name: string, rev: number): string {
  return `${rev}-${createHash('sha1').update(`${name}\n${rev}`).digest('hex').slice(0, 16)}`;
}

/** The counter of a `_rev`, or null when it is not one of ours. */
export function parseRev(rev: string): number | null {
  const m = /^(\d{1,15})-[0-9a-f]{16}$/.exec(rev);
  return m ? Number(m[1]) : null;
}

/** The highest non-prerelease version, else the highest of all. */
export function highestVersion(versions: string[]): string | null {
  const sorted = versions.filter((v) => semver.valid(v)).sort(semver.rcompare);
  return sorted.find((v) => semver.prerelease(v) === null) ?? sorted[0] ?? null;
}

/**
 * The dist-tags after removing `gone` versions (npm unpublish NAME@VERSION, and an
 * administrator's unpublish): tags on a removed version go, and `latest` moves to the highest
 * remaining version when it went. Own properties only: a tag may be called "__proto__".
 */
export function tagsAfterRemoving(distTags: Record<string, string>, versions: readonly string[], gone: ReadonlySet<string>): Record<string, string> {
  const kept = Object.entries(distTags).filter(([, v]) => !gone.has(v));
  if (!kept.some(([tag]) => tag === 'latest')) {
    const latest = highestVersion(versions.filter((v) => !gone.has(v)));
    if (latest) kept.push(['latest', latest]);
  }
  return ownMap(kept);
}

/**
 * The value a map (dist-tags, versions, time, users) holds under `key` as its OWN property, or
 * undefined. Map keys come from clients: "toString", "constructor" or "__proto__" must never
 * reach Object.prototype (a `key in map` or `map[key]` would).
 */
export function ownValue<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A map from entries whose keys are always own data properties ("__proto__" included). */
export function ownMap<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries(entries) as Record<string, T>;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
