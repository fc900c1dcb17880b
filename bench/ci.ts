// `npm run bench:ci`: how long `npm ci` of a real project (bench/ci-project: 562 packages from
// a lockfile made with the npm CLI for popular dependencies) takes straight from a local
// upstream registry, through Tessera proxying that upstream (cold cache, then warm), and
// through Verdaccio 6.8.0 proxying it through an uplink (cold, then warm). Rounds alternate the
// order; every figure is a median over the rounds, and ratios are medians of per-round ratios.
//
//   npm run bench:ci                          3 rounds (about 5-8 minutes here)
//   npm run bench:ci -- --quick               1 round
//   npm run bench:ci -- --rounds 5 --skip-verdaccio --skip-tessera
// Also: BENCH_OUT (results folder), BENCH_CI_CACHE (the upstream folder, default
// ~/.cache/tessera-bench/ci-upstream-<hash of the lockfile>), BENCH_CI_UPSTREAM_DELAY_MS (0:
// how late the upstream answers), BENCH_VERDACCIO_DIR.
//
// The first run downloads the lockfile's 547 tarballs (13.5 MB) once with `npm pack` from the
// public registry; nothing else ever leaves the machine: the timed installs run with the local
// registries only and a proxy setting that refuses any other host.

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureUpstream, lockEntries } from './lib/ci-upstream.ts';
import { assertLoopback } from './lib/client.ts';
import { cpuTimeUs, runBench, type Proc } from './lib/procs.ts';
import { fmtRatio, markdownTable, median } from './lib/report.ts';
import { cleanEnv, NoProxyError, proxySupported, repoRoot, startTessera, startUpstream, startVerdaccio, upstreamNoneArgs } from './lib/servers.ts';
import { resetUpstream, upstreamStats } from './lib/proxy.ts';

const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, 'skip-tessera': { type: 'boolean' }, 'skip-verdaccio': { type: 'boolean' } },
});
const rounds = Math.max(1, Number(flags.rounds ?? (flags.quick ? 1 : 3)) || 1);
const project = join(repoRoot, 'bench/ci-project');
const lockFile = join(project, 'package-lock.json');
const out = process.env.BENCH_OUT ?? mkdtempSync(join(tmpdir(), 'tessera-bench-ci-'));
mkdirSync(out, { recursive: true });
const log = (s: string) => process.stderr.write(`[bench:ci ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const procs: Proc[] = [];

type Scenario = 'straight' | 'tessera-cold' | 'tessera-warm' | 'verdaccio-cold' | 'verdaccio-warm';
const LABELS: Record<Scenario, string> = {
  straight: 'straight from the upstream',
  'tessera-cold': 'through Tessera, cold cache',
  'tessera-warm': 'through Tessera, warm cache',
  'verdaccio-cold': 'through Verdaccio 6.8.0, cold cache',
  'verdaccio-warm': 'through Verdaccio 6.8.0, warm cache',
};

interface Run {
  round: number;
  scenario: Scenario;
  /** Wall seconds of the whole `npm ci` process. */
  wallS: number;
  /** CPU seconds of npm and its children (user + system), from /usr/bin/time; NaN without it. */
  npmCpuS: number;
  /** CPU seconds of the registry npm talked to (the proxy; the upstream for straight). */
  registryCpuS: number;
  /** Requests that reached the upstream during the install. */
  upstreamRequests: number;
  exitCode: number;
  /** Packages in node_modules/.package-lock.json afterwards. */
  installed: number;
}

const runs: Run[] = [];
const notes: string[] = [];
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
let installs = 0;

function writeNpmrc(file: string): void {
  // A throwaway userconfig (field notes): nothing from ~/.npmrc, no update check, no audit. Any
  // host but loopback goes to a proxy that is not there, so a stray request fails at once.
  writeFileSync(file, ['update-notifier=false', 'fund=false', 'audit=false', 'progress=false', 'color=false', 'fetch-retries=0', 'proxy=http://127.0.0.1:9/', 'https-proxy=http://127.0.0.1:9/', 'noproxy=127.0.0.1,localhost', ''].join('\n'));
}

/** One `npm ci` of the project against a registry, from an empty npm cache and no node_modules. */
async function npmCi(registry: string, round: number, scenario: Scenario, serverPid: number, upstream: string): Promise<Run> {
  assertLoopback(registry);
  const dir = join(out, 'project');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(project, f), join(dir, f));
  const cache = join(out, `npm-cache-${installs++}`);
  const npmrc = join(out, 'npmrc');
  writeNpmrc(npmrc);
  const timeFile = join(out, 'time.txt');
  rmSync(timeFile, { force: true });
  const npmArgs = ['ci', '--registry', registry, '--userconfig', npmrc, '--cache', cache, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  const [cmd, args] = timeBin ? [timeBin, ['-f', '%U %S', '-o', timeFile, 'npm', ...npmArgs]] : ['npm', npmArgs];
  await resetUpstream(upstream);
  const cpu0 = cpuTimeUs(serverPid);
  const t0 = process.hrtime.bigint();
  const logFile = join(out, 'npm.log');
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(cmd, args, { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
    child.once('exit', (code) => {
      writeFileSync(logFile, `--- ${scenario} round ${round + 1}\n${text}`, { flag: 'a' });
      resolve(code ?? 1);
    });
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const registryCpuS = (cpuTimeUs(serverPid) - cpu0) / 1e6;
  const upstreamRequests = (await upstreamStats(upstream)).total;
  let npmCpuS = NaN;
  if (timeBin && existsSync(timeFile)) {
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
    if (m) npmCpuS = Number(m[1]) + Number(m[2]);
  }
  let installed = 0;
  try {
    installed = Object.keys((JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as { packages: object }).packages).length;
  } catch {
    /* a failed install */
  }
  rmSync(cache, { recursive: true, force: true });
  const run: Run = { round, scenario, wallS, npmCpuS, registryCpuS, upstreamRequests, exitCode, installed };
  if (exitCode !== 0) notes.push(`${LABELS[scenario]}, round ${round + 1}: npm ci exited ${exitCode} (see ${logFile})`);
  log(`  ${LABELS[scenario]}: ${wallS.toFixed(1)} s, ${installed} packages, ${upstreamRequests} upstream requests${exitCode ? `, EXIT ${exitCode}` : ''}`);
  return run;
}

async function stop(p: Proc | undefined): Promise<void> {
  if (!p) return;
  const i = procs.indexOf(p);
  if (i >= 0) procs.splice(i, 1);
  await p.stop();
}

/** A fresh proxy (empty cache): one cold install, then one warm. */
async function throughProxy(kind: 'tessera' | 'verdaccio', round: number, upstream: Proc): Promise<void> {
  const name = `${kind}-ci-${round}`;
  const p = kind === 'tessera' ? await startTessera(name, join(out, name), out, undefined, upstream.url) : await startVerdaccio(out, out, { url: upstream.url, patterns: ['@*/*', '**'] }, name);
  procs.push(p);
  try {
    runs.push(await npmCi(p.url, round, `${kind}-cold`, p.pid, upstream.url));
    runs.push(await npmCi(p.url, round, `${kind}-warm`, p.pid, upstream.url));
  } finally {
    await stop(p);
    rmSync(join(out, name), { recursive: true, force: true });
  }
}

const info: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, rounds, loadAverages: [] as number[] };

async function main(): Promise<void> {
  log(`results and logs in ${out}; ${rounds} round(s)`);
  const up = await ensureUpstream(lockFile, log);
  info.project = { packages: Object.keys((JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: object }).packages).length - 1, versions: lockEntries(lockFile).length, tarballMB: up.bytes / 1e6 };
  const upstream = await startUpstream('upstream', up.dir, out, Number(process.env.BENCH_CI_UPSTREAM_DELAY_MS ?? 0));
  procs.push(upstream);
  upstreamNoneArgs();
  const tessera = !flags['skip-tessera'] && proxySupported === true;
  info.tessera = flags['skip-tessera'] ? 'skipped' : tessera ? 'proxy' : 'n/a (no proxy in this build)';
  if (!flags['skip-tessera'] && !tessera) log('Tessera: no proxy in this build (tessera serve does not accept --upstream): its rows are n/a');
  // One install not counted: disk caches, npm's own start.
  log('warm-up install (not counted)');
  await npmCi(upstream.url, -1, 'straight', upstream.pid, upstream.url);
  for (let r = 0; r < rounds; r++) {
    (info.loadAverages as number[]).push(loadavg()[0]);
    log(`round ${r + 1}/${rounds} (load average ${loadavg()[0].toFixed(1)})`);
    const parts: (() => Promise<void>)[] = [async () => void runs.push(await npmCi(upstream.url, r, 'straight', upstream.pid, upstream.url))];
    if (tessera) {
      parts.push(async () => {
        try {
          await throughProxy('tessera', r, upstream);
        } catch (e) {
          if (e instanceof NoProxyError) throw e;
          notes.push(`Tessera, round ${r + 1}: ${(e as Error).message.slice(0, 500)}`);
        }
      });
    }
    if (!flags['skip-verdaccio']) parts.push(() => throughProxy('verdaccio', r, upstream));
    for (let i = 0; i < parts.length; i++) await parts[(i + r) % parts.length]();
  }
}

function table(): string {
  const of = (s: Scenario) => runs.filter((r) => r.scenario === s && r.round >= 0);
  const okRuns = (s: Scenario) => of(s).filter((r) => r.exitCode === 0);
  /** Median over rounds of a/b, both from the same round. */
  const ratio = (a: Scenario, b: Scenario) => {
    const xs: number[] = [];
    for (const x of okRuns(a)) {
      const y = okRuns(b).find((z) => z.round === x.round);
      if (y) xs.push(x.wallS / y.wallS);
    }
    return median(xs);
  };
  const na = (s: Scenario) => (s.startsWith('tessera') && info.tessera !== 'proxy' ? String(info.tessera) : '–');
  const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
  const goals: Partial<Record<Scenario, [Scenario, number][]>> = {
    'tessera-cold': [['straight', 1.5]],
    'tessera-warm': [['straight', 1.2], ['verdaccio-warm', 1.0]],
  };
  const rows: string[][] = [];
  for (const s of Object.keys(LABELS) as Scenario[]) {
    const xs = okRuns(s);
    if (xs.length === 0) {
      rows.push([LABELS[s], na(s), '–', '–', '–', '–', '–', '–', '–']);
      continue;
    }
    const wall = xs.map((x) => x.wallS);
    const g = (goals[s] ?? []).map(([b, max]) => {
      const v = ratio(s, b);
      return `÷ ${b} ${fmtRatio(v)} (≤ ${max}: ${Number.isFinite(v) ? (v <= max ? 'met' : 'MISSED') : 'n/a'})`;
    });
    rows.push([
      LABELS[s],
      `${f1(median(wall))} (${f1(Math.min(...wall))}–${f1(Math.max(...wall))})`,
      s === 'straight' ? '1.00' : fmtRatio(ratio(s, 'straight')),
      s.endsWith('warm') ? fmtRatio(ratio(s, s.replace('warm', 'cold') as Scenario)) : '–',
      f1(median(xs.map((x) => x.npmCpuS))),
      f1(median(xs.map((x) => x.registryCpuS))),
      String(median(xs.map((x) => x.upstreamRequests))),
      String(median(xs.map((x) => x.installed))),
      g.join('; ') || '–',
    ]);
  }
  const p = info.project as { packages: number; versions: number; tarballMB: number } | undefined;
  const head = `Date ${String(info.date).slice(0, 10)}, Node ${String(info.node)}, ${String(info.cpus)} cores (${String(info.cpuModel)}); \`npm ci\` of bench/ci-project (${p?.packages ?? '?'} packages, ${p?.versions ?? '?'} distinct versions, ${p ? p.tarballMB.toFixed(1) : '?'} MB of tarballs), each from an empty npm cache, --ignore-scripts; ${rounds} round(s), order rotating; load average at the rounds' starts: ${(info.loadAverages as number[]).map((x) => x.toFixed(1)).join(', ')}.`;
  const t = markdownTable(['install', 'wall s, median (min–max)', '÷ straight', 'warm ÷ cold', 'npm CPU s', 'registry CPU s', 'upstream requests', 'packages installed', 'targets'], rows);
  return [head, '', t, '', 'Ratios are medians of per-round ratios (both installs of a ratio ran minutes apart at most). "registry CPU" is the CPU time of the server npm talked to during the install (the static upstream for straight).', ...(notes.length ? ['', 'Notes:', ...notes.map((n) => `- ${n}`)] : [])].join('\n');
}

function report(): void {
  const text = table();
  writeFileSync(join(out, 'ci-results.json'), JSON.stringify({ info, runs, notes }, null, 2));
  writeFileSync(join(out, 'ci-table.md'), `${text}\n`);
  process.stdout.write(`\n${text}\n\nresults: ${join(out, 'ci-results.json')}\n`);
}

await runBench({ timeoutMin: Number(process.env.BENCH_TIMEOUT_MIN ?? 30), log, main, report, procs, cleanup: () => {
  for (const d of readdirSync(out)) if (d === 'project' || d.startsWith('npm-cache-') || /-ci-\d+$/.test(d)) rmSync(join(out, d), { recursive: true, force: true });
} });
