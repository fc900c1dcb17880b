// Scale: the read benchmark on a data folder seeded with 10,000 packages and 100,000 tokens,
// alternated with the small Tessera, and the seeded server's memory.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SeedResult } from '../seed.ts';
import { ABBREVIATED } from './client.ts';
import type { Load } from './measure.ts';
import { memoryOf } from './procs.ts';
import type { Results } from './report.ts';
import { inTurns, PKG, READ_CONNECTIONS, READ_KINDS, readLoad, reads, rotate, type Target } from './scenarios.ts';
import { codeRoot } from './servers.ts';

function seedOnce(dataDir: string, packages: number, tokens: number, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(codeRoot, 'bench/seed.ts'), '--data', dataDir, '--packages', String(packages), '--tokens', String(tokens)], {
      cwd: codeRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`seeding failed (${signal ?? `exit ${code}`})`));
    });
  });
}

/** Copies a seeded folder; tarballs are hard-linked (blobs are immutable: written to a temporary name, renamed, only ever unlinked). */
function copySeeded(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    if (entry === 'tarballs' && spawnSync('cp', ['-al', join(from, entry), join(to, entry)]).status === 0) continue;
    cpSync(join(from, entry), join(to, entry), { recursive: true });
  }
}

/**
 * A seeded data folder in dataDir. Seeding takes 1.5-4 minutes here, so the result is kept in
 * a cache folder named after the schema, the storage code and the seeder, and copied.
 */
export async function runSeed(dataDir: string, packages: number, tokens: number, timeoutMs: number): Promise<SeedResult & { cached: boolean }> {
  const hash = createHash('sha1').update(`${packages}/${tokens}`);
  for (const f of ['src/adapters/sqlite/migrations.ts', 'src/adapters/sqlite/tokens.ts', 'src/adapters/sqlite/packages.ts', 'src/adapters/fs-blobs.ts', 'bench/seed.ts']) {
    hash.update(existsSync(join(codeRoot, f)) ? readFileSync(join(codeRoot, f)) : f);
  }
  const cache = process.env.BENCH_SEED_CACHE ?? join(tmpdir(), `tessera-bench-seed-${hash.digest('hex').slice(0, 12)}`);
  const cached = existsSync(join(cache, 'SEED.json'));
  if (!cached) {
    rmSync(cache, { recursive: true, force: true });
    await seedOnce(cache, packages, tokens, timeoutMs);
  }
  copySeeded(cache, dataDir);
  return { ...(JSON.parse(readFileSync(join(dataDir, 'SEED.json'), 'utf8')) as SeedResult), cached };
}

/** Every seeded package in turn (a scan through a set larger than what stays hot). */
export const RANDOM_ROW = 'abbreviated, bearer, every seeded package in turn, 1,000 tokens';

/** One round: each read row on the small and the seeded server, alternating. */
export async function scaleRound(res: Results, round: number, small: Target, big: Target, durationS: number): Promise<void> {
  let i = 0;
  for (const kind of READ_KINDS) {
    for (const auth of [true, false]) await reads(res, round, kind, auth, rotate([small, big], round + i++), durationS);
  }
}

/**
 * Abbreviated reads of NAMES in turn (a stride through them: the worst case for an LRU smaller
 * than the set), each with the next of TOKENS, for SECONDS: the sweep with the seeded packages
 * and 1,000 seeded tokens (bench/load-worker.ts builds each request).
 */
export function sweepLoad(big: Target, names: string[], tokens: string[], seconds: number): Load {
  return {
    base: big.base,
    path: `/${names[0]}`,
    headers: { accept: ABBREVIATED },
    gen: { kind: 'scan', names, tokens },
    connections: READ_CONNECTIONS,
    durationS: seconds,
    pid: big.pid,
  };
}

/** Hot reads of the one read package on the seeded server, measured in turns with the sweep. */
export const HOT_BESIDE_SWEEP_ROW = 'abbreviated, bearer, one package, beside the sweep';

/**
 * The same hot reads, but each request built by the sweep's own generator (one name, one token):
 * the client then costs what it costs in the sweep, and the server runs at the sweep's rate. The
 * sweep's ratio is taken to this row, so that it measures the server's work only (autocannon
 * building each request anew is slower than replaying one, which made the sweep client-bound
 * and its server less busy, so each response cost more CPU for reasons that were not the data).
 */
export const HOT_SAME_CLIENT_ROW = 'abbreviated, bearer, one package, the sweep\'s client';

/**
 * Reads of every seeded package in turn, with many tokens (the cold path, and the memory it
 * fills), in turns with hot reads of one package on the same server (inTurns), as a plain
 * replayed request and through the sweep's generator: the sweep's ratio to hot reads is then
 * of measurements a second apart, not minutes (the machine's speed drifts by more than the
 * distance to the target between the two).
 */
export async function scanRound(res: Results, round: number, big: Target, seedInfo: SeedResult, durationS: number): Promise<void> {
  const sweep: Target = { ...big };
  const hot: Target = { ...big };
  const hotSameClient: Target = { ...big };
  const samples = await inTurns(rotate([sweep, hot, hotSameClient], round), durationS, (t, seconds) =>
    t === sweep ? sweepLoad(big, seedInfo.samplePackages, seedInfo.sampleTokens, seconds) : t === hot ? readLoad(big, 'abbreviated', true, seconds) : sweepLoad(big, [PKG], [big.token], seconds),
  );
  res.record(RANDOM_ROW, big.name, round, samples.get(sweep)!);
  res.record(HOT_BESIDE_SWEEP_ROW, big.name, round, samples.get(hot)!);
  res.record(HOT_SAME_CLIENT_ROW, big.name, round, samples.get(hotSameClient)!);
}

export function memoryLine(name: string, pid: number): { name: string; rssMb: number; peakMb: number } {
  const m = memoryOf(pid);
  return { name, rssMb: m?.rssMb ?? NaN, peakMb: m?.peakMb ?? NaN };
}
