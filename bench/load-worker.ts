// The load generator, in a process of its own: autocannon 8 runs here, so that its CPU time
// can be told apart from the benchmark's and the servers', and a client that saturates its own
// core shows as such (bench/lib/measure.ts starts and drives it over the IPC channel).
//
//   started by bench/lib/measure.ts as `node --import tsx bench/load-worker.ts` with an IPC channel
//   message in:  { id, load: WireLoad }      message out: { id, sample } or { id, error }

import autocannon, { type RequestSpec } from 'autocannon';
import type { Generator, Sample, WireLoad } from './lib/measure.ts';
import { BodyPool } from './lib/packages.ts';
import { cpuTimeUs } from './lib/procs.ts';

/** Builds each request anew from a generator description (functions cannot cross the channel). */
function nextOf(gen: Generator): () => { path?: string; body?: string; headers?: Record<string, string> } {
  switch (gen.kind) {
    case 'publish': {
      const pool = new BodyPool(gen.name, gen.major, gen.prebuild);
      return () => ({ body: pool.take() });
    }
    case 'scan': {
      // A stride through all the names (the worst case for an LRU smaller than the set), each
      // request with the next token.
      let n = 0;
      return () => {
        n++;
        return { path: `/${gen.names[(n * 7919) % gen.names.length].replace('/', '%2f')}`, headers: { authorization: `Bearer ${gen.tokens[n % gen.tokens.length]}` } };
      };
    }
  }
}

async function run(load: WireLoad): Promise<Sample> {
  const next = load.gen ? nextOf(load.gen) : undefined;
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
  const serverBefore = load.pid ? cpuTimeUs(load.pid) : NaN;
  const clientBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.durationS,
    timeout: 20,
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    requests,
  });
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serverUs = load.pid ? cpuTimeUs(load.pid) - serverBefore : NaN;
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
    cpuUs: serverUs / Math.max(ok, 1),
    serverCores: serverUs / wallUs,
    clientCores: (client.user + client.system) / wallUs,
  };
}

process.on('message', (msg: { id: number; load: WireLoad }) => {
  run(msg.load).then(
    (sample) => process.send!({ id: msg.id, sample }),
    (e: unknown) => process.send!({ id: msg.id, error: (e as Error).stack ?? String(e) }),
  );
});
process.on('disconnect', () => process.exit(0));
