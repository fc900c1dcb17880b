// Where a read's CPU goes, by symbol, with Linux perf (cpu-clock samples; JS frames named
// through --perf-basic-prof): one Tessera, the same read with a token and without, and the
// ceiling (bench/ceiling.ts) answering the same bytes, side by side in µs per response.
// For finding what a token costs, and what Tessera costs beyond node:http (docs/performance.md).
//
//   node --import tsx bench/perf-reads.ts [KIND=abbreviated] [SECONDS=4] [TOP=40]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { couchLogin } from './lib/client.ts';
import { measure } from './lib/measure.ts';
import { type PerfRun, perfTurns, printPerf } from './lib/perf.ts';
import { PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { type ReadKind, readLoad, type Target } from './lib/scenarios.ts';
import { startCeiling, startTessera } from './lib/servers.ts';
import { capture, publishReadPackage, readPackageBodies } from './lib/setup.ts';

const kind = (process.argv[2] ?? 'abbreviated') as ReadKind;
const seconds = Number(process.argv[3] ?? 4);
const top = Number(process.argv[4] ?? 40);
const rounds = Number(process.argv[5] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'tessera-perf-'));
process.env.BENCH_TESSERA_NODE_ARGS = `--perf-basic-prof ${process.env.BENCH_TESSERA_NODE_ARGS ?? ''}`;
try {
  const server = await startTessera('tessera', join(dir, 'data'), dir);
  const t: Target = { name: 'tessera', base: server.url, pid: server.pid, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com') };
  await publishReadPackage(t, readPackageBodies());
  await capture(t, join(dir, 'capture.json'));
  const ceiling = await startCeiling(join(dir, 'capture.json'), dir, ['--perf-basic-prof']);
  const c: Target = { name: 'ceiling', base: ceiling.url, pid: ceiling.pid, token: t.token };
  const runs: PerfRun[] = [
    { label: 'bearer', pid: t.pid!, load: (s) => readLoad(t, kind, true, s) },
    { label: 'anonymous', pid: t.pid!, load: (s) => readLoad(t, kind, false, s) },
    { label: 'ceiling', pid: c.pid!, load: (s) => readLoad(c, kind, true, s) },
  ];
  for (const run of runs) await measure(run.load(1));
  printPerf(runs, await perfTurns(runs, rounds, seconds, dir), [[0, 1], [1, 2]], top);
} finally {
  killAll();
}
process.exit(0);
