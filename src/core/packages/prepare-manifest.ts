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
//
// Cost: a publish runs this once, so it is kept small. The folder lives in /dev/shm (memory)
// where there is one, is written with synchronous calls (a few small files, at most 1 MiB of
// README/AUTHORS text: microseconds on tmpfs, where the promise API costs a millisecond), and
// the steps that read the folder run only when a file or field they look for exists (their
// globs are most of the library's time): `gypfile` with a root *.gyp, `serverjs` with
// server.js, `authors` with AUTHORS, `readme` with a README*, `mans`/`binDir` with
// directories.man/.bin, `fillTypes` with the .d.ts beside `main`. Without its trigger each of
// those steps changes nothing, except `readme`, which would write the placeholder "ERROR: No
// README data found!" that Tessera leaves out. When none of those steps runs and the files
// cannot clash (none, or the one README the shortcut below reads from memory), no folder is made.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { accessSync, constants, mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * npm's preparation asks hosted-git-info's `fromUrl` about the repository URL and every
 * dependency spec, twice (`fix`, then `normalizeData`). The library caches the git hosts it
 * finds but not a miss (its LRU cache drops an undefined value), and a miss ("^1.2.0", a URL
 * of an unknown host) costs one or two failed `new URL()`s each time: a third of the
 * preparation. So misses of plain one-argument calls are remembered here (the answer depends
 * on the string alone; at most 10,000 strings of at most 512 characters, then forgotten at
 * once), on the very module @npmcli/package-json loads. Found hosts go to the library's cache.
 */
const GitHost = createRequire(createRequire(import.meta.url).resolve('@npmcli/package-json'))('hosted-git-info') as {
  fromUrl: (giturl: unknown, opts?: unknown) => unknown;
};
const uncachedFromUrl = GitHost.fromUrl;
const gitUrlMisses = new Set<string>();
let MEMO_GIT_URLS = true;
/** Off only in the test that holds the remembered misses to the library's own answers. */
export function useGitUrlMemo(on: boolean): void {
  MEMO_GIT_URLS = on;
  gitUrlMisses.clear();
}
GitHost.fromUrl = function fromUrl(this: unknown, giturl: unknown, opts?: unknown): unknown {
  const memo = MEMO_GIT_URLS && opts === undefined && typeof giturl === 'string' && giturl.length <= 512;
  if (memo && gitUrlMisses.has(giturl)) return undefined;
  const found = uncachedFromUrl.call(this, giturl, opts);
  if (memo && found === undefined) {
    if (gitUrlMisses.size >= 10_000) gitUrlMisses.clear();
    gitUrlMisses.add(giturl);
  }
  return found;
};

/** `gitHead` looks for a .git folder above the package folder: outside the tarball, and no field Tessera compares. */
const STEPS = PackageJson.prepareSteps.filter((s) => s !== 'gitHead');

/** Off only in the test that compares the shortcut with the library's own `readme` step. */
let FAST_README = true;
export function useReadmeShortcut(on: boolean): void {
  FAST_README = on;
}

/** Where the temporary folders go: memory (/dev/shm) when it is there and writable. */
const SCRATCH = (() => {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
})();

/**
 * The prepare steps that read the folder, each with what must exist for it to change anything.
 * `oneReadme`: the package has exactly one README* file, which prepareManifest then sets itself
 * (the `readme` step's glob is most of its cost, and with one candidate its choice is that
 * file: test/unit/prepare-manifest.test.ts holds the two to the same answer).
 */
function stepsFor(raw: Record<string, unknown>, laidOut: string[], types: string | null, oneReadme: boolean): string[] {
  const top = laidOut.filter((f) => !f.includes('/'));
  const directories = (raw.directories ?? {}) as Record<string, unknown>;
  const needs: Record<string, boolean> = {
    gypfile: top.some((f) => /\.gyp$/i.test(f)),
    serverjs: top.includes('server.js'),
    authors: top.includes('AUTHORS'),
    readme: !oneReadme && top.some((f) => isDocFile(f) && f !== 'AUTHORS'),
    mans: directories.man !== undefined,
    binDir: directories.bin !== undefined,
    fillTypes: types !== null && laidOut.includes(types),
  };
  return STEPS.filter((step) => needs[step] ?? true);
}
/** The steps that read the package folder (stepsFor keeps each only when what it reads is there). */
const FOLDER_STEPS = new Set(['gypfile', 'serverjs', 'authors', 'readme', 'mans', 'binDir', 'fillTypes']);

/** Whether these files (none, or one top-level file however often named) can be laid out without clashing or failing. */
function cannotClash(files: string[]): boolean {
  if (files.length === 0) return true;
  const f = files[0];
  return files.every((x) => x === f) && !f.includes('/') && !f.includes('\0') && Buffer.byteLength(f) <= 255;
}

/**
 * The folder the steps are given when none of them reads it: never made (a name no one can
 * guess, one per process), so the only step that still looks (`binRefs`, which only logs a
 * warning for a missing bin file) finds nothing.
 */
const ABSENT = join(SCRATCH, `tessera-manifest-${randomBytes(8).toString('hex')}-none`);

/**
 * A private temporary folder in SCRATCH, made with `make` (mkdtemp), with the files written to
 * it; `remove` takes away what was made: top-level files one by one, anything deeper recursively.
 */
class ScratchFolder {
  path = ABSENT;
  #made = false;
  #nested = false;
  readonly #files: string[] = [];

  make(): void {
    this.path = mkdtempSync(join(SCRATCH, 'tessera-manifest-'));
    this.#made = true;
  }

  /** Writes `rel` (a relative path) with its folders, as an extractor would. */
  write(rel: string, data: Buffer | string): void {
    const file = join(this.path, rel);
    if (rel.includes('/')) {
      this.#nested = true;
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    }
    writeFileSync(file, data, { mode: 0o600 });
    this.#files.push(file);
  }

  remove(): void {
    if (!this.#made) return;
    if (!this.#nested) {
      try {
        for (const f of this.#files) rmSync(f, { force: true });
        rmdirSync(this.path);
        return;
      } catch {
        // anything unexpected: the recursive removal below
      }
    }
    rmSync(this.path, { recursive: true, force: true });
  }
}

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
  const folder = new ScratchFolder();
  try {
    let content: Record<string, unknown>;
    let raw: Record<string, unknown>;
    try {
      // As load(dir) would read it (the steps read other files, never package.json again).
      content = new PackageJson().fromJSON(contents.packageJson).content;
      if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error('not an object');
      raw = structuredClone(content);
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
    const laidOut = contents.files.filter((file) => file !== 'package.json' && wanted(file, prefixes, types));
    // One README: what the `readme` step would choose, set here without its glob.
    // The step takes a name ending like .md/.markdown (any case) or exactly in "README".
    const readmes = laidOut.filter((f) => !f.includes('/') && f !== 'AUTHORS' && isDocFile(f));
    const chosen = readmes.length === 1 && (/\.m?a?r?k?d?o?w?n?$/i.test(readmes[0]) || readmes[0].endsWith('README'));
    const oneReadme = chosen && FAST_README && typeof raw.readme !== 'string' ? readmes[0] : null;
    const steps = stepsFor(raw, laidOut, types, oneReadme !== null);
    // The folder is written when a step reads it, or when its files could clash (laying them out
    // is what refuses that): most packages have one README there and need no folder at all.
    if (steps.some((step) => FOLDER_STEPS.has(step)) || !cannotClash(laidOut)) {
      folder.make();
      for (const file of laidOut) {
        try {
          folder.write(file, contents.docs.get(file)?.data ?? '');
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (SERVER_FAULTS.has(code)) throw e;
          throw new DomainError('INVALID_PUBLISH', `The tarball's files cannot be laid out as npm extracts them (${JSON.stringify(file.slice(0, 200))}: ${code || 'error'}).`);
        }
      }
    }
    const pkg = new PackageJson().create(folder.path).fromContent(content);
    try {
      await pkg.fix({ changes: [] });
      if (oneReadme !== null && !pkg.content.readme) {
        pkg.content.readme = (contents.docs.get(oneReadme)?.data ?? Buffer.alloc(0)).toString('utf8');
        pkg.content.readmeFilename = oneReadme;
      }
      await pkg.prepare({ steps, root: folder.path });
    } catch (e) {
      throw new DomainError('INVALID_PUBLISH', `npm's preparation refuses the tarball's package.json: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
    }
    const prepared = pkg.content; // pkg is dropped here: its content needs no copy
    const version = typeof prepared.version === 'string' ? semver.clean(prepared.version) : null;
    if (version !== null) prepared.version = version;
    return { raw, prepared };
  } finally {
    folder.remove();
  }
}
