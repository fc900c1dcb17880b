// Starting the three servers the benchmark compares: Tessera (bin/tessera.js), Verdaccio
// 6.8.0 with the anchor's config (JWT tokens) on a port of its own, and the ceiling.

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

export function startTessera(name: string, dataDir: string, logDir: string, cpuProfDir?: string): Promise<Proc> {
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir, '--cpu-prof-name', `${name}.cpuprofile`] : [];
  return spawnNode({
    name,
    args: [...prof, join(codeRoot, 'bin/tessera.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, '--log-level', 'silent', '--logins-per-hour', '1000000', '--signups-per-hour', '1000000',
      // One address plays many clients: the login storm holds 70 connections (over the per-client 64).
      '--max-connections-per-client', '0'],
    cwd: codeRoot,
    env: cleanEnv(),
    logFile: join(logDir, `${name}.log`),
    urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
  });
}

export function startCeiling(captureFile: string, logDir: string): Promise<Proc> {
  return spawnNode({
    name: 'ceiling',
    args: ['--import', 'tsx', join(codeRoot, 'bench/ceiling.ts'), captureFile],
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

export async function startVerdaccio(workDir: string, logDir: string): Promise<Proc> {
  const anchorDir = process.env.BENCH_VERDACCIO_ANCHOR ?? resolve(repoRoot, '../shared/anchors/verdaccio');
  const installDir = process.env.BENCH_VERDACCIO_DIR ?? '/tmp/verdaccio-anchor';
  const bin = ensureVerdaccio(installDir, anchorDir);
  const port = await freePort();
  const dir = join(workDir, 'verdaccio');
  mkdirSync(dir, { recursive: true });
  // The anchor's config (JWT tokens, no uplinks, audit off), on our own port and storage.
  const config = readFileSync(join(anchorDir, 'config.yaml'), 'utf8').replace(/^listen:.*$/m, `listen: 127.0.0.1:${port}`);
  writeFileSync(join(dir, 'config.yaml'), config);
  return spawnNode({
    name: 'verdaccio',
    args: [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    cwd: dir,
    env: cleanEnv(),
    logFile: join(logDir, 'verdaccio.log'),
    url: `http://127.0.0.1:${port}/`,
  });
}
