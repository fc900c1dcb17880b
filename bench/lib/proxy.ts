// The proxied-read rows of `npm run bench`: a Tessera started with `--upstream <a local static
// registry>` (bench/upstream.ts), and Verdaccio proxying the same upstream through an uplink.
// Warm reads of a proxied package (abbreviated with a token, and a tarball), and 50 clients at
// once asking for one never-seen name, with the requests the upstream received counted.
// The upstream package is bench-pkg's 20 versions and tarballs under other names, so proxied
// answers are about the size of the local ones and compare with the same ceiling.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE, UPSTREAM_BASE } from '../upstream.ts';
import { ABBREVIATED, call } from './client.ts';
import type { Sample } from './measure.ts';
import { delay } from './procs.ts';
import { cell, clientCell, cpuCell, fmtRatio, markdownTable, type Results } from './report.ts';
import { inTurns, PKG_VERSIONS, readLoad, readRow, rotate, type ReadKind, type Target } from './scenarios.ts';

/** The proxied package, read warm (served from the proxy's cache after a first read). */
export const PROXIED = 'bench-up';
export const PROXY_KINDS: ReadKind[] = ['abbreviated', 'tarball'];
export const STAMPEDE_CLIENTS = 50;
/** Patterns Verdaccio proxies from the upstream (everything else stays local, as in the anchor). */
export const PROXIED_PATTERNS = [PROXIED, 'bench-cold-*'];

export function proxyRow(kind: ReadKind): string {
  return `proxied ${readRow(kind, true)}, warm`;
}

/**
 * The local read of the same kind, measured again in each proxied round on the ceiling and the
 * local Tessera, so that the proxied rows' ratios pair measurements made minutes apart at most.
 */
export function besideProxyRow(kind: ReadKind): string {
  return `${readRow(kind, true)}, beside the proxied rows`;
}

/**
 * Writes the upstream folder (bench/upstream.ts layout): bench-pkg's publish bodies as one
 * template packument and its tarballs, served for `bench-up` and every `bench-cold-*` name.
 */
export function writeBenchUpstream(dir: string, bodies: string[]): void {
  const versions: Record<string, unknown> = {};
  const time: Record<string, string> = { created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z' };
  mkdirSync(join(dir, 'tarballs', TEMPLATE, '-'), { recursive: true });
  mkdirSync(join(dir, 'packuments'), { recursive: true });
  let latest = '';
  for (const text of bodies) {
    const body = JSON.parse(text) as { versions: Record<string, Record<string, unknown> & { dist: Record<string, unknown> }>; _attachments: Record<string, { data: string }> };
    for (const [v, m] of Object.entries(body.versions)) {
      const file = `${TEMPLATE}-${v}.tgz`;
      versions[v] = JSON.parse(JSON.stringify({ ...m, dist: { ...m.dist, tarball: `${UPSTREAM_BASE}${TEMPLATE}/-/${file}` } }).replaceAll('bench-pkg', TEMPLATE));
      time[v] = '2026-01-01T00:00:00.000Z';
      writeFileSync(join(dir, 'tarballs', TEMPLATE, '-', file), Buffer.from(Object.values(body._attachments)[0].data, 'base64'));
      latest = v;
    }
  }
  writeFileSync(join(dir, 'packuments', `${TEMPLATE}.json`), JSON.stringify({ _id: TEMPLATE, name: TEMPLATE, 'dist-tags': { latest }, versions, time }));
}

export interface UpstreamStats {
  total: number;
  byPath: Record<string, number>;
}

export async function upstreamStats(base: string): Promise<UpstreamStats> {
  return JSON.parse((await call(base, '/-/bench/stats')).body.toString()) as UpstreamStats;
}

export async function resetUpstream(base: string): Promise<void> {
  await call(base, '/-/bench/reset', { method: 'POST' });
}

/** A read of the proxied package answers 200 on a target (and so is in its cache afterwards). */
export async function checkProxied(t: Target): Promise<void> {
  for (const kind of PROXY_KINDS) {
    const load = readLoad(t, kind, true, 1, PROXIED);
    const r = await call(t.base, load.path, { headers: load.headers });
    if (r.status !== 200) throw new Error(`${t.name}: proxied GET ${load.path} answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
  }
}

export interface Stampede {
  round: number;
  server: string;
  kind: 'packument' | 'tarball';
  /** Requests the upstream received while the 50 clients were answered. */
  upstreamRequests: number;
  upstreamPackuments: number;
  upstreamTarballs: number;
  /** Clients answered 200. */
  ok: number;
  /** Wall time until the last client was answered, ms. */
  ms: number;
}

/** STAMPEDE_CLIENTS requests at once for one never-seen name; the upstream's count of what it got. */
async function stampede(t: Target, upstream: string, round: number, kind: 'packument' | 'tarball'): Promise<Stampede> {
  const name = `bench-cold-${t.name}-${round}-${kind === 'packument' ? 'p' : 't'}`;
  const path = kind === 'packument' ? `/${name}` : `/${name}/-/${name}-1.0.${PKG_VERSIONS - 1}.tgz`;
  const headers = { accept: kind === 'packument' ? ABBREVIATED : '*/*', authorization: `Bearer ${t.token}` };
  await resetUpstream(upstream);
  const t0 = performance.now();
  const answers = await Promise.all(Array.from({ length: STAMPEDE_CLIENTS }, () => call(t.base, path, { headers }).then((r) => r.status, () => 0)));
  const ms = performance.now() - t0;
  // Let anything the proxy does after answering (a background write, a late fetch) arrive.
  await delay(300);
  const stats = await upstreamStats(upstream);
  const paths = Object.entries(stats.byPath);
  return {
    round,
    server: t.name,
    kind,
    upstreamRequests: stats.total,
    upstreamPackuments: paths.filter(([p]) => !p.endsWith('.tgz')).reduce((n, [, c]) => n + c, 0),
    upstreamTarballs: paths.filter(([p]) => p.endsWith('.tgz')).reduce((n, [, c]) => n + c, 0),
    ok: answers.filter((s) => s === 200).length,
    ms,
  };
}

/**
 * One round of the proxied rows: warm reads on each proxy and the local references (the local
 * Tessera and the ceiling reading bench-pkg: besideProxyRow), order rotating, then the stampedes.
 */
export async function proxyRound(res: Results, stampedes: Stampede[], round: number, proxies: Target[], references: Target[], upstream: string, durationS: number): Promise<void> {
  let i = 0;
  for (const kind of PROXY_KINDS) {
    // Upstream requests are counted per proxy slice and summed (0 when the cache answers alone).
    const upstreamRequests = new Map<Target, number>();
    const order = rotate([...proxies, ...references], round + i++);
    const samples = await inTurns(order, durationS, (t, seconds) => (references.includes(t) ? readLoad(t, kind, true, seconds) : readLoad(t, kind, true, seconds, PROXIED)), {
      before: async (t) => {
        if (!references.includes(t)) await resetUpstream(upstream);
      },
      after: async (t) => {
        if (!references.includes(t)) upstreamRequests.set(t, (upstreamRequests.get(t) ?? 0) + (await upstreamStats(upstream)).total);
      },
    });
    for (const t of order) {
      if (references.includes(t)) {
        res.record(besideProxyRow(kind), t.name, round, samples.get(t)!);
        continue;
      }
      const s: Sample & { upstream?: number } = { ...samples.get(t)!, upstream: upstreamRequests.get(t) ?? 0 };
      res.record(proxyRow(kind), t.name, round, s);
    }
  }
  for (const t of proxies) for (const kind of ['packument', 'tarball'] as const) stampedes.push(await stampede(t, upstream, round, kind));
}

const NA = 'n/a (no proxy in this build)';

/** The proxied-read table: Tessera (or n/a) beside Verdaccio and the local ceiling. */
export function proxyTable(res: Results, stampedes: Stampede[], tesseraProxy: boolean, error?: string): string {
  const rows: string[][] = [];
  for (const kind of PROXY_KINDS) {
    const row = proxyRow(kind);
    const local = besideProxyRow(kind);
    const upstreamCell = (s: string) => {
      const xs = res.samples(row, s) as (Sample & { upstream?: number })[];
      return xs.length ? xs.map((x) => String(x.upstream ?? '?')).join(', ') : '–';
    };
    rows.push([
      `${row} (-c 50)`,
      tesseraProxy ? `${cpuCell(res, row, ['tessera-proxy', 'verdaccio'])} / ${cpuCell(res, local, ['ceiling'])}` : `${NA} / ${cpuCell(res, row, ['verdaccio'])} / ${cpuCell(res, local, ['ceiling'])}`,
      tesseraProxy ? fmtRatio(res.cpuPer(row, 'tessera-proxy', local, 'ceiling')) : NA,
      tesseraProxy ? fmtRatio(res.cpuPer(row, 'tessera-proxy', row, 'verdaccio')) : NA,
      tesseraProxy ? fmtRatio(res.cpuPer(row, 'tessera-proxy', local, 'tessera')) : NA,
      tesseraProxy ? cell(res, row, 'tessera-proxy') : NA,
      cell(res, row, 'verdaccio'),
      `${tesseraProxy ? upstreamCell('tessera-proxy') : '–'} / ${upstreamCell('verdaccio')}`,
      `${tesseraProxy ? clientCell(res, row, ['tessera-proxy']) : '–'} / ${clientCell(res, row, ['verdaccio'])}`,
    ]);
  }
  const warm = markdownTable(
    ['measurement', 'server CPU µs/response T-proxy / V-proxy / ceiling', '**CPU/response Tessera ÷ ceiling**', 'CPU/response Tessera ÷ Verdaccio', 'CPU/response proxied ÷ local (Tessera)', 'Tessera req/s (p50/p99 ms)', 'Verdaccio', 'upstream requests during it T / V', 'load generator cores T / V'],
    rows,
  );
  const srows: string[][] = [];
  for (const kind of ['packument', 'tarball'] as const) {
    const of = (server: string) => stampedes.filter((s) => s.kind === kind && s.server === server);
    const fmt = (xs: Stampede[]) =>
      xs.length ? xs.map((s) => `${s.upstreamRequests} (${s.upstreamPackuments} packument, ${s.upstreamTarballs} tarball); ${s.ok}/${STAMPEDE_CLIENTS} answered 200 in ${Math.round(s.ms)} ms`).join('; ') : '–';
    srows.push([
      `${STAMPEDE_CLIENTS} clients at once, one uncached name: ${kind === 'packument' ? 'abbreviated packument' : 'tarball (name never seen)'}`,
      tesseraProxy ? fmt(of('tessera-proxy')) : NA,
      fmt(of('verdaccio')),
    ]);
  }
  const cold = markdownTable(['stampede (each round a new name)', 'upstream requests: Tessera', 'Verdaccio'], srows);
  const note = `Proxied reads: Tessera started with \`--upstream\` pointing at a local static registry (bench/upstream.ts, answering after ${process.env.BENCH_UPSTREAM_DELAY_MS ?? 50} ms), Verdaccio 6.8.0 proxying the same through an uplink (maxage 30m). "proxied ÷ local" compares with the same read of a published package on the Tessera without a proxy; "upstream requests during it" counts what reached the upstream while a warm row was measured (0 when the cache answers alone). The stampede rows ask for a name nobody asked for before: a proxy that shares one upstream fetch among concurrent askers sends 1 packument request (and 1 tarball request).`;
  return [note, '', warm, '', cold, ...(error ? ['', `Proxy rows failed: ${error}`] : [])].join('\n');
}
