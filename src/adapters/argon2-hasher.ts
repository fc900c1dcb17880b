// argon2id (m=19456 KiB, t=2, p=1: the OWASP minimum) on libuv's thread pool, with a cap on
// how many run at once so that a login storm cannot starve file I/O or the event loop.
//
// While the event loop is busy answering requests, hashing also takes turns with it: after
// each hash its slot rests as long as the hash took, so a storm of logins gets at most half of
// its cores' time and reads keep the rest. (Lowering the hashing threads' priority was
// measured first: on this kernel a niced busy thread slows reads as much as a normal one.)

import { performance } from 'node:perf_hooks';
import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/ports.ts';

const OPTIONS = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Event-loop utilisation from which requests count as busy. */
const BUSY = 0.5;
/** The longest rest after one hash. */
const MAX_REST_MS = 100;

/** Whether the event loop was mostly busy since the last look (judged over ≥ 50 ms). */
export function eventLoopBusy(): () => boolean {
  let mark = performance.eventLoopUtilization();
  let busy = false;
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, mark);
    if (since.idle + since.active >= 50) {
      busy = since.utilization >= BUSY;
      mark = now;
    }
    return busy;
  };
}

export interface HasherOptions {
  /** Whether requests are busy right now (tests inject it). */
  busy?: () => boolean;
  /** Calls `release` after `ms` (tests inject it). */
  rest?: (ms: number, release: () => void) => void;
}

export function createArgon2Hasher(maxConcurrent: number, options: HasherOptions = {}): PasswordHasher {
  const busy = options.busy ?? eventLoopBusy();
  const rest = options.rest ?? ((ms, release) => setTimeout(release, ms));
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    // A finishing hash hands its slot straight to the next waiter.
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    const started = performance.now();
    try {
      return await work();
    } finally {
      // The caller has its answer now; only the next hash waits.
      const ms = busy() ? Math.min(performance.now() - started, MAX_REST_MS) : 0;
      if (ms > 0) rest(ms, release);
      else release();
    }
  }
  return {
    hash: (password) => limited(() => hash(password, OPTIONS)),
    verify: (encoded, password) =>
      limited(async () => {
        try {
          return await verify(encoded, password);
        } catch {
          return false;
        }
      }),
  };
}
