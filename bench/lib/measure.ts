// One autocannon measurement: successful responses per second, p50 and p99 latency.

import autocannon, { type RequestSpec } from 'autocannon';
import { assertLoopback } from './client.ts';
import { cpuTimeUs } from './procs.ts';

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
}

export interface Load {
  base: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request anew (a publish of the next version, a read of another package…). */
  next?: () => { path?: string; body?: string; headers?: Record<string, string> };
  connections: number;
  durationS: number;
  /** The server's process, for its CPU time. */
  pid?: number;
}

export async function measure(load: Load): Promise<Sample> {
  const url = new URL(load.path.replace(/^\//, ''), load.base).toString();
  assertLoopback(url);
  const next = load.next;
  const requests: RequestSpec[] | undefined = next
    ? [
        {
          setupRequest: (req) => {
            const n = next();
            if (n.body !== undefined) req.body = n.body;
            if (n.path !== undefined) req.path = n.path;
            if (n.headers) req.headers = { ...req.headers, ...n.headers };
            return req;
          },
        },
      ]
    : undefined;
  const cpuBefore = load.pid ? cpuTimeUs(load.pid) : NaN;
  const result = await autocannon({
    url,
    connections: load.connections,
    duration: load.durationS,
    timeout: 20,
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    requests,
  });
  const ok = result['2xx'];
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}:${s.count}`)
    .join(' ');
  return {
    rps: ok / Math.max(result.duration, 1e-9),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    bad: result.non2xx + result.errors + result.timeouts,
    statuses,
    cpuUs: (cpuTimeUs(load.pid ?? 0) - cpuBefore) / Math.max(ok, 1),
  };
}

/** Runs two loads at once; the result of the first, and of the second. */
export async function measurePair(a: Load, b: Load): Promise<[Sample, Sample]> {
  return Promise.all([measure(a), measure(b)]);
}
