// Where the sweep's CPU goes beyond hot reads, by symbol, with Linux perf: the seeded server
// (10,000 packages, 100,000 tokens; bench/lib/scale.ts), first read through once so that the
// sweep is warm, then the sweep (every package in turn, 1,000 tokens) and hot reads of one
// package with one token through the same request generator, in alternating turns, in µs per
// response.
//
//   node --import tsx bench/perf-sweep.ts [SECONDS=8] [TOP=40] [ROUNDS=4] [WARM_SECONDS=10]
//   COLD=1: no read-through first (the cold path's cost); BENCH_CPU_PROF=DIR: the server's V8 profile
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './lib/measure.ts';
import { type PerfRun, perfTurns, printPerf } from './lib/perf.ts';
import { killAll } from './lib/procs.ts';
import { runSeed, sweepLoad } from './lib/scale.ts';
import { PKG, readLoad, type Target } from './lib/scenarios.ts';
import { startTessera } from './lib/servers.ts';
import { checkReads, publishReadPackage, readPackageBodies } from './lib/setup.ts';

const seconds = Number(process.argv[2] ?? 8);
const top = Number(process.argv[3] ?? 40);
const rounds = Number(process.argv[4] ?? 4);
const warmSeconds = Number(process.argv[5] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tessera-perf-'));
process.env.BENCH_TESSERA_NODE_ARGS = `--perf-basic-prof ${process.env.BENCH_TESSERA_NODE_ARGS ?? ''}`;
try {
  const seedInfo = await runSeed(join(dir, 'data'), Number(process.env.BENCH_SCALE_PACKAGES ?? 10_000), Number(process.env.BENCH_SCALE_TOKENS ?? 100_000), 8 * 60_000);
  const server = await startTessera('tessera-10k', join(dir, 'data'), dir, process.env.BENCH_CPU_PROF);
  const big: Target = { name: 'tessera-10k', base: server.url, pid: server.pid, token: seedInfo.benchToken };
  await publishReadPackage(big, readPackageBodies());
  await checkReads(big);
  await measure(readLoad(big, 'abbreviated', true, 1));
  if (process.env.COLD !== '1') await measure(sweepLoad(big, seedInfo.samplePackages, seedInfo.sampleTokens, warmSeconds));
  const runs: PerfRun[] = [
    { label: 'sweep', pid: server.pid, load: (s) => sweepLoad(big, seedInfo.samplePackages, seedInfo.sampleTokens, s) },
    { label: 'hot', pid: server.pid, load: (s) => sweepLoad(big, [PKG], [big.token], s) },
  ];
  printPerf(runs, await perfTurns(runs, rounds, seconds, dir), [[0, 1]], top);
  await server.stop(); // a graceful exit writes the V8 profile
} finally {
  killAll();
}
process.exit(0);
