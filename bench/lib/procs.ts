// Child processes of the benchmark: every server it starts is tracked here and killed when
// the run ends, fails, times out or is interrupted.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

export interface Proc {
  name: string;
  pid: number;
  /** Base URL with a trailing slash. */
  url: string;
  logFile: string;
  /** SIGTERM (so --cpu-prof can write its profile), SIGKILL after a grace period. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/**
 * Whether servers and load generators get cores of their own (BENCH_PIN, on by default where
 * there are at least two cores and `taskset` exists): each server's event-loop thread on core 0,
 * the load generators on the others. Unpinned, the scheduler moves the two onto one core now
 * and then, and the server's CPU per response then depends on how often it has to wake a
 * sleeping client (up to a tenth of it in the kernel's wake-up path in `perf`), not on its own work.
 * Only the event-loop thread is pinned: the thread pool (password hashing, file reads) and
 * V8's helper threads still run anywhere.
 */
export const PIN = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** Pins one thread (`tid`; a process's main thread has its pid) to `cores` (taskset's list form). */
export function pinThread(tid: number, cores: string): void {
  if (PIN) spawnSync('taskset', ['-p', '-c', cores, String(tid)], { stdio: 'ignore' });
}

/** The cores the load generators run on: every core but the servers' one. */
export const CLIENT_CORES = `1-${Math.max(1, cpus().length - 1)}`;

/** Kills this child with the others when the run ends (the load generators). */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free loopback port (for servers that cannot be told to pick one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export interface SpawnOptions {
  name: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Finds the base URL in the output, or (when absent) `url` is polled until it answers. */
  urlPattern?: RegExp;
  url?: string;
  timeoutMs?: number;
}

/** Starts `node ARGS` and resolves once it serves. */
export async function spawnNode(opts: SpawnOptions): Promise<Proc> {
  const child = spawn(process.execPath, opts.args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const log = createWriteStream(opts.logFile);
  let output = '';
  const onData = (d: Buffer) => {
    log.write(d);
    if (output.length < 64_000) output += d.toString();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let url = opts.url ?? '';
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${opts.name} exited at start:\n${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not start in time:\n${output.slice(-2000)}`);
    }
    if (opts.urlPattern) {
      const m = opts.urlPattern.exec(output);
      if (m) {
        url = m[1];
        break;
      }
    } else if (await fetch(`${url}-/ping`).then((r) => r.ok, () => false)) break;
    await delay(100);
  }
  pinThread(child.pid!, '0');
  return {
    name: opts.name,
    pid: child.pid!,
    url,
    logFile: opts.logFile,
    async stop(graceMs = 8000) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
      log.end();
    },
  };
}

/** CPU time (user + system) a process has used so far, in microseconds (Linux /proc). */
export function cpuTimeUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/**
 * Runs a benchmark's `main` under a watchdog of `timeoutMin` minutes; whatever happens, prints
 * the report, stops `procs` (last started first), kills any stray child and removes what
 * `cleanup` names. A failure is logged and sets the exit code 1.
 */
export async function runBench(o: { timeoutMin: number; log: (s: string) => void; main: () => Promise<void>; report: () => void; procs: Proc[]; cleanup: () => void }): Promise<void> {
  const watchdog = setTimeout(() => {
    o.log(`the run exceeded ${o.timeoutMin} minutes: stopping`);
    killAll();
    process.exit(1);
  }, o.timeoutMin * 60_000);
  watchdog.unref();
  try {
    await o.main();
  } catch (e) {
    o.log(`failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    o.report();
    for (const p of [...o.procs].reverse()) await p.stop().catch(() => undefined);
    killAll();
    o.cleanup();
    clearTimeout(watchdog);
  }
}
