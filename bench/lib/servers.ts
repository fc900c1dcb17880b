// Starting the three servers the benchmark compares: Tessera (bin/tessera.js), Verdaccio
// 6.8.0 with the anchor's config (JWT tokens) on a port of its own, and the ceiling.

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { freePort, type Proc, spawnNode } from './procs.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Where the servers' code is taken from: the work tree, or a copy of it made at the start. */
export let codeRoot = repoRoot;

/**
 * Copies the code under test (src, bin, bench, test/support) so that edits made to the work
 * tree during the run cannot change or break the servers halfway. Returns the git revision.
 */
export function snapshotCode(dir: string): string {
  for (const part of ['src', 'bin', 'bench', 'test/support', 'package.json', 'tsconfig.json']) {
    cpSync(join(repoRoot, part), join(dir, part), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  codeRoot = dir;
  const git = (args: string[]) => spawnSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).stdout?.trim() ?? '';
  const dirty = git(['status', '--porcelain', '--', 'src', 'bin']).split('\n').filter(Boolean).length;
  return `${git(['rev-parse', '--short', 'HEAD']) || 'unknown'}${dirty ? ` + ${dirty} uncommitted file(s) in src/bin` : ''}`;
}

export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TESSERA_|npm_)/i.test(k)) env[k] = v;
  return env;
}

/** Thrown when a proxying Tessera is asked for and this build has no `--upstream` option. */
export class NoProxyError extends Error {
  constructor() {
    super('no proxy in this build (tessera serve does not accept --upstream)');
  }
}

/** Whether this build's `tessera serve` accepts `--upstream`; unknown until the first start. */
export let proxySupported: boolean | undefined;

/**
 * Starts `tessera serve` on a free loopback port. `upstream` is the proxy's upstream URL, or
 * 'none' (the default: no request may ever leave for the public registry). A build without
 * the option is started without it for 'none', and refused with NoProxyError for a URL.
 */
export async function startTessera(name: string, dataDir: string, logDir: string, cpuProfDir?: string, upstream = 'none'): Promise<Proc> {
  if (proxySupported === false && upstream !== 'none') throw new NoProxyError();
  // BENCH_TESSERA_NODE_ARGS: Node options for Tessera's processes only (e.g. `--trace-gc`).
  const nodeArgs = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `${name}.cpuprofile`] : []), ...(process.env.BENCH_TESSERA_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const start = (withUpstream: boolean) =>
    spawnNode({
      name,
      args: [...nodeArgs, join(codeRoot, 'bin/tessera.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--log-level', 'silent', '--logins-per-hour', '1000000', '--signups-per-hour', '1000000',
        // One address plays many clients: the login storm holds 70 connections (over the per-client 64).
        '--max-connections-per-client', '0', ...(withUpstream ? ['--upstream', upstream] : [])],
      cwd: codeRoot,
      env: cleanEnv(),
      logFile: join(logDir, `${name}.log`),
      urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
    });
  if (proxySupported !== false) {
    try {
      const p = await start(true);
      proxySupported = true;
      return p;
    } catch (e) {
      if (!/Unknown option --upstream/.test((e as Error).message)) throw e;
      proxySupported = false;
      if (upstream !== 'none') throw new NoProxyError();
    }
  }
  return start(false);
}

/**
 * `['--upstream', 'none']` when this build's `tessera serve` has the option, else `[]` (asked
 * once: a start with an out-of-range port fails either on the unknown option or on the port).
 */
export function upstreamNoneArgs(): string[] {
  if (proxySupported === undefined) {
    const r = spawnSync(process.execPath, [join(codeRoot, 'bin/tessera.js'), 'serve', '--upstream', 'none', '--port', '99999', '--data', join(codeRoot, 'no-such-dir')], { cwd: codeRoot, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
    proxySupported = !/Unknown option --upstream/.test(`${r.stdout}${r.stderr}`);
  }
  return proxySupported ? ['--upstream', 'none'] : [];
}

/** The static upstream registry (bench/upstream.ts) serving DIR. */
export function startUpstream(name: string, dir: string, logDir: string, delayMs = 0): Promise<Proc> {
  return spawnNode({
    name,
    args: ['--import', 'tsx', join(codeRoot, 'bench/upstream.ts'), dir, '--delay-ms', String(delayMs)],
    cwd: codeRoot,
    env: cleanEnv(),
    logFile: join(logDir, `${name}.log`),
    urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
  });
}

/** The ceiling (bench/ceiling.ts) replaying CAPTURE; nodeArgs as BENCH_TESSERA_NODE_ARGS gives Tessera's. */
export function startCeiling(captureFile: string, logDir: string, nodeArgs: string[] = []): Promise<Proc> {
  return spawnNode({
    name: 'ceiling',
    args: [...nodeArgs, '--import', 'tsx', join(codeRoot, 'bench/ceiling.ts'), captureFile],
    cwd: codeRoot,
    env: cleanEnv(),
    logFile: join(logDir, 'ceiling.log'),
    urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
  });
}

/** Installs Verdaccio as the anchor's start.sh does, when it is not there yet. */
function ensureVerdaccio(installDir: string, anchorDir: string): string {
  const bin = join(installDir, 'node_modules/verdaccio/bin/verdaccio');
  if (existsSync(bin)) return bin;
  mkdirSync(installDir, { recursive: true });
  copyFileSync(join(anchorDir, 'package.json'), join(installDir, 'package.json'));
  process.stderr.write(`installing Verdaccio into ${installDir} (once)\n`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: installDir, stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not install Verdaccio into ${installDir}`);
  return bin;
}

/** Verdaccio proxying an upstream through an uplink, for the package patterns given (first match wins). */
export interface Uplink {
  url: string;
  patterns: string[];
}

/**
 * Verdaccio 6.8.0 with the anchor's config on a port and storage of its own (workDir/<name>);
 * with `uplink`, the patterns listed are proxied from that URL (`maxage` 30m: a warm cache is
 * served without asking the upstream again), everything else stays local as in the anchor.
 */
export async function startVerdaccio(workDir: string, logDir: string, uplink?: Uplink, name = 'verdaccio'): Promise<Proc> {
  const anchorDir = process.env.BENCH_VERDACCIO_ANCHOR ?? resolve(repoRoot, '../shared/anchors/verdaccio');
  const installDir = process.env.BENCH_VERDACCIO_DIR ?? '/tmp/verdaccio-anchor';
  const bin = ensureVerdaccio(installDir, anchorDir);
  const port = await freePort();
  const dir = join(workDir, name);
  mkdirSync(dir, { recursive: true });
  // The anchor's config (JWT tokens, no uplinks, audit off), on our own port and storage.
  let config = readFileSync(join(anchorDir, 'config.yaml'), 'utf8').replace(/^listen:.*$/m, `listen: 127.0.0.1:${port}`);
  if (uplink) {
    const doc = YAML.parse(config) as { uplinks?: unknown; packages: Record<string, Record<string, unknown>> };
    doc.uplinks = { upstream: { url: uplink.url, maxage: '30m', timeout: '60s', max_fails: 100, fail_timeout: '1s' } };
    const packages: Record<string, Record<string, unknown>> = {};
    for (const p of uplink.patterns) packages[p] = { access: '$all', publish: '$authenticated', proxy: 'upstream' };
    for (const [k, v] of Object.entries(doc.packages)) if (!(k in packages)) packages[k] = v;
    doc.packages = packages;
    config = YAML.stringify(doc);
  }
  writeFileSync(join(dir, 'config.yaml'), config);
  return spawnNode({
    name,
    args: [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    cwd: dir,
    env: cleanEnv(),
    logFile: join(logDir, `${name}.log`),
    url: `http://127.0.0.1:${port}/`,
  });
}
