// The local upstream of `npm run bench:ci`: every package version of a real package-lock.json,
// downloaded once with `npm pack NAME@VERSION` (the only step that reaches the public npm
// registry) and kept in a cache folder, with a packument per name built from the tarballs'
// own package.json files. bench/upstream.ts serves the folder.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { list } from 'tar';
import { UPSTREAM_BASE } from '../upstream.ts';

export interface LockEntry {
  name: string;
  version: string;
  /** sha512-… as in the lockfile. */
  integrity: string;
}

/** The distinct registry package versions of a lockfile v2/v3 (`packages`), links and bundled ones left out. */
export function lockEntries(lockFile: string): LockEntry[] {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: Record<string, { name?: string; version?: string; resolved?: string; integrity?: string; link?: boolean; inBundle?: boolean }> };
  const seen = new Map<string, LockEntry>();
  for (const [path, p] of Object.entries(lock.packages ?? {})) {
    if (!path || p.link || p.inBundle || !p.version || !p.integrity || !p.resolved?.startsWith('https://registry.npmjs.org/')) continue;
    const name = p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    seen.set(`${name}@${p.version}`, { name, version: p.version, integrity: p.integrity });
  }
  return [...seen.values()].sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name.localeCompare(b.name)));
}

export function tarballFile(name: string, version: string): string {
  return `${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

/** The cache folder for a lockfile: BENCH_CI_CACHE, else ~/.cache/tessera-bench/ci-upstream-<sha of the lockfile>. */
export function upstreamDir(lockFile: string): string {
  const hash = createHash('sha256').update(readFileSync(lockFile)).digest('hex').slice(0, 12);
  return process.env.BENCH_CI_CACHE ?? join(homedir(), '.cache', 'tessera-bench', `ci-upstream-${hash}`);
}

async function packageJsonOf(tgz: string): Promise<Record<string, unknown>> {
  let text = '';
  await list({
    file: tgz,
    filter: (p) => /^[^/]+\/package\.json$/.test(p),
    onReadEntry: (e) => {
      if (text) return e.resume();
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => {
        if (!text) text = Buffer.concat(chunks).toString('utf8');
      });
    },
  });
  if (!text) throw new Error(`${tgz} has no package.json`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The upstream folder for a lockfile, made once: tarballs/<name>/-/<file>.tgz, checked against
 * the lockfile's integrity, and packuments/<name>.json. Downloads with the npm CLI from the
 * public registry (setup only; nothing timed ever reaches it). Returns the folder.
 */
export async function ensureUpstream(lockFile: string, log: (s: string) => void): Promise<{ dir: string; packages: number; names: number; bytes: number }> {
  const dir = upstreamDir(lockFile);
  const ready = join(dir, 'READY.json');
  if (existsSync(ready)) return { dir, ...(JSON.parse(readFileSync(ready, 'utf8')) as { packages: number; names: number; bytes: number }) };
  const entries = lockEntries(lockFile);
  log(`building the local upstream in ${dir}: ${entries.length} package versions, downloaded once with npm pack`);
  rmSync(dir, { recursive: true, force: true });
  const work = join(dir, 'work');
  mkdirSync(join(work, 'packs'), { recursive: true });
  writeFileSync(join(work, 'npmrc'), 'update-notifier=false\nfund=false\naudit=false\n');
  let bytes = 0;
  for (let i = 0; i < entries.length; i += 40) {
    const batch = entries.slice(i, i + 40);
    const todo = batch.filter((e) => !existsSync(join(dir, 'tarballs', e.name, '-', tarballFile(e.name, e.version))));
    if (todo.length === 0) continue;
    const r = spawnSync('npm', ['pack', '--json', '--pack-destination', join(work, 'packs'), '--userconfig', join(work, 'npmrc'), '--cache', join(work, 'cache'), '--registry', 'https://registry.npmjs.org/', ...todo.map((e) => `${e.name}@${e.version}`)], {
      cwd: work,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 600_000,
    });
    if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr.slice(-2000)}`);
    const packed = JSON.parse(r.stdout) as { name: string; version: string; filename: string }[];
    for (const p of packed) {
      const e = todo.find((x) => x.name === p.name && x.version === p.version);
      if (!e) continue;
      const src = join(work, 'packs', p.filename);
      const data = readFileSync(src);
      const integrity = `sha512-${createHash('sha512').update(data).digest('base64')}`;
      if (integrity !== e.integrity) throw new Error(`${e.name}@${e.version}: downloaded tarball does not match the lockfile's integrity`);
      mkdirSync(join(dir, 'tarballs', e.name, '-'), { recursive: true });
      renameSync(src, join(dir, 'tarballs', e.name, '-', tarballFile(e.name, e.version)));
    }
    log(`  ${Math.min(i + 40, entries.length)}/${entries.length}`);
  }
  // One packument per name, from the tarballs' package.json and the lockfile's integrity.
  const byName = new Map<string, LockEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  mkdirSync(join(dir, 'packuments'), { recursive: true });
  for (const [name, es] of byName) {
    const versions: Record<string, unknown> = {};
    const time: Record<string, string> = { created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z' };
    for (const e of es) {
      const file = join(dir, 'tarballs', name, '-', tarballFile(name, e.version));
      const data = readFileSync(file);
      bytes += data.length;
      const pj = await packageJsonOf(file);
      versions[e.version] = {
        ...pj,
        name,
        version: e.version,
        _id: `${name}@${e.version}`,
        dist: {
          integrity: e.integrity,
          shasum: createHash('sha1').update(data).digest('hex'),
          tarball: `${UPSTREAM_BASE}${name}/-/${tarballFile(name, e.version)}`,
        },
      };
      time[e.version] = '2020-01-01T00:00:00.000Z';
    }
    const latest = es.map((e) => e.version).sort(semver.rcompare)[0];
    writeFileSync(join(dir, 'packuments', `${encodeURIComponent(name)}.json`), JSON.stringify({ _id: name, name, 'dist-tags': { latest }, versions, time }));
  }
  rmSync(work, { recursive: true, force: true });
  const info = { packages: entries.length, names: byName.size, bytes };
  writeFileSync(ready, JSON.stringify(info));
  log(`local upstream ready: ${info.packages} versions of ${info.names} names, ${(bytes / 1e6).toFixed(1)} MB of tarballs`);
  return { dir, ...info };
}

/** Number of tarballs in an upstream folder (a sanity check). */
export function countTarballs(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.tgz')) n++;
    }
  };
  walk(join(dir, 'tarballs'));
  return n;
}
