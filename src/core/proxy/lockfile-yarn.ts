// yarn.lock, both kinds:
//
//   yarn 1   its own format (`# yarn lockfile v1`), read by @yarnpkg/lockfile, yarn 1's own
//            parser: keys `name@range` (an alias `x@npm:y@^1`), values `{ version, resolved,
//            integrity }` where `resolved` may end in `#SHA1HEX` (older files have no
//            `integrity` and only that).
//   yarn 2+  YAML with `__metadata`; keys are descriptors, values carry `resolution:
//            "name@npm:1.2.3"` (the real name, aliases resolved), or `workspace:`, `patch:`,
//            `file:`, `link:`, `portal:`, `exec:` and git or tarball URLs. Its `checksum` is of
//            the zip archive yarn makes from the tarball, not of the tarball, so it is not
//            used; the registry's `dist.integrity` checks those tarballs instead.

import yarnLockfile from '@yarnpkg/lockfile';
import { parse as parseYaml } from 'yaml';
import { DomainError } from '../errors.ts';
import { sha1HexIntegrity } from './sri-check.ts';
import { addEntry, type Collected, emptyCollected, isRecord, nonRegistryReason, splitAtVersion } from './lockfile-entry.ts';

/** Whether a yarn.lock's text is yarn 2+'s YAML (it has `__metadata`) rather than yarn 1's format. */
export const isYarnBerryLockfile = (text: string): boolean => /^__metadata:/m.test(text);

/**
 * The registry packages of a yarn 1 lockfile's text. Throws DomainError BAD_REQUEST when the
 * text is not one (the parser's line and column) or holds unresolved merge conflicts.
 */
export function readYarnV1Lockfile(text: string): Collected {
  let parsed: ReturnType<typeof yarnLockfile.parse>;
  try {
    parsed = yarnLockfile.parse(text);
  } catch (e) {
    throw new DomainError('BAD_REQUEST', `This yarn.lock cannot be read: ${(e as Error).message.split('\n')[0]}.`);
  }
  if (parsed.type === 'conflict') throw new DomainError('BAD_REQUEST', 'This yarn.lock holds merge conflicts that cannot be merged: resolve them (yarn install does) first.');
  const into = emptyCollected();
  for (const [key, raw] of Object.entries(parsed.object)) {
    if (!isRecord(raw)) {
      into.problems.push({ entry: key, reason: 'the entry is not a mapping' });
      continue;
    }
    const pattern = splitAtVersion(key) ?? { name: key, ref: '' };
    let { name, ref: range } = pattern;
    if (range.startsWith('npm:')) {
      const alias = splitAtVersion(range.slice(4));
      name = alias?.name ?? range.slice(4);
      range = alias?.ref ?? '';
    }
    const skip = nonRegistryReason(range);
    if (skip) {
      into.skipped.push({ entry: key, reason: skip });
      continue;
    }
    if (typeof raw.version !== 'string') {
      into.problems.push({ entry: key, reason: 'the entry has no version' });
      continue;
    }
    const resolved = typeof raw.resolved === 'string' ? raw.resolved : undefined;
    const hash = resolved?.indexOf('#') ?? -1;
    const integrity = typeof raw.integrity === 'string' ? raw.integrity : hash >= 0 ? sha1HexIntegrity(resolved!.slice(hash + 1)) ?? undefined : undefined;
    addEntry(into, key, { name, version: raw.version, integrity, resolved: hash >= 0 ? resolved!.slice(0, hash) : resolved });
  }
  return into;
}

/**
 * The registry packages of a yarn 2+ lockfile's text (`resolution: "name@npm:VERSION"`).
 * Throws DomainError BAD_REQUEST when the text is not YAML holding a mapping.
 */
export function readYarnBerryLockfile(text: string): Collected {
  let doc: unknown;
  try {
    doc = parseYaml(text, { logLevel: 'error' });
  } catch (e) {
    throw new DomainError('BAD_REQUEST', `This yarn.lock is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!isRecord(doc)) throw new DomainError('BAD_REQUEST', 'This yarn.lock does not hold a mapping of entries.');
  const into = emptyCollected();
  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    const resolution = isRecord(raw) && typeof raw.resolution === 'string' ? raw.resolution : null;
    const split = resolution === null ? null : splitAtVersion(resolution);
    if (!split) {
      into.problems.push({ entry: key, reason: 'the entry has no resolution' });
      continue;
    }
    // `::key=value&...` parameters: a locator, or the archive URL of a non-standard tarball path
    const params = split.ref.indexOf('::');
    const ref = params < 0 ? split.ref : split.ref.slice(0, params);
    const entry = `${split.name}@${ref}`;
    if (ref.startsWith('npm:')) {
      const archive = params < 0 ? null : new URLSearchParams(split.ref.slice(params + 2)).get('__archiveUrl');
      addEntry(into, entry, { name: split.name, version: ref.slice(4), resolved: archive ?? undefined });
    } else if (ref !== 'workspace:.') {
      // workspace:. is the project itself
      into.skipped.push({ entry, reason: nonRegistryReason(ref) ?? `not from a registry (${ref})` });
    }
  }
  return into;
}
