// The bodies of `npm audit` requests and answers, taken apart by upstream so that no local name
// ever leaves the registry, and the upstreams' answers checked and put back together. Pure: no
// I/O. The wire forms are npm's: the bulk body of @npmcli/arborist lib/audit-report.js
// (prepareBulkData) and its answer, and the older "quick audit" body (npm 6 lib/install/audit.js;
// older arborist versions sent their lockfile, `tree.meta.commit()`, there when the bulk request failed) with
// the npm 6 report as its answer (what npm-audit-report reads). docs/proxy.md, "npm audit".

/** Which names may be sent to the upstream at hand. */
export type Keep = (name: string) => boolean;

/** The bulk request: package name → the versions installed. */
export type BulkBody = Record<string, string[]>;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** At most this many characters per version string in a bulk body. */
const MAX_VERSION_LENGTH = 256;

/**
 * Why `body` is not a bulk audit body (`{name: [version, ...]}`, arborist prepareBulkData), or
 * null when it is one. Names are not checked here: a name that cannot be a package is simply
 * never forwarded.
 */
export function bulkBodyProblem(body: unknown): string | null {
  if (!isObject(body)) return 'The audit body must be a JSON object of package names to arrays of versions.';
  for (const [name, versions] of Object.entries(body)) {
    if (!Array.isArray(versions) || versions.some((v) => typeof v !== 'string' || v.length === 0 || v.length > MAX_VERSION_LENGTH)) {
      return `The audit body's entry ${JSON.stringify(name.slice(0, 100))} must be an array of version strings.`;
    }
  }
  return null;
}

/** The part of a bulk body whose names `keep` accepts (a new object; null prototype safe). */
export function bulkFor(body: BulkBody, keep: Keep): BulkBody {
  return Object.fromEntries(Object.entries(body).filter(([name]) => keep(name)));
}

/**
 * The upstream's bulk answer checked against what it was asked: a JSON object whose entries
 * are arrays of advisory objects. Only the names that were asked are kept (npm would look up
 * every name in the answer); their advisories are returned unchanged. A problem is a string.
 */
export function checkBulkAnswer(answer: unknown, asked: BulkBody): { ok: Json } | { problem: string } {
  if (!isObject(answer)) return { problem: 'not a JSON object' };
  const kept: [string, unknown][] = [];
  for (const name of Object.keys(asked)) {
    if (!Object.hasOwn(answer, name)) continue;
    const advisories = answer[name];
    if (!Array.isArray(advisories) || !advisories.every(isObject)) return { problem: `the entry for ${name} is not an array of advisories` };
    kept.push([name, advisories]);
  }
  return { ok: Object.fromEntries(kept) };
}

/** Bulk answers of several upstreams (disjoint names) as one. */
export function mergeBulk(parts: readonly Json[]): Json {
  return Object.fromEntries(parts.flatMap((p) => Object.entries(p)));
}

// ---- the quick audit (older clients) ----

/** A version as a registry publishes it (semver 2.0.0); anything else (`npm:` aliases, URLs, `file:`) is not forwarded. */
const PLAIN_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
/** A semver range or a dist-tag: no ':' '/' or '@', so no alias, URL, path or git spec (which may name a private host or package). */
const PLAIN_RANGE = /^[\w.*^~<>=|+ -]{0,256}$/;
/** Root fields that name no package and are kept (npm 6 metadata, arborist's fallback fields). */
const ROOT_STRINGS = ['npm_version', 'node_version', 'platform', 'arch', 'node_env'] as const;
const FLAGS = ['dev', 'optional', 'devOptional', 'peer', 'bundled', 'inBundle'] as const;
const DEP_MAPS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;

/** The package names along a lockfile `packages` path ("node_modules/a/node_modules/@s/b" → a, @s/b); null for a path outside node_modules (a workspace folder). */
function namesOfPath(path: string): string[] | null {
  if (!path.startsWith('node_modules/')) return null;
  return path.slice('node_modules/'.length).split('/node_modules/');
}

/** Every package name a quick-audit body mentions (keys of requires and dependency maps, nested trees, lockfile paths, install/remove ids). */
export function quickNames(body: Json): Set<string> {
  const names = new Set<string>();
  const mapKeys = (m: unknown) => {
    if (isObject(m)) for (const k of Object.keys(m)) names.add(k);
  };
  const tree = (deps: unknown) => {
    if (!isObject(deps)) return;
    for (const [name, dep] of Object.entries(deps)) {
      names.add(name);
      if (!isObject(dep)) continue;
      mapKeys(dep.requires);
      tree(dep.dependencies);
    }
  };
  mapKeys(body.requires);
  tree(body.dependencies);
  if (isObject(body.packages)) {
    for (const [path, entry] of Object.entries(body.packages)) {
      for (const n of namesOfPath(path) ?? []) names.add(n);
      if (!isObject(entry)) continue;
      if (typeof entry.name === 'string') names.add(entry.name);
      for (const m of DEP_MAPS) mapKeys(entry[m]);
    }
  }
  for (const list of [body.install, body.remove]) {
    if (Array.isArray(list)) for (const id of list) if (typeof id === 'string') names.add(nameOfId(id));
  }
  return names;
}

/** "name@version" (or "@scope/name@version") → name. */
function nameOfId(id: string): string {
  const at = id.indexOf('@', 1);
  return at === -1 ? id : id.slice(0, at);
}

/** A `{name: range}` map with only kept names and plain ranges. */
function rangesFor(map: unknown, keep: Keep): Json | undefined {
  if (!isObject(map)) return undefined;
  return Object.fromEntries(Object.entries(map).filter(([name, range]) => keep(name) && typeof range === 'string' && PLAIN_RANGE.test(range)));
}

/** The fields of one installed package that are sent: version, integrity, the dev/optional flags. */
function entryFields(entry: Json): Json {
  const out: Json = { version: entry.version };
  if (typeof entry.integrity === 'string' && entry.integrity.length <= 1024) out.integrity = entry.integrity;
  for (const f of FLAGS) if (typeof entry[f] === 'boolean') out[f] = entry[f];
  return out;
}

/** A lockfile v1 `dependencies` tree with only kept names at plain versions (a dropped package's subtree goes with it: its place in the tree names it). */
function treeFor(deps: unknown, keep: Keep): Json | undefined {
  if (!isObject(deps)) return undefined;
  const out: [string, Json][] = [];
  for (const [name, dep] of Object.entries(deps)) {
    if (!keep(name) || !isObject(dep) || typeof dep.version !== 'string' || !PLAIN_VERSION.test(dep.version)) continue;
    const sent = entryFields(dep);
    const requires = rangesFor(dep.requires, keep);
    if (requires) sent.requires = requires;
    const nested = treeFor(dep.dependencies, keep);
    if (nested) sent.dependencies = nested;
    out.push([name, sent]);
  }
  return Object.fromEntries(out);
}

/** A lockfile v2/v3 `packages` map with only entries whose every name on the path is kept; the root entry keeps only its dependency maps. */
function packagesFor(packages: unknown, keep: Keep): Json | undefined {
  if (!isObject(packages)) return undefined;
  const out: [string, Json][] = [];
  for (const [path, entry] of Object.entries(packages)) {
    if (!isObject(entry)) continue;
    let sent: Json;
    if (path === '') {
      sent = {};
    } else {
      const names = namesOfPath(path);
      if (!names || !names.every(keep) || entry.link === true) continue;
      if (entry.name !== undefined && (typeof entry.name !== 'string' || !keep(entry.name))) continue;
      if (typeof entry.version !== 'string' || !PLAIN_VERSION.test(entry.version)) continue;
      sent = entryFields(entry);
      if (typeof entry.name === 'string') sent.name = entry.name;
    }
    for (const m of DEP_MAPS) {
      const ranges = rangesFor(entry[m], keep);
      if (ranges) sent[m] = ranges;
    }
    out.push([path, sent]);
  }
  return Object.fromEntries(out);
}

/**
 * The quick-audit body to send to one upstream: built afresh from `body` with only what names
 * kept packages (allowlist, not blocklist): the root's `requires`, the v1 `dependencies` tree,
 * the v2/v3 `packages` map and npm 6's `install`/`remove` ids, each limited to kept names at
 * plain versions and plain ranges, plus the client's npm/node version, platform and arch.
 * The project's own name and version, `resolved` URLs, `from` specs, links and workspace
 * folders are never sent.
 */
export function quickBodyFor(body: Json, keep: Keep): Json {
  const out: Json = {};
  for (const f of ROOT_STRINGS) if (typeof body[f] === 'string' && (body[f] as string).length <= 64) out[f] = body[f];
  if (typeof body.lockfileVersion === 'number') out.lockfileVersion = body.lockfileVersion;
  if (typeof body.requires === 'boolean') out.requires = body.requires;
  else {
    const requires = rangesFor(body.requires, keep);
    if (requires) out.requires = requires;
  }
  const dependencies = treeFor(body.dependencies, keep);
  if (dependencies) out.dependencies = dependencies;
  const packages = packagesFor(body.packages, keep);
  if (packages) out.packages = packages;
  for (const list of ['install', 'remove'] as const) {
    const ids = body[list];
    if (Array.isArray(ids)) out[list] = ids.filter((id): id is string => typeof id === 'string' && keep(nameOfId(id)));
  }
  if (isObject(body.metadata)) {
    const md: Json = {};
    for (const f of ROOT_STRINGS) if (typeof body.metadata[f] === 'string' && (body.metadata[f] as string).length <= 64) md[f] = body.metadata[f];
    out.metadata = md;
  }
  return out;
}

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
const COUNTS = ['dependencies', 'devDependencies', 'optionalDependencies', 'totalDependencies'] as const;

/** "No advisories" in the npm 6 report form, counting the body's top-level dependencies. */
export function emptyQuickAnswer(body: Json): Json {
  const dependencies = isObject(body.dependencies) ? Object.keys(body.dependencies).length : 0;
  return {
    actions: [],
    advisories: {},
    muted: [],
    metadata: {
      vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0 },
      dependencies,
      devDependencies: 0,
      optionalDependencies: 0,
      totalDependencies: dependencies,
    },
  };
}

/** Why an upstream's quick-audit answer is not an npm 6 report (a JSON object; advisories an object, actions and muted arrays), or null. */
export function quickAnswerProblem(answer: unknown): string | null {
  if (!isObject(answer)) return 'not a JSON object';
  if (answer.advisories !== undefined && !isObject(answer.advisories)) return 'advisories is not an object';
  if (answer.actions !== undefined && !Array.isArray(answer.actions)) return 'actions is not an array';
  if (answer.muted !== undefined && !Array.isArray(answer.muted)) return 'muted is not an array';
  if (answer.metadata !== undefined && !isObject(answer.metadata)) return 'metadata is not an object';
  return null;
}

/**
 * Quick-audit answers of several upstreams as one report: actions and muted joined, advisories
 * (by id) merged, the severity and dependency counts added. One answer is returned unchanged.
 */
export function mergeQuick(parts: readonly Json[]): Json {
  if (parts.length === 1) return parts[0];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const vulnerabilities: Json = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const metadata: Json = { vulnerabilities };
  for (const c of COUNTS) metadata[c] = 0;
  for (const p of parts) {
    const md = isObject(p.metadata) ? p.metadata : {};
    const v = isObject(md.vulnerabilities) ? md.vulnerabilities : {};
    for (const s of SEVERITIES) vulnerabilities[s] = num(vulnerabilities[s]) + num(v[s]);
    for (const c of COUNTS) metadata[c] = num(metadata[c]) + num(md[c]);
  }
  return {
    actions: parts.flatMap((p) => (Array.isArray(p.actions) ? p.actions : [])),
    advisories: Object.fromEntries(parts.flatMap((p) => (isObject(p.advisories) ? Object.entries(p.advisories) : []))),
    muted: parts.flatMap((p) => (Array.isArray(p.muted) ? p.muted : [])),
    metadata,
  };
}
