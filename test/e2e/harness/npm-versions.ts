// Older npm CLIs for the client matrix (test/e2e/clients-npm*.test.ts): each pinned version is
// installed once from the npm registry (`npm install --prefix DIR npm@VERSION`) into a cache
// folder that later runs reuse, and run as `node DIR/node_modules/npm/bin/npm-cli.js`.
//
// The cache is $TESSERA_NPM_CLIENTS, else OS_TMPDIR/tessera-npm-clients. An install goes to a
// temporary folder renamed into place when complete, so an interrupted one is never reused.
// In CI (CI=true) a failed install fails the test; elsewhere too: nothing here skips.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finish } from './child.ts';
import { cleanEnv } from './server.ts';
import { tail } from './tmp.ts';

/** The npm versions the matrix runs besides the one on PATH (exact versions: the table says them). */
export const PINNED_NPM = { 6: '6.14.18', 8: '8.19.4', 10: '10.9.9' } as const;

export function npmClientsCache(): string {
  return process.env['TESSERA_NPM_CLIENTS'] || join(tmpdir(), 'tessera-npm-clients');
}

/** The installed npm-cli.js of `version`, installing it first when the cache lacks it. */
export async function installNpm(version: string): Promise<string> {
  const cache = npmClientsCache();
  const dir = join(cache, `npm-${version}`);
  const cli = join(dir, 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const installed = (): boolean => {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules', 'npm', 'package.json'), 'utf8')).version === version && existsSync(cli);
    } catch {
      return false;
    }
  };
  if (installed()) return cli;
  mkdirSync(cache, { recursive: true });
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const env = cleanEnv({ npm_config_update_notifier: 'false' });
  delete env['NODE_OPTIONS'];
  const args = ['install', '--prefix', staging, `npm@${version}`, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'];
  const child = spawn('npm', args, { cwd: staging, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const r = await finish(child, `npm ${args.join(' ')}`, 300_000);
  if (r.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`installing npm@${version} into ${staging} failed (exit ${r.code})\n${tail(r.stderr)}\n${tail(r.stdout)}`);
  }
  try {
    renameSync(staging, dir);
  } catch {
    // another run installed it meanwhile
    rmSync(staging, { recursive: true, force: true });
  }
  if (!installed()) throw new Error(`npm@${version} is not in ${dir} after installing it`);
  return cli;
}
