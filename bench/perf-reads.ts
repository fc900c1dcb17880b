// Where a read's CPU goes, by symbol, with Linux perf (cpu-clock samples; JS frames named
// through --perf-basic-prof): one Tessera, the same read with a token and without, and the
// ceiling (bench/ceiling.ts) answering the same bytes, side by side in µs per response.
// For finding what a token costs, and what Tessera costs beyond node:http (docs/performance.md).
//
//   node --import tsx bench/perf-reads.ts [KIND=abbreviated] [SECONDS=4] [TOP=40]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { couchLogin } from './lib/client.ts';
import { measure } from './lib/measure.ts';
import { PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { type ReadKind, readLoad, type Target } from './lib/scenarios.ts';
import { startCeiling, startTessera } from './lib/servers.ts';
import { capture, publishReadPackage, readPackageBodies } from './lib/setup.ts';

const kind = (process.argv[2] ?? 'abbreviated') as ReadKind;
const seconds = Number(process.argv[3] ?? 4);
const top = Number(process.argv[4] ?? 40);
const rounds = Number(process.argv[5] ?? 4);
/** perf's sampling rate (Hz). */
const HZ = 4999;
const dir = mkdtempSync(join(tmpdir(), 'tessera-perf-'));
process.env.BENCH_TESSERA_NODE_ARGS = `--perf-basic-prof ${process.env.BENCH_TESSERA_NODE_ARGS ?? ''}`;
try {
  const server = await startTessera('tessera', join(dir, 'data'), dir);
  const t: Target = { name: 'tessera', base: server.url, pid: server.pid, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com') };
  await publishReadPackage(t, readPackageBodies());
  await capture(t, join(dir, 'capture.json'));
  const ceiling = await startCeiling(join(dir, 'capture.json'), dir, ['--perf-basic-prof']);
  const c: Target = { name: 'ceiling', base: ceiling.url, pid: ceiling.pid, token: t.token };
  const runs: Array<[string, Target, boolean]> = [['bearer', t, true], ['anonymous', t, false], ['ceiling', c, true]];
  for (const [, target, auth] of runs) await measure(readLoad(target, kind, auth, 1));
  // ROUNDS turns of the three (order rotating), each recorded by perf; a symbol's cost is its
  // samples over all turns ÷ the sampling rate ÷ the responses: µs per response, drift shared.
  const costs = runs.map(() => new Map<string, number>());
  const responses = runs.map(() => 0);
  const cpu = runs.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const i of [0, 1, 2].map((k) => (k + r) % 3)) {
      const [label, target, auth] = runs[i];
      const data = join(dir, `perf-${label}-${r}.data`);
      const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(HZ), '-p', String(target.pid), '-o', data], { stdio: 'ignore' });
      await delay(300);
      const s = await measure(readLoad(target, kind, auth, seconds / rounds));
      rec.kill('SIGINT');
      await new Promise((res) => rec.once('exit', res));
      responses[i] += s.ok;
      cpu[i] += s.cpuUs * s.ok;
      const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '--stdio', '-n'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      for (const line of report.split('\n')) {
        const hit = /^\s+[\d.]+%\s+(\d+)\s+\[.\]\s+(.*)$/.exec(line);
        if (!hit) continue;
        const name = hit[2].trim().replace(/ file:\/\/\S+/, '');
        costs[i].set(name, (costs[i].get(name) ?? 0) + Number(hit[1]));
      }
    }
  }
  for (const [i, [label]] of runs.entries()) {
    for (const [name, n] of costs[i]) costs[i].set(name, (n * 1e6) / HZ / responses[i]);
    const sampled = [...costs[i].values()].reduce((x, y) => x + y, 0);
    process.stdout.write(`${label}: ${(cpu[i] / responses[i]).toFixed(1)} µs per response (${sampled.toFixed(1)} in perf's samples), ${responses[i]} responses\n`);
  }
  const [b, a, ceil] = costs;
  const at = (m: Map<string, number>, n: string) => m.get(n) ?? 0;
  const byDifference = (base: Map<string, number>, other: Map<string, number>) => (x: string, y: string) => at(base, y) - at(other, y) - (at(base, x) - at(other, x));
  const names = [...new Set([...b.keys(), ...a.keys(), ...ceil.keys()])];
  const row = (n: string) => `${at(b, n).toFixed(2).padStart(6)} ${at(a, n).toFixed(2).padStart(6)} ${at(ceil, n).toFixed(2).padStart(6)}  ${n.slice(0, 100)}\n`;
  process.stdout.write(`\nµs per response: bearer, anonymous, ceiling; by bearer minus anonymous (largest first)\n`);
  for (const n of [...names].sort(byDifference(b, a)).slice(0, top)) process.stdout.write(row(n));
  process.stdout.write(`\nµs per response: bearer, anonymous, ceiling; by anonymous minus ceiling (largest first)\n`);
  for (const n of [...names].sort(byDifference(a, ceil)).slice(0, top)) process.stdout.write(row(n));
} finally {
  killAll();
}
process.exit(0);
