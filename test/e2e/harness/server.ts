// Starts the real Tessera binary (`node bin/tessera.js serve`) for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finish } from './child.ts';
import { tempDir, tail } from './tmp.ts';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const binPath = fileURLToPath(new URL('../../../bin/tessera.js', import.meta.url));

export interface StartOptions {
  /** Extra command-line flags after `serve --host 127.0.0.1 --port 0 --data DIR`. */
  args?: string[];
  /** Extra environment variables (TESSERA_* inherited from the parent are removed first). */
  env?: Record<string, string>;
  /** Data folder; a fresh temporary one by default. */
  dataDir?: string;
  /** How long to wait for the listening line and the first ping (ms). */
  startTimeoutMs?: number;
}

export interface RunningServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  port: number;
  dataDir: string;
  pid: number;
  /** Sends SIGTERM; resolves with the exit code (null if a signal ended it). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Sends SIGKILL; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  output(): string;
}

const live = new Set<ChildProcess>();
let exitHooked = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/** The environment of the parent minus anything that configures Tessera or npm. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^TESSERA_/i.test(k) || /^npm_/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? tempDir('data');
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const args = [binPath, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    // Many users sign up and log in from 127.0.0.1 in one file: the per-address budgets are
    // raised (a test of those limits sets its own values in opts.env).
    env: cleanEnv({ TESSERA_UPSTREAM: 'none', TESSERA_PASSWORD_FAILURES_PER_ADDRESS: '1000000', TESSERA_SIGNUPS_PER_HOUR: '1000000', TESSERA_LOGINS_PER_HOUR: '1000000', ...opts.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);

  let out = '';
  let stdoutText = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    out += d;
  });

  const describe = (why: string): Error =>
    new Error(`tessera serve ${why}\ncommand: node ${args.join(' ')}\n--- server output ---\n${tail(out)}`);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(describe(`printed no "listening on http://127.0.0.1:PORT/" line within ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    const onData = (d: string): void => {
      out += d;
      stdoutText += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(stdoutText);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(describe(`exited before listening (code ${code}, signal ${signal})`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(describe(`could not be spawned: ${e.message}`));
    });
  });
  // E2E_SERVER_LOG_DIR=/some/dir keeps each server's whole output for a post-mortem
  const logDir = process.env['E2E_SERVER_LOG_DIR'];
  if (logDir) {
    child.once('exit', () => {
      try {
        writeFileSync(join(logDir, `tessera-${new URL(url).port}.log`), out);
      } catch {
        // best effort
      }
    });
  }
  // keep collecting output after the listening line
  child.stdout!.removeAllListeners('data');
  child.stdout!.on('data', (d: string) => {
    out += d;
  });

  const port = Number(new URL(url).port);
  const deadline = Date.now() + 5_000;
  let lastPing = '';
  for (;;) {
    try {
      const res = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastPing = `status ${res.status}`;
    } catch (e) {
      lastPing = String(e);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw describe(`listens on ${url} but GET /-/ping did not answer 200 (last: ${lastPing})`);
    }
    await delay(100);
  }

  return {
    url,
    port,
    dataDir,
    pid: child.pid!,
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      // The timer is cleared once the server is gone: left running, it kept every test file's
      // process alive for the full timeoutMs after its last test
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const result = await Promise.race([exited(child), timeout]);
      clearTimeout(timer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited(child);
        throw describe(`did not exit within ${timeoutMs} ms of SIGTERM (killed with SIGKILL)`);
      }
      return result.code;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    output: () => out,
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an admin command, e.g. `runTessera(['user', 'add', 'carol', ...], { input: 'pw\n' })`. */
export function runTessera(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: repoRoot,
    env: cleanEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  return finish(child, `tessera ${args.join(' ')}`, timeoutMs, opts.input);
}
