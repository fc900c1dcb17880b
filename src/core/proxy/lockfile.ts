// The packages a project's lockfile installs from a registry, whatever wrote it: npm
// (package-lock.json / npm-shrinkwrap.json v1, v2, v3), yarn 1, yarn 2+ (yarn.lock) or pnpm
// (pnpm-lock.yaml v5, v6, v9). `tessera mirror` fetches each through Tessera so that the
// project installs while the upstream is unreachable. Pure: text in, a list out.

import { DomainError } from '../errors.ts';
import { type LockedPackage, type LockfileNote, type Collected } from './lockfile-entry.ts';
import { readNpmLockfile } from './lockfile-npm.ts';
import { pnpmLockfileMajor, readPnpmLockfile } from './lockfile-pnpm.ts';
import { isYarnBerryLockfile, readYarnBerryLockfile, readYarnV1Lockfile } from './lockfile-yarn.ts';

export type { LockedPackage, LockfileNote } from './lockfile-entry.ts';

export interface LockfileContents {
  /** Which lockfile it is, for people: `package-lock.json v3`, `yarn.lock v1`, `pnpm-lock.yaml v9`... */
  format: string;
  /** Every registry package once (by name@version), sorted by name then version. */
  packages: LockedPackage[];
  /** Entries that do not come from a registry (links, workspaces, folders, git, tarball URLs, bundled), with why. */
  skipped: LockfileNote[];
  /** Entries that cannot be read (no version, not a package name, a range instead of a version). */
  problems: LockfileNote[];
}

const NOT_A_LOCKFILE = 'This is not a lockfile tessera mirror reads: package-lock.json or npm-shrinkwrap.json (v1-v3), yarn.lock (yarn 1 or 2+), pnpm-lock.yaml (v5-v9).';

/**
 * Reads a lockfile's text, recognising the kind from the content (not the file name): JSON
 * with `lockfileVersion` (npm), YAML with `lockfileVersion:` (pnpm), YAML with `__metadata:`
 * (yarn 2+), or yarn 1's format with its `# yarn lockfile v1` header. Throws DomainError
 * BAD_REQUEST naming what is wrong when the text is none of them or cannot be parsed.
 */
export function readLockfile(text: string): LockfileContents {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) {
    let lock: unknown;
    try {
      lock = JSON.parse(body);
    } catch (e) {
      throw new DomainError('BAD_REQUEST', `This package-lock.json is not valid JSON: ${(e as Error).message.replace(/, ".*$/s, '')}.`);
    }
    const version = typeof lock === 'object' && lock !== null ? (lock as Record<string, unknown>).lockfileVersion : undefined;
    if (version !== 1 && version !== 2 && version !== 3) throw new DomainError('BAD_REQUEST', `${NOT_A_LOCKFILE} (JSON without a lockfileVersion of 1, 2 or 3)`);
    return finish(`package-lock.json v${version}`, readNpmLockfile(lock as Record<string, unknown>));
  }
  const pnpm = pnpmLockfileMajor(body);
  if (pnpm !== null) return finish(`pnpm-lock.yaml v${pnpm}`, readPnpmLockfile(body));
  if (isYarnBerryLockfile(body)) return finish('yarn.lock v2+', readYarnBerryLockfile(body));
  if (/^# yarn lockfile v1\s*$/m.test(body)) return finish('yarn.lock v1', readYarnV1Lockfile(body));
  throw new DomainError('BAD_REQUEST', NOT_A_LOCKFILE);
}

/** Each name@version once (the first integrity and URL seen win), sorted; notes without repeats. */
function finish(format: string, collected: Collected): LockfileContents {
  const byId = new Map<string, LockedPackage>();
  for (const p of collected.packages) {
    const id = `${p.name}@${p.version}`;
    const seen = byId.get(id);
    if (!seen) byId.set(id, { ...p });
    else {
      seen.integrity ??= p.integrity;
      seen.resolved ??= p.resolved;
    }
  }
  const packages = [...byId.values()].sort((a, b) => (a.name === b.name ? compareText(a.version, b.version) : compareText(a.name, b.name)));
  return { format, packages, skipped: unique(collected.skipped), problems: unique(collected.problems) };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function unique(notes: LockfileNote[]): LockfileNote[] {
  const seen = new Set<string>();
  return notes.filter((n) => {
    const key = `${n.entry}\n${n.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
