// pnpm-lock.yaml (pnpm's lockfile-types and its docs), read with `yaml`:
//
//   v5 (5.x)   `packages` keys `/name/1.0.0`, `/@scope/name/1.0.0_peer@2.0.0`
//   v6 (6.x)   `/name@1.0.0`, `/@scope/name@1.0.0(peer@2.0.0)`
//   v9 (9.x)   `name@1.0.0`, `@scope/name@1.0.0` (peer suffixes only in `snapshots`)
//
// Values carry `resolution: { integrity }` for registry packages, `{ tarball }` for tarball URLs
// (and registry tarballs at unusual paths), `{ type: git, repo, commit }`, `{ type: directory,
// directory }`; entries of v5/v6 whose key does not start with `/` (`file:x`, `github.com/u/r/sha`)
// give `name` and `version` themselves. An alias is recorded under the real name. pnpm 9+ may
// write two YAML documents (its own version first, then the project's): both are read.

import { parseAllDocuments } from 'yaml';
import { DomainError } from '../errors.ts';
import { addEntry, type Collected, emptyCollected, isRecord, splitAtVersion } from './lockfile-entry.ts';

/** The major lockfileVersion of the (first) document of a pnpm-lock.yaml: 5, 6, 9, or null. */
export function pnpmLockfileMajor(text: string): number | null {
  const m = /^lockfileVersion: *['"]?(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Name and version from a `packages` key of the given major version; null if the key does not say. */
function fromKey(key: string, major: number): { name: string; version: string } | null {
  if (major < 9 && !key.startsWith('/')) return null;
  const spec = key.startsWith('/') ? key.slice(1) : key;
  if (major < 6) {
    const slash = spec.lastIndexOf('/');
    return slash <= 0 ? null : { name: spec.slice(0, slash), version: spec.slice(slash + 1).replace(/_.*$/, '') };
  }
  const split = splitAtVersion(spec);
  return split && { name: split.name, version: split.ref.replace(/\(.*$/, '') };
}

/**
 * The registry packages of a pnpm-lock.yaml's text (v5, v6 and v9). Throws DomainError
 * BAD_REQUEST when it is not YAML, or when a document has no known lockfileVersion.
 */
export function readPnpmLockfile(text: string): Collected {
  const into = emptyCollected();
  for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
    if (doc.errors.length > 0) throw new DomainError('BAD_REQUEST', `This pnpm-lock.yaml is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    const lock: unknown = doc.toJS();
    if (lock === null || lock === undefined) continue;
    const major = isRecord(lock) ? Number.parseInt(String(lock.lockfileVersion), 10) : NaN;
    if (!isRecord(lock) || !(major >= 5)) throw new DomainError('BAD_REQUEST', 'This pnpm-lock.yaml has no lockfileVersion of 5 or later.');
    if (!isRecord(lock.packages)) continue;
    for (const [key, raw] of Object.entries(lock.packages)) {
      if (!isRecord(raw)) {
        into.problems.push({ entry: key, reason: 'the entry is not a mapping' });
        continue;
      }
      const resolution = isRecord(raw.resolution) ? raw.resolution : {};
      if (resolution.type === 'git' || typeof resolution.repo === 'string') {
        into.skipped.push({ entry: key, reason: `a git dependency (${String(resolution.repo ?? key)})` });
        continue;
      }
      if (resolution.type === 'directory' || typeof resolution.directory === 'string') {
        into.skipped.push({ entry: key, reason: `a local folder (${String(resolution.directory ?? key)})` });
        continue;
      }
      const named = fromKey(key, major);
      const name = typeof raw.name === 'string' ? raw.name : named?.name;
      const version = typeof raw.version === 'string' ? raw.version : (named?.version ?? key);
      if (name === undefined) {
        into.problems.push({ entry: key, reason: 'the entry names no package' });
        continue;
      }
      addEntry(into, key, { name, version, integrity: resolution.integrity, resolved: resolution.tarball });
    }
  }
  return into;
}
