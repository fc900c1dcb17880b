// The manifest `npm publish` would send for a tarball, computed from the tarball itself, so the
// registry can hold the publish body to it. npm does not send package.json as written: it
// runs @npmcli/package-json's `fix` and `prepare` steps on the package folder (npm
// lib/commands/publish.js #getManifest), then cleans the version with semver.clean
// (libnpmpublish lib/publish.js patchManifest). Those steps read files of the folder
// (binding.gyp adds `scripts.install`, server.js `scripts.start`, `directories.bin` fills
// `bin`, `directories.man` fills `man`), so the tarball's files are laid out in a temporary
// folder (empty files where only names matter; README* and AUTHORS with their content, bounded,
// for the `readme` and `authors` steps) and the same library, at the version npm bundles,
// prepares it.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import PackageJson from '@npmcli/package-json';
import semver from 'semver';
import { DomainError } from '../errors.ts';
import { isDocFile, type TarballContents } from './tarball.ts';

export interface PreparedManifest {
  /** package.json as written in the tarball. */
  raw: Record<string, unknown>;
  /** What npm publish sends for it: fixed, prepared, version cleaned. */
  prepared: Record<string, unknown>;
}

/** `gitHead` looks for a .git folder above the package folder: outside the tarball, and no field Tessera compares. */
const STEPS = PackageJson.prepareSteps.filter((s) => s !== 'gitHead');
/** Most README* / AUTHORS files at the top folder (each is written out for npm's `readme` step). */
const MAX_DOC_FILES = 32;
/** Errors that are the server's, not the tarball's. */
const SERVER_FAULTS = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EDQUOT']);

/** The folder a `directories.*` value names, as npm resolves it ('' for the package root), or null. */
function directoryPrefix(dir: unknown): string | null {
  if (typeof dir !== 'string') return null;
  const clean = posix.normalize(posix.join('/', dir.replace(/\\|:/g, '/'))).replace(/^\/+/, '');
  return clean === '' || clean === '.' ? '' : `${clean.replace(/\/+$/, '')}/`;
}

/** The .d.ts file npm's `fillTypes` step looks for beside `main` (normalize.js), or null. */
function typesFile(main: unknown): string | null {
  const index = typeof main === 'string' ? main : 'index.js';
  const extless = posix.join(posix.dirname(index), posix.basename(index, posix.extname(index)));
  return posix.normalize(`${extless}.d.ts`).replace(/^(\.\/)+/, '');
}

/** Whether npm's prepare steps could look at this file: root *.gyp, server.js, README*, AUTHORS, main's .d.ts, and what lies under directories.bin / .man. */
function wanted(file: string, prefixes: string[], types: string | null): boolean {
  const top = file.split('/')[0];
  if (/\.gyp$/i.test(top) || top === 'server.js' || file === types) return true;
  if (!file.includes('/') && isDocFile(file)) return true;
  return prefixes.some((p) => file.startsWith(p));
}

/**
 * Runs npm publish's manifest preparation on a tarball's package.json and files.
 *
 * Errors (DomainError INVALID_PUBLISH): package.json that is not a JSON object, or that npm's
 * own preparation refuses (an invalid name or version, a non-string `main`, ...), files that
 * cannot be laid out (a file and a folder of one name), or more than MAX_DOC_FILES README*
 * and AUTHORS files at the top folder. Failures of the temporary folder
 * itself (disk full) are the server's and rethrown.
 */
export async function prepareManifest(contents: TarballContents): Promise<PreparedManifest> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-manifest-'));
  try {
    await writeFile(join(dir, 'package.json'), contents.packageJson);
    let pkg: PackageJson;
    let raw: Record<string, unknown>;
    try {
      pkg = await new PackageJson().load(dir);
      if (typeof pkg.content !== 'object' || pkg.content === null || Array.isArray(pkg.content)) throw new Error('not an object');
      raw = structuredClone(pkg.content);
    } catch {
      throw new DomainError('INVALID_PUBLISH', 'The package.json in the tarball is not a valid JSON object.');
    }
    const directories = raw.directories as Record<string, unknown> | undefined;
    const prefixes = [directoryPrefix(directories?.bin), directoryPrefix(directories?.man)].filter((p): p is string => p !== null);
    const types = typesFile(raw.main);
    const docFiles = contents.files.filter((f) => !f.includes('/') && isDocFile(f)).length;
    if (docFiles > MAX_DOC_FILES) {
      throw new DomainError('INVALID_PUBLISH', `The tarball has ${docFiles} README or AUTHORS files at its top folder; at most ${MAX_DOC_FILES} are accepted.`);
    }
    for (const file of contents.files) {
      if (file === 'package.json' || !wanted(file, prefixes, types)) continue;
      try {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), contents.docs.get(file)?.data ?? '');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (SERVER_FAULTS.has(code)) throw e;
        throw new DomainError('INVALID_PUBLISH', `The tarball's files cannot be laid out as npm extracts them (${JSON.stringify(file.slice(0, 200))}: ${code || 'error'}).`);
      }
    }
    try {
      await pkg.fix({ changes: [] });
      await pkg.prepare({ steps: STEPS, root: dir });
    } catch (e) {
      throw new DomainError('INVALID_PUBLISH', `npm's preparation refuses the tarball's package.json: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
    }
    const prepared = structuredClone(pkg.content);
    const version = typeof prepared.version === 'string' ? semver.clean(prepared.version) : null;
    if (version !== null) prepared.version = version;
    return { raw, prepared };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
