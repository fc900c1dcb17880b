// Samples per (row, server, round), medians, paired ratios and the printed table.

import { CLIENT_BOUND, type Sample } from './measure.ts';

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export class Results {
  /** row → server → round → sample */
  private readonly data = new Map<string, Map<string, Map<number, Sample>>>();
  readonly notes: string[] = [];

  record(row: string, server: string, round: number, s: Sample): void {
    let byServer = this.data.get(row);
    if (!byServer) this.data.set(row, (byServer = new Map()));
    let byRound = byServer.get(server);
    if (!byRound) byServer.set(server, (byRound = new Map()));
    byRound.set(round, s);
    if (s.bad > 0) this.notes.push(`${row} / ${server} / round ${round + 1}: ${s.bad} failed (${s.statuses})`);
  }

  samples(row: string, server: string): Sample[] {
    return [...(this.data.get(row)?.get(server)?.values() ?? [])];
  }

  /** Median of a metric over the rounds. */
  med(row: string, server: string, metric: 'rps' | 'p50' | 'p99' | 'cpuUs' | 'clientCores' | 'clientMaxCores' | 'serverCores'): number {
    return median(this.samples(row, server).map((s) => (metric === 'clientMaxCores' ? (s.clientMaxCores ?? s.clientCores) : s[metric])));
  }

  /** Median over rounds of the per-round ratio a/b of a metric (pairs measured close in time). */
  private paired(rowA: string, serverA: string, rowB: string, serverB: string, metric: 'rps' | 'cpuUs'): number {
    const a = this.data.get(rowA)?.get(serverA);
    const b = this.data.get(rowB)?.get(serverB);
    if (!a || !b) return NaN;
    const rs: number[] = [];
    for (const [round, s] of a) {
      const t = b.get(round);
      if (t && t[metric] > 0 && Number.isFinite(s[metric])) rs.push(s[metric] / t[metric]);
    }
    return median(rs);
  }

  /** Median over rounds of the per-round ratio a/b of req/s (pairs measured close in time). */
  ratio(rowA: string, serverA: string, rowB: string, serverB: string): number {
    return this.paired(rowA, serverA, rowB, serverB, 'rps');
  }

  /**
   * CPU-time view of a/b: b's server CPU per response over a's (1 = a costs as much as b),
   * the median of the per-round ratios like ratio(): the machine's speed drifts between rounds.
   */
  cpuRatio(rowA: string, serverA: string, rowB: string, serverB: string): number {
    return this.paired(rowB, serverB, rowA, serverA, 'cpuUs');
  }

  /** Server CPU per response of a over b's (the headline of read rows: 1 = a costs what b costs, lower is cheaper), paired by round as cpuRatio. */
  cpuPer(rowA: string, serverA: string, rowB: string, serverB: string): number {
    return this.paired(rowA, serverA, rowB, serverB, 'cpuUs');
  }

  /** The load generator used at least CLIENT_BOUND of a core (median over rounds): req/s is the client's limit. */
  clientBound(row: string, server: string): boolean {
    return this.med(row, server, 'clientMaxCores') >= CLIENT_BOUND;
  }

  toJSON(): unknown {
    const out: Record<string, Record<string, Sample[]>> = {};
    for (const [row, byServer] of this.data) {
      out[row] = {};
      for (const [server, byRound] of byServer) out[row][server] = [...byRound.values()];
    }
    return { samples: out, notes: this.notes };
  }
}

export const fmtRps = (x: number) => (Number.isFinite(x) ? (x >= 100 ? Math.round(x).toString() : x.toFixed(1)) : 'n/a');
export const fmtMs = (x: number) => (Number.isFinite(x) ? `${x >= 10 ? Math.round(x) : x.toFixed(1)}` : 'n/a');
export const fmtRatio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

export function markdownTable(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

export function cpuCell(res: Results, row: string, servers: string[]): string {
  return servers.map((s) => (res.samples(row, s).length ? fmtMs(res.med(row, s, 'cpuUs')) : '–')).join(' / ');
}

/** `req/s (p50/p99 ms)` of a row and server; `*` after req/s when the load generator was the limit. */
export function cell(res: Results, row: string, server: string): string {
  if (res.samples(row, server).length === 0) return '–';
  return `${fmtRps(res.med(row, server, 'rps'))}${res.clientBound(row, server) ? '*' : ''} (${fmtMs(res.med(row, server, 'p50'))}/${fmtMs(res.med(row, server, 'p99'))})`;
}

/** The load generator's CPU in cores for each server (`*` at or above CLIENT_BOUND). */
export function clientCell(res: Results, row: string, servers: string[]): string {
  return servers
    .map((s) => {
      if (!res.samples(row, s).length) return '–';
      const c = res.med(row, s, 'clientCores');
      return Number.isFinite(c) ? `${c.toFixed(2)}${res.clientBound(row, s) ? '*' : ''}` : '–';
    })
    .join(' / ');
}

export const CLIENT_NOTE = `\* client-bound: the load generator (autocannon, in a process of its own) (or one of its BENCH_LOAD_PROCS processes) used at least ${CLIENT_BOUND} of a core, so that req/s is its limit rather than the server's; server CPU per response still compares.`;

export interface Goal {
  label: string;
  value: number;
  /** The same comparison in server CPU time per response, when it has one. */
  cpu?: number;
  /** Met when value >= min (or <= max). */
  min?: number;
  max?: number;
}

export function verdict(t: Goal): string {
  if (!Number.isFinite(t.value)) return 'n/a';
  const ok = (t.min === undefined || t.value >= t.min) && (t.max === undefined || t.value <= t.max);
  return ok ? 'met' : 'MISSED';
}
