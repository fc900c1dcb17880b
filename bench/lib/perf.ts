// Linux perf around measurements: where a load's server CPU goes, by symbol, in µs per
// response (cpu-clock samples ÷ the sampling rate ÷ the responses). Loads are measured in
// alternating turns so that the machine's drift is shared. Used by bench/perf-reads.ts and
// bench/perf-sweep.ts (docs/performance.md).

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type Load, measure } from './measure.ts';

/** perf's sampling rate (Hz). */
export const PERF_HZ = 4999;

/** One load measured under perf: its label, the server process to sample, the load for a duration (s). */
export interface PerfRun {
  label: string;
  pid: number;
  load: (seconds: number) => Load;
}

/** Per run: µs per response by symbol, the responses, the measured CPU per response (µs). */
export interface PerfCosts {
  bySymbol: Map<string, number>;
  responses: number;
  cpuUs: number;
}

/**
 * ROUNDS turns of every run (order rotating), SECONDS in all per run, each turn recorded by
 * `perf record -e cpu-clock` on the run's pid into DIR; returns each run's costs.
 */
export async function perfTurns(runs: PerfRun[], rounds: number, seconds: number, dir: string): Promise<PerfCosts[]> {
  const samples = runs.map(() => new Map<string, number>());
  const responses = runs.map(() => 0);
  const cpu = runs.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const i of runs.map((_, k) => (k + r) % runs.length)) {
      const run = runs[i];
      const data = join(dir, `perf-${run.label}-${r}.data`);
      const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(PERF_HZ), '-p', String(run.pid), '-o', data], { stdio: 'ignore' });
      await delay(300);
      const s = await measure(run.load(seconds / rounds));
      rec.kill('SIGINT');
      await new Promise((res) => rec.once('exit', res));
      responses[i] += s.ok;
      cpu[i] += s.cpuUs * s.ok;
      const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '--stdio', '-n'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      for (const line of report.split('\n')) {
        const hit = /^\s+[\d.]+%\s+(\d+)\s+\[.\]\s+(.*)$/.exec(line);
        if (!hit) continue;
        const name = hit[2].trim().replace(/ file:\/\/\S+/, '');
        samples[i].set(name, (samples[i].get(name) ?? 0) + Number(hit[1]));
      }
    }
  }
  return runs.map((_, i) => ({
    bySymbol: new Map([...samples[i]].map(([name, n]) => [name, (n * 1e6) / PERF_HZ / responses[i]])),
    responses: responses[i],
    cpuUs: cpu[i] / responses[i],
  }));
}

/**
 * Prints each run's CPU per response, then for each pair (a, b) the TOP symbols by a's cost
 * minus b's, with every run's cost in columns.
 */
export function printPerf(runs: PerfRun[], costs: PerfCosts[], pairs: Array<[number, number]>, top: number): void {
  const out = (s: string) => process.stdout.write(s);
  for (const [i, run] of runs.entries()) {
    const sampled = [...costs[i].bySymbol.values()].reduce((x, y) => x + y, 0);
    out(`${run.label}: ${costs[i].cpuUs.toFixed(1)} µs per response (${sampled.toFixed(1)} in perf's samples), ${costs[i].responses} responses\n`);
  }
  const at = (i: number, n: string) => costs[i].bySymbol.get(n) ?? 0;
  const names = [...new Set(costs.flatMap((c) => [...c.bySymbol.keys()]))];
  const row = (n: string) => `${costs.map((_, i) => at(i, n).toFixed(2).padStart(6)).join(' ')}  ${n.slice(0, 100)}\n`;
  for (const [a, b] of pairs) {
    out(`\nµs per response: ${runs.map((r) => r.label).join(', ')}; by ${runs[a].label} minus ${runs[b].label} (largest first)\n`);
    for (const n of [...names].sort((x, y) => at(a, y) - at(b, y) - (at(a, x) - at(b, x))).slice(0, top)) out(row(n));
  }
}
