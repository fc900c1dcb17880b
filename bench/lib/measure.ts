// One autocannon measurement: successful responses per second, p50 and p99 latency.

import autocannon, { type RequestSpec } from 'autocannon';
import { assertLoopback } from './client.ts';

export interface Sample {
  /** 2xx responses per second (errors and other statuses do not count). */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx responses, connection errors and timeouts. */
  bad: number;
  statuses: string;
}

export interface Load {
  base: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds each request anew (e.g. a publish of the next version). */
  nextBody?: () => string;
  /** Picks each request's path anew. */
  nextPath?: () => string;
  connections: number;
  durationS: number;
}

export async function measure(load: Load): Promise<Sample> {
  const url = new URL(load.path.replace(/^\//, ''), load.base).toString();
  assertLoopback(url);
  const dynamic = load.nextBody || load.nextPath;
  const requests: RequestSpec[] | undefined = dynamic
    ? [
        {
          setupRequest: (req) => {
            if (load.nextBody) req.body = load.nextBody();
            if (load.nextPath) req.path = load.nextPath();
            return req;
          },
        },
      ]
    : undefined;
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
  };
}

/** Runs two loads at once; the result of the first, and of the second. */
export async function measurePair(a: Load, b: Load): Promise<[Sample, Sample]> {
  return Promise.all([measure(a), measure(b)]);
}
