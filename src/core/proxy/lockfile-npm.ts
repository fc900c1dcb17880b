// npm's package-lock.json and npm-shrinkwrap.json (npm docs, "package-lock.json"; npm's
// @npmcli/arborist lib/shrinkwrap.js writes them):
//
//   v2, v3   `packages`: one entry per folder, keyed by its path: "" is the project,
//            `node_modules/a`, `node_modules/a/node_modules/b` (nested), `packages/w` (a
//            workspace folder) and `packages/w/node_modules/c`. An alias `node_modules/x` of
//            `npm:y@1` says `"name": "y"`. Links (workspaces, `file:` folders) are
//            `{ "resolved": "packages/w", "link": true }`; bundled packages are `inBundle`.
//   v1       `dependencies`: a tree of `{ version, resolved, integrity, bundled, dependencies }`;
//            an alias's version reads `npm:y@1.0.0`, a git one `git+https://...#sha`.
//
// v2 holds both; its `packages` is read, as npm 7+ does.

import { addEntry, type Collected, emptyCollected, isRecord, splitAtVersion } from './lockfile-entry.ts';

const BUNDLED = 'bundled inside its parent\'s tarball (npm does not fetch it)';

/** The registry packages of a parsed package-lock.json (v1, v2 or v3), the entries skipped and the unreadable ones. */
export function readNpmLockfile(lock: Record<string, unknown>): Collected {
  const into = emptyCollected();
  if (isRecord(lock.packages)) readPackages(lock.packages, into);
  else if (isRecord(lock.dependencies)) readDependencies(lock.dependencies, '', into);
  return into;
}

function readPackages(packages: Record<string, unknown>, into: Collected): void {
  const marker = 'node_modules/';
  for (const [key, raw] of Object.entries(packages)) {
    const at = key.lastIndexOf(marker);
    // "" (the project) and folders outside node_modules (workspaces, file: folders): the link
    // that points at a folder stands for it in the summary
    if (at < 0 || (at > 0 && key[at - 1] !== '/')) continue;
    if (!isRecord(raw)) {
      into.problems.push({ entry: key, reason: 'the entry is not an object' });
      continue;
    }
    const name = typeof raw.name === 'string' ? raw.name : key.slice(at + marker.length);
    if (raw.link === true) {
      into.skipped.push({ entry: key, reason: `a link to the local folder ${String(raw.resolved)} (a workspace or a file: dependency)` });
    } else if (raw.inBundle === true) {
      into.skipped.push({ entry: key, reason: BUNDLED });
    } else if (typeof raw.version !== 'string') {
      into.problems.push({ entry: key, reason: 'the entry has no version' });
    } else {
      addEntry(into, key, { name, version: raw.version, integrity: raw.integrity, resolved: raw.resolved });
    }
  }
}

function readDependencies(dependencies: Record<string, unknown>, parent: string, into: Collected): void {
  for (const [key, raw] of Object.entries(dependencies)) {
    const entry = parent ? `${parent} > ${key}` : key;
    if (!isRecord(raw)) {
      into.problems.push({ entry, reason: 'the entry is not an object' });
      continue;
    }
    if (raw.bundled === true) into.skipped.push({ entry, reason: BUNDLED });
    else if (typeof raw.version !== 'string') into.problems.push({ entry, reason: 'the entry has no version' });
    else {
      // `npm:real-name@1.0.0`: an alias
      const alias = raw.version.startsWith('npm:') ? splitAtVersion(raw.version.slice(4)) : null;
      addEntry(into, entry, { name: alias?.name ?? key, version: alias?.ref ?? raw.version, integrity: raw.integrity, resolved: raw.resolved });
    }
    if (isRecord(raw.dependencies)) readDependencies(raw.dependencies, entry, into);
  }
}
