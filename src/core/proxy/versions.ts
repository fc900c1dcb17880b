// Which upstream versions are served: the minimum release age and administrators' blocks hide
// versions, and a dist-tag pointing at a hidden version moves to the highest visible version
// below it. Pure; the proxy calls it on every packument it renders from an upstream copy.
// docs/proxy.md ("Minimum release age", "Blocking a version").

import semver from 'semver';
import { ABBREVIATED, INSTALL_SCRIPTS } from '../packages/packument.ts';
import { isPlainObject, ownMap, ownValue } from '../packages/rules.ts';
import type { PackumentForm } from './ports.ts';

/** A packument document as parsed from the upstream's JSON (already checked to be an object with the right name). */
export type PackumentDoc = Record<string, unknown>;

export interface VersionPolicy {
  /** Milliseconds since the epoch. */
  nowMs: number;
  /** Versions published (the full form's `time[version]`) less than this long ago are hidden; 0: off. */
  minReleaseAgeMs: number;
  /** Blocked versions → the administrator's reason. */
  blocked: ReadonlyMap<string, string>;
  /**
   * Where the minimum release age comes from, named in the reasons, e.g.
   * "proxyRules[0].minReleaseAgeHours" (see `ageSource`). Default: "the proxy rule's minReleaseAgeHours".
   */
  ageSource?: string;
}

export interface VisibleVersions {
  /** The document to serve: the input itself when nothing is hidden, else a new object (the input is never changed). */
  doc: PackumentDoc;
  /** Hidden versions → why (shown in the tarball's 404). Every blocked version is listed, in the document or not. */
  hidden: Map<string, string>;
}

/** The config key a route's minimum release age comes from, for VersionPolicy.ageSource. */
export function ageSource(route: { ruleIndex?: number }): string {
  return route.ruleIndex === undefined ? "the proxy rule's minReleaseAgeHours" : `proxyRules[${route.ruleIndex}].minReleaseAgeHours`;
}

/** "5 hours", "1 minute", "3 days": the largest whole unit (floor), for reasons shown to people. */
function formatDuration(ms: number): string {
  const units: [string, number][] = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000]];
  for (const [unit, size] of units) {
    if (ms >= size) {
      const n = Math.floor(ms / size);
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return 'less than a second';
}

/** The minimum age as configured: whole hours when it is some ("72 hours"), else formatDuration. */
function formatMinAge(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}` : formatDuration(ms);
}

/** Why a version is hidden, or null when it is served. */
function hiddenReason(name: string, version: string, time: Record<string, unknown>, policy: VersionPolicy): string | null {
  if (policy.blocked.has(version)) {
    const reason = policy.blocked.get(version) ?? '';
    return reason === '' ? 'blocked by an administrator' : `blocked by an administrator: ${reason}`;
  }
  if (policy.minReleaseAgeMs <= 0) return null;
  const source = policy.ageSource ?? "the proxy rule's minReleaseAgeHours";
  const minAge = formatMinAge(policy.minReleaseAgeMs);
  const at = ownValue(time, version);
  const publishedMs = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  // No (valid) publish time: its age cannot be shown, so it is held back like a young one.
  if (!Number.isFinite(publishedMs)) {
    return `${name}@${version} has no publish time in the upstream's packument, so its age is unknown; versions younger than ${minAge} are held back (${source})`;
  }
  const age = policy.nowMs - publishedMs;
  if (age >= policy.minReleaseAgeMs) return null;
  // A time in the future (a skewed upstream clock) is as young as can be.
  const ago = age < 0 ? 'published with a time in the future' : `published ${formatDuration(age)} ago`;
  return `${name}@${version} was ${ago}; versions younger than ${minAge} are held back (${source})`;
}

const LOOSE = { loose: true } as const;

/**
 * Where a dist-tag pointing at the hidden version `target` moves, or null (then the tag is left
 * out): npm-pick-manifest's rule for a tag whose version is too new under `--before`
 * (npm/node_modules/npm-pick-manifest/lib/index.js: `pickManifest(packument, '<=' + ver)`):
 * among the visible versions satisfying `<=target` (semver, loose: prereleases only of
 * target's own major.minor.patch), the `latest` tag's version if it is one of them and not
 * deprecated, else the highest not deprecated one, else the highest. npm also prefers versions
 * whose `engines` suit the running node and npm; that depends on the client, so it is not
 * applied here.
 */
function movedTag(target: string, visible: Map<string, Record<string, unknown>>, latest: string | undefined): string | null {
  const range = `<=${target}`;
  if (semver.validRange(range, LOOSE) === null) return null;
  const candidates = [...visible.keys()].filter((v) => semver.valid(v, LOOSE) !== null && semver.satisfies(v, range, LOOSE));
  if (candidates.length === 0) return null;
  if (latest !== undefined && candidates.includes(latest) && !visible.get(latest)?.deprecated) return latest;
  candidates.sort((a, b) => Number(!visible.get(b)?.deprecated) - Number(!visible.get(a)?.deprecated) || semver.rcompare(a, b, LOOSE));
  return candidates[0] ?? null;
}

/**
 * The packument with hidden versions left out and dist-tags moved (npm-pick-manifest's rule
 * for a tag that points at a version too new, see movedTag). `form` is the form of `doc`; the
 * minimum release age needs the full form (which has `time`): in the abbreviated form no
 * version has a time, so with a minimum age in force every version is hidden (its age cannot
 * be proven). Hidden versions also leave `time` (its `created` and `modified` stay).
 * A version is hidden when it is blocked (VersionPolicy.blocked), has no valid `time` entry
 * while a minimum age is in force, or was published less than `minReleaseAgeMs` before `nowMs`.
 */
export function visibleVersions(doc: PackumentDoc, form: PackumentForm, policy: VersionPolicy): VisibleVersions {
  void form; // the rule is the same; the abbreviated form simply has no `time`
  const name = typeof doc.name === 'string' ? doc.name : '';
  const versions = isPlainObject(doc.versions) ? doc.versions : {};
  const time = isPlainObject(doc.time) ? doc.time : {};
  const hidden = new Map<string, string>();
  for (const [version, reason] of policy.blocked) hidden.set(version, reason === '' ? 'blocked by an administrator' : `blocked by an administrator: ${reason}`);
  const visible = new Map<string, Record<string, unknown>>();
  for (const [version, manifest] of Object.entries(versions)) {
    const reason = hiddenReason(name, version, time, policy);
    if (reason !== null) hidden.set(version, reason);
    else visible.set(version, isPlainObject(manifest) ? manifest : {});
  }
  if (hidden.size === 0) return { doc, hidden };

  const out: PackumentDoc = { ...doc };
  out.versions = ownMap(Object.entries(versions).filter(([v]) => !hidden.has(v)));
  if (isPlainObject(doc.time)) out.time = ownMap(Object.entries(time).filter(([k]) => !hidden.has(k) || k === 'created' || k === 'modified'));
  if (isPlainObject(doc['dist-tags'])) {
    const tags = doc['dist-tags'];
    const latest = ownValue(tags, 'latest');
    const latestVisible = typeof latest === 'string' && visible.has(latest) ? latest : undefined;
    const moved: [string, unknown][] = [];
    for (const [tag, target] of Object.entries(tags)) {
      if (typeof target !== 'string' || !hidden.has(target)) moved.push([tag, target]);
      else {
        const to = movedTag(target, visible, latestVisible);
        if (to !== null) moved.push([tag, to]);
      }
    }
    out['dist-tags'] = ownMap(moved);
  }
  return { doc: out, hidden };
}

/**
 * The abbreviated packument (application/vnd.npm.install-v1+json) derived from a full one:
 * `name`, `modified` (the full form's `time.modified`, or the document's own `modified`),
 * `dist-tags` and each version's install fields: the same list as local packages
 * (core/packages/packument.ts ABBREVIATED, after npm's registry docs,
 * responses/package-metadata.md). `hasInstallScript` is derived from `scripts` when the
 * upstream left it out, as for local packages (npm 11 runs install scripts only when it is
 * set). Versions that are not objects are left out. Idempotent on an abbreviated document.
 */
export function abbreviate(doc: PackumentDoc): PackumentDoc {
  const versions = isPlainObject(doc.versions) ? doc.versions : {};
  const out: PackumentDoc = { name: doc.name };
  const time = isPlainObject(doc.time) ? doc.time : null;
  const modified = (time && ownValue(time, 'modified')) ?? doc.modified;
  if (typeof modified === 'string') out.modified = modified;
  out['dist-tags'] = isPlainObject(doc['dist-tags']) ? doc['dist-tags'] : {};
  out.versions = ownMap(
    Object.entries(versions)
      .filter((entry): entry is [string, Record<string, unknown>] => isPlainObject(entry[1]))
      .map(([version, full]) => {
        const fields: [string, unknown][] = ABBREVIATED.filter((k) => Object.hasOwn(full, k) && full[k] !== undefined).map((k) => [k, full[k]]);
        const scripts = full.scripts;
        if (!Object.hasOwn(full, 'hasInstallScript') && isPlainObject(scripts) && INSTALL_SCRIPTS.some((k) => typeof ownValue(scripts, k) === 'string')) {
          fields.push(['hasInstallScript', true]);
        }
        return [version, ownMap(fields)] as const;
      }),
  );
  return out;
}
