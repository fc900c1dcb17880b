// One autocannon measurement: successful responses per second, p50 and p99 latency, the
// server's CPU time per response, and how busy the load generator itself was. autocannon runs
// in child processes of its own (bench/load-worker.ts, started once and reused), so the
// benchmark can read the client's CPU apart from everything else.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { assertLoopback } from './client.ts';
import { CLIENT_CORES, PIN, cpuTimeUs, track } from './procs.ts';

export interface Sample {
  /** 2xx responses per second (errors and other statuses do not count). */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  bad: number;
  statuses: string;
  /** CPU time the server used per 2xx response, in µs (robust to a busy machine, unlike req/s). */
  cpuUs: number;
  /** The server's CPU time over the measurement's wall time, in cores (NaN without a pid). */
  serverCores: number;
  /** The load generator's CPU time over the wall time, in cores (all its processes together). */
  clientCores: number;
  /** The busiest load-generator process, in cores: near 1, that one-thread client was the limit. */
  clientMaxCores?: number;
}

/** Requests built anew each time, described as data (the generator runs in the worker). */
export type Generator =
  /** Publish bodies of distinct versions MAJOR.x.y of NAME (bench/lib/packages.ts BodyPool), PREBUILD built before the start. */
  | { kind: 'publish'; name: string; major: number; prebuild: number }
  /** Abbreviated reads of every name in turn, each with the next token. */
  | { kind: 'scan'; names: string[]; tokens: string[] };

export interface Load {
  base: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request anew (a publish of the next version, a read of another package…). */
  gen?: Generator;
  connections: number;
  durationS: number;
  /** The server's process, for its CPU time. */
  pid?: number;
}

/** What crosses the IPC channel to bench/load-worker.ts. */
export interface WireLoad extends Omit<Load, 'base' | 'path'> {
  url: string;
}

/** A load generator is "client-bound" at or above this many cores (BENCH_CLIENT_BOUND). */
export const CLIENT_BOUND = Number(process.env.BENCH_CLIENT_BOUND ?? 0.9);

/** Load-generator processes one load is split over (BENCH_LOAD_PROCS, default 1: two cores have none to spare). */
export const LOAD_PROCS = Math.max(1, Math.floor(Number(process.env.BENCH_LOAD_PROCS ?? 1)) || 1);

export function clientBound(s: Pick<Sample, 'clientCores' | 'clientMaxCores'>): boolean {
  const c = s.clientMaxCores ?? s.clientCores;
  return Number.isFinite(c) && c >= CLIENT_BOUND;
}

interface Worker {
  child: ChildProcess;
  busy: boolean;
  pending: Map<number, { resolve: (s: Sample) => void; reject: (e: Error) => void }>;
}

const workers: Worker[] = [];
let nextId = 0;
const workerFile = fileURLToPath(new URL('../load-worker.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

function setRef(w: Worker, on: boolean): void {
  const channel = (w.child as unknown as { channel?: { ref(): void; unref(): void } }).channel;
  if (on) {
    w.child.ref();
    channel?.ref();
  } else {
    w.child.unref();
    channel?.unref();
  }
}

function spawnWorker(): Worker {
  // Pinned from the start (taskset execs node in its place): every thread of it off the servers' core.
  const [command, args] = PIN ? ['taskset', ['-c', CLIENT_CORES, process.execPath]] : [process.execPath, []];
  const child = spawn(command, [...args, '--import', 'tsx', workerFile], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  track(child);
  const w: Worker = { child, busy: false, pending: new Map() };
  child.on('message', (m: { id: number; sample?: Sample; error?: string }) => {
    const p = w.pending.get(m.id);
    if (!p) return;
    w.pending.delete(m.id);
    if (m.sample) p.resolve(m.sample);
    else p.reject(new Error(`load generator: ${m.error}`));
  });
  child.once('exit', (code, signal) => {
    const i = workers.indexOf(w);
    if (i >= 0) workers.splice(i, 1);
    for (const p of w.pending.values()) p.reject(new Error(`load generator exited (${signal ?? code})`));
    w.pending.clear();
  });
  workers.push(w);
  return w;
}

/**
 * Runs one load: in one idle load-generator process, or split over LOAD_PROCS of them (its
 * connections shared out; publishes are never split, their versions would collide). A split
 * load's p50 is the responses-weighted mean of the parts' p50s and its p99 the largest p99.
 */
export async function measure(load: Load): Promise<Sample> {
  const n = Math.min(LOAD_PROCS, load.connections);
  if (n <= 1 || load.gen?.kind === 'publish') return measureOne(load);
  const serverBefore = load.pid ? cpuTimeUs(load.pid) : NaN;
  const t0 = process.hrtime.bigint();
  const parts = await Promise.all(
    Array.from({ length: n }, (_, i) => measureOne({ ...load, pid: undefined, connections: Math.floor(load.connections / n) + (i < load.connections % n ? 1 : 0) })),
  );
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const serverUs = load.pid ? cpuTimeUs(load.pid) - serverBefore : NaN;
  const ok = parts.reduce((a, s) => a + s.ok, 0);
  return {
    rps: parts.reduce((a, s) => a + s.rps, 0),
    p50: parts.reduce((a, s) => a + s.p50 * s.ok, 0) / Math.max(ok, 1),
    p99: Math.max(...parts.map((s) => s.p99)),
    ok,
    bad: parts.reduce((a, s) => a + s.bad, 0),
    statuses: parts.map((s) => s.statuses).join(' + '),
    cpuUs: serverUs / Math.max(ok, 1),
    serverCores: serverUs / wallUs,
    clientCores: parts.reduce((a, s) => a + s.clientCores, 0),
    clientMaxCores: Math.max(...parts.map((s) => s.clientCores)),
  };
}

/**
 * One sample of several of one load's slices (equal durations, one server): responses, errors
 * and server CPU summed (so cpuUs is the slices' total CPU over their total responses), rates
 * and cores averaged, p50 responses-weighted, p99 and the busiest client process the largest.
 */
export function combineSamples(parts: Sample[]): Sample {
  if (parts.length === 1) return parts[0];
  const ok = parts.reduce((a, s) => a + s.ok, 0);
  const mean = (f: (s: Sample) => number) => parts.reduce((a, s) => a + f(s), 0) / parts.length;
  return {
    rps: mean((s) => s.rps),
    p50: parts.reduce((a, s) => a + s.p50 * s.ok, 0) / Math.max(ok, 1),
    p99: Math.max(...parts.map((s) => s.p99)),
    ok,
    bad: parts.reduce((a, s) => a + s.bad, 0),
    statuses: parts.map((s) => s.statuses).join(' + '),
    cpuUs: parts.reduce((a, s) => a + s.cpuUs * Math.max(s.ok, 1), 0) / Math.max(ok, 1),
    serverCores: mean((s) => s.serverCores),
    clientCores: mean((s) => s.clientCores),
    clientMaxCores: Math.max(...parts.map((s) => s.clientMaxCores ?? s.clientCores)),
  };
}

async function measureOne(load: Load): Promise<Sample> {
  const url = new URL(load.path.replace(/^\//, ''), load.base).toString();
  assertLoopback(url);
  const { base: _b, path: _p, ...rest } = load;
  const w = workers.find((x) => !x.busy) ?? spawnWorker();
  w.busy = true;
  setRef(w, true);
  try {
    const id = nextId++;
    return await new Promise<Sample>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      w.child.send({ id, load: { ...rest, url } satisfies WireLoad });
    });
  } finally {
    w.busy = false;
    setRef(w, false);
  }
}

/** Runs two loads at once (in two load-generator processes); the result of the first, and of the second. */
export async function measurePair(a: Load, b: Load): Promise<[Sample, Sample]> {
  return Promise.all([measure(a), measure(b)]);
}
