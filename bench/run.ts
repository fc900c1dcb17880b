// `npm run bench`: Tessera against Verdaccio 6.8.0 (JWT tokens) and a plain node:http server
// replaying Tessera's bytes from memory (the ceiling), side by side, alternating, median of
// the rounds; then the reads again on a folder seeded with 10,000 packages and 100,000 tokens.
//
//   npm run bench                     full run (8-13 min): BENCH_DURATION=4 s, BENCH_ROUNDS=3
//   npm run bench -- --quick          smoke run (~1 min): 1 s, 1 round, a small seed
//   npm run bench -- --skip-scale     without the seeded folder
//   npm run bench -- --skip-proxy     without the proxied reads (n/a anyway in a build without --upstream)
// Also: BENCH_SCALE_PACKAGES, BENCH_SCALE_TOKENS, BENCH_TIMEOUT_MIN (15), BENCH_OUT (results
// folder), BENCH_CPU_PROF=DIR (Tessera runs with --cpu-prof), BENCH_VERDACCIO_DIR,
// BENCH_UPSTREAM_DELAY_MS (50: how late the local upstream answers the proxies), BENCH_LOAD_PROCS
// (1: load-generator processes per load), BENCH_CLIENT_BOUND (0.9 cores: a row is client-bound).
// Every Tessera is started with `--upstream none` (when the build has the option) except the
// proxying one, whose upstream is a local static registry: nothing leaves the machine.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { couchLogin } from './lib/client.ts';
import { measure } from './lib/measure.ts';
import { PASSWORD } from './lib/packages.ts';
import { runBench, type Proc } from './lib/procs.ts';
import { render } from './lib/render.ts';
import { Results } from './lib/report.ts';
import { memoryLine, runSeed, scaleRound, scanRound } from './lib/scale.ts';
import { checkProxied, PROXIED_PATTERNS, proxyRound, type Stampede, writeBenchUpstream } from './lib/proxy.ts';
import { logins, publishes, READ_KINDS, readLoad, reads, rotate, storm, type Target } from './lib/scenarios.ts';
import { NoProxyError, snapshotCode, startCeiling, startTessera, startUpstream, startVerdaccio } from './lib/servers.ts';
import { capture, checkReads, publishReadPackage, readPackageBodies } from './lib/setup.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, 'skip-scale': { type: 'boolean' }, 'skip-verdaccio': { type: 'boolean' }, 'skip-proxy': { type: 'boolean' } } });
const quick = flags.quick === true;
const num = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) ? Number(v) : d);
export const cfg = {
  durationS: num(process.env.BENCH_DURATION, quick ? 1 : 4),
  rounds: Math.max(1, num(process.env.BENCH_ROUNDS, quick ? 1 : 3)),
  scale: !flags['skip-scale'],
  verdaccio: !flags['skip-verdaccio'],
  proxy: !flags['skip-proxy'],
  upstreamDelayMs: num(process.env.BENCH_UPSTREAM_DELAY_MS, 50),
  scalePackages: num(process.env.BENCH_SCALE_PACKAGES, quick ? 300 : 10_000),
  scaleTokens: num(process.env.BENCH_SCALE_TOKENS, quick ? 3000 : 100_000),
  timeoutMin: num(process.env.BENCH_TIMEOUT_MIN, 15),
  cpuProfDir: process.env.BENCH_CPU_PROF,
};

const out = process.env.BENCH_OUT ?? mkdtempSync(join(tmpdir(), 'tessera-bench-'));
mkdirSync(out, { recursive: true });
const procs: Proc[] = [];
const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function stop(p: Proc | undefined): Promise<void> {
  if (!p) return;
  const i = procs.indexOf(p);
  if (i >= 0) procs.splice(i, 1);
  await p.stop();
}

async function warm(targets: Target[], seconds: number): Promise<void> {
  for (const t of targets) for (const kind of READ_KINDS) await measure(readLoad(t, kind, true, seconds));
}

const res = new Results();
const info: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, cfg };

/** The 1-minute load average at the start of every round: how busy the machine was. */
const load: number[] = [];
info.loadAverages = load;

async function main(): Promise<void> {
  log(`results and logs in ${out}; ${cfg.rounds} round(s) of ${cfg.durationS} s per measurement`);
  if (process.env.BENCH_SNAPSHOT !== '0') info.code = snapshotCode(join(out, 'code'));

  const bodies = readPackageBodies();
  const tessera = await startTessera('tessera', join(out, 'data-small'), out, cfg.cpuProfDir);
  procs.push(tessera);
  // The proxies' upstream: bench-pkg's versions under other names, from a static registry.
  let upstream: Awaited<ReturnType<typeof startUpstream>> | undefined;
  if (cfg.proxy) {
    writeBenchUpstream(join(out, 'upstream'), bodies);
    upstream = await startUpstream('upstream', join(out, 'upstream'), out, cfg.upstreamDelayMs);
    procs.push(upstream);
  }
  const verdaccio = cfg.verdaccio ? await startVerdaccio(out, out, upstream ? { url: upstream.url, patterns: PROXIED_PATTERNS } : undefined) : undefined;
  if (verdaccio) procs.push(verdaccio);
  const T: Target = { name: 'tessera', base: tessera.url, pid: tessera.pid, token: await couchLogin(tessera.url, 'bench', PASSWORD, 'bench@example.com') };
  const V: Target | null = verdaccio ? { name: 'verdaccio', base: verdaccio.url, pid: verdaccio.pid, token: await couchLogin(verdaccio.url, 'bench', PASSWORD, 'bench@example.com') } : null;
  for (const t of [T, V]) {
    if (!t) continue;
    await publishReadPackage(t, bodies);
    await checkReads(t);
  }
  info.sizes = (await capture(T, join(out, 'capture.json'))).sizes;
  const ceiling = await startCeiling(join(out, 'capture.json'), out);
  procs.push(ceiling);
  const C: Target = { name: 'ceiling', base: ceiling.url, pid: ceiling.pid, token: T.token };
  await checkReads(C);
  const servers = [T, V, C].filter((t): t is Target => t !== null);
  log('warming up');
  await warm(servers, quick ? 0.5 : 1);

  for (let r = 0; r < cfg.rounds; r++) {
    log(`round ${r + 1}/${cfg.rounds}: reads (load average ${loadavg()[0].toFixed(1)})`);
    load.push(loadavg()[0]);
    let i = 0;
    for (const kind of READ_KINDS) {
      // Bearer first in even rounds, anonymous first in odd ones: neither always follows the
      // same neighbour.
      for (const auth of r % 2 ? [false, true] : [true, false]) {
        // The ceiling ignores credentials: it is measured once per kind, with the bearer header.
        const order = rotate(auth ? servers : servers.filter((s) => s !== C), r + i++);
        await reads(res, r, kind, auth, order, cfg.durationS);
      }
    }
    const registries = rotate([T, V].filter((t): t is Target => t !== null), r);
    log(`round ${r + 1}/${cfg.rounds}: publishes, logins, login storm`);
    await publishes(res, r, registries, cfg.durationS);
    await logins(res, r, registries, cfg.durationS);
    await storm(res, r, registries, cfg.durationS);
  }
  info.memory = [memoryLine('tessera', tessera.pid)];
  if (upstream) await proxied(upstream.url, V, [T, C]);

  if (cfg.scale) {
    await stop(ceiling);
    await stop(verdaccio);
    log(`seeding ${cfg.scalePackages} packages and ${cfg.scaleTokens} tokens`);
    const seedInfo = await runSeed(join(out, 'data-scale'), cfg.scalePackages, cfg.scaleTokens, 8 * 60_000);
    info.seed = { packages: seedInfo.packages, versions: seedInfo.versions, users: seedInfo.users, tokens: seedInfo.tokens, seconds: seedInfo.seconds, cached: seedInfo.cached };
    log(seedInfo.cached ? 'seeded folder copied from the cache' : `seeded in ${seedInfo.seconds.toFixed(0)} s`);
    const big = await startTessera('tessera-10k', join(out, 'data-scale'), out, cfg.cpuProfDir);
    procs.push(big);
    const B: Target = { name: 'tessera-10k', base: big.url, pid: big.pid, token: seedInfo.benchToken };
    // The small case: a fresh server with the same history as the seeded one, minus the seed.
    await stop(tessera);
    const small = await startTessera('tessera-small', join(out, 'data-small-2'), out, cfg.cpuProfDir);
    procs.push(small);
    const S: Target = { name: 'tessera-small', base: small.url, pid: small.pid, token: await couchLogin(small.url, 'bench', PASSWORD, 'bench@example.com') };
    for (const t of [S, B]) {
      await publishReadPackage(t, bodies);
      await checkReads(t);
    }
    await warm([S, B], quick ? 0.5 : 1);
    for (let r = 0; r < cfg.rounds; r++) {
      log(`scale round ${r + 1}/${cfg.rounds} (load average ${loadavg()[0].toFixed(1)})`);
      load.push(loadavg()[0]);
      await scaleRound(res, r, S, B, cfg.durationS);
    }
    const afterReads = memoryLine('tessera-10k', big.pid);
    log('reading every seeded package');
    for (let r = 0; r < cfg.rounds; r++) await scanRound(res, r, B, seedInfo, cfg.durationS);
    info.memory = [...(info.memory as object[]), memoryLine('tessera-small', small.pid), afterReads, memoryLine('tessera-10k after reading every package', big.pid)];
  }
}

/**
 * The proxied rows: a Tessera with `--upstream` (n/a when the build has no such option) and
 * Verdaccio's uplink, warm reads and the 50-client stampedes. A failure here is reported in the
 * table and does not stop the run.
 */
async function proxied(upstreamUrl: string, V: Target | null, references: Target[]): Promise<void> {
  const stampedes: Stampede[] = [];
  info.stampedes = stampedes;
  info.proxy = 'tessera';
  let proxy: Proc | undefined;
  try {
    try {
      proxy = await startTessera('tessera-proxy', join(out, 'data-proxy'), out, cfg.cpuProfDir, upstreamUrl);
      procs.push(proxy);
    } catch (e) {
      if (!(e instanceof NoProxyError)) throw e;
      info.proxy = 'none';
      log('proxied reads: no proxy in this build (tessera serve does not accept --upstream); Verdaccio only');
    }
    const P: Target | null = proxy ? { name: 'tessera-proxy', base: proxy.url, pid: proxy.pid, token: await couchLogin(proxy.url, 'bench', PASSWORD, 'bench@example.com') } : null;
    const proxies = [P, V].filter((t): t is Target => t !== null);
    if (proxies.length === 0) return;
    for (const t of proxies) await checkProxied(t);
    for (const t of proxies) for (const kind of ['abbreviated', 'tarball'] as const) await measure(readLoad(t, kind, true, quick ? 0.5 : 1, 'bench-up'));
    for (let r = 0; r < cfg.rounds; r++) {
      log(`round ${r + 1}/${cfg.rounds}: proxied reads (load average ${loadavg()[0].toFixed(1)})`);
      await proxyRound(res, stampedes, r, proxies, references, upstreamUrl, cfg.durationS);
    }
  } catch (e) {
    info.proxyError = (e as Error).message;
    log(`proxied reads failed: ${(e as Error).stack ?? String(e)}`);
  } finally {
    await stop(proxy);
  }
}

/** The table of whatever was measured (also after a failure). */
function report(): void {
  const text = render(res, info);
  writeFileSync(join(out, 'results.json'), JSON.stringify({ info, ...(res.toJSON() as object) }, null, 2));
  writeFileSync(join(out, 'table.md'), text);
  process.stdout.write(`\n${text}\nresults: ${join(out, 'results.json')}\n`);
}

await runBench({ timeoutMin: cfg.timeoutMin, log, main, report, procs, cleanup: () => {
  for (const d of ['data-small', 'data-small-2', 'data-scale', 'data-proxy', 'upstream', 'verdaccio', 'code']) rmSync(join(out, d), { recursive: true, force: true });
} });
