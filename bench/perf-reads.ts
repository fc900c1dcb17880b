// Where a read's CPU goes, by symbol, with Linux perf (cpu-clock samples; JS frames named
// through --perf-basic-prof): one Tessera, the same read with a token and without, side by side.
// For finding what a token costs beyond the JavaScript that checks it (docs/performance.md).
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
import { startTessera } from './lib/servers.ts';
import { publishReadPackage, readPackageBodies } from './lib/setup.ts';

const kind = (process.argv[2] ?? 'abbreviated') as ReadKind;
const seconds = Number(process.argv[3] ?? 4);
const top = Number(process.argv[4] ?? 40);
const dir = mkdtempSync(join(tmpdir(), 'tessera-perf-'));
process.env.BENCH_TESSERA_NODE_ARGS = `--perf-basic-prof ${process.env.BENCH_TESSERA_NODE_ARGS ?? ''}`;
try {
  const server = await startTessera('tessera', join(dir, 'data'), dir);
  const t: Target = { name: 'tessera', base: server.url, pid: server.pid, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com') };
  await publishReadPackage(t, readPackageBodies());
  for (const auth of [true, false]) await measure(readLoad(t, kind, auth, 1));
  const shares: Array<Map<string, number>> = [];
  for (const auth of [true, false]) {
    const data = join(dir, `perf-${auth ? 'bearer' : 'anonymous'}.data`);
    const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '4999', '-p', String(t.pid), '-o', data], { stdio: 'ignore' });
    await delay(500);
    const s = await measure(readLoad(t, kind, auth, seconds));
    rec.kill('SIGINT');
    await new Promise((r) => rec.once('exit', r));
    process.stdout.write(`${auth ? 'bearer' : 'anonymous'}: ${s.cpuUs.toFixed(1)} µs per response, ${s.ok} responses\n`);
    const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '--stdio'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    const m = new Map<string, number>();
    for (const line of report.split('\n')) {
      const hit = /^\s+([\d.]+)%\s+\[.\]\s+(.*)$/.exec(line);
      if (hit) m.set(hit[2].trim(), Number(hit[1]));
    }
    shares.push(m);
  }
  const [b, a] = shares;
  const names = [...new Set([...b.keys(), ...a.keys()])].sort((x, y) => (b.get(y) ?? 0) - (a.get(y) ?? 0) - ((b.get(x) ?? 0) - (a.get(x) ?? 0)));
  process.stdout.write(`\nshare of samples: bearer, anonymous, difference (largest first)\n`);
  for (const n of names.slice(0, top)) process.stdout.write(`${(b.get(n) ?? 0).toFixed(2).padStart(6)} ${(a.get(n) ?? 0).toFixed(2).padStart(6)} ${((b.get(n) ?? 0) - (a.get(n) ?? 0)).toFixed(2).padStart(6)}  ${n.slice(0, 110)}\n`);
} finally {
  killAll();
}
process.exit(0);
