// What is measured: packument and tarball reads (bearer and anonymous), publishes of
// distinct versions, logins, and reads while a login storm runs. Every function measures the
// servers it is given in the order it is given, so callers alternate them between rounds.

import { ABBREVIATED, loginPath, publishOnce } from './client.ts';
import { combineSamples, type Load, measure, measurePair, type Sample } from './measure.ts';
import { BodyPool, PASSWORD } from './packages.ts';
import type { Results } from './report.ts';
import { delay } from './procs.ts';

const SETTLE_MS = 500;

/**
 * Turns each read measurement is cut into (BENCH_READ_SLICES, default 4): the servers of a row
 * take turns slice by slice, so that each is measured within a second or two of the others.
 * On the machine these figures come from, one server's CPU per response moves by up to a
 * quarter between measurements a few seconds apart; pairing closer in time cancels most of it.
 */
export const READ_SLICES = Math.max(1, Math.floor(Number(process.env.BENCH_READ_SLICES ?? 4)) || 1);
/** Pause before each slice after the first of a row (the previous server's last responses, its GC). */
const SLICE_SETTLE_MS = 200;

/**
 * Measures `load(t, seconds)` for every target in READ_SLICES turns of durationS / READ_SLICES seconds
 * (the order rotating each turn, so that no server always follows the same one) and returns
 * each target's turns combined (combineSamples). `before` and `after` run around each slice.
 */
export async function inTurns(
  targets: Target[],
  durationS: number,
  load: (t: Target, seconds: number) => Load,
  hooks: { before?: (t: Target) => Promise<void>; after?: (t: Target) => Promise<void> } = {},
): Promise<Map<Target, Sample>> {
  // Slices of at least a second (a --quick run's 1-s measurements stay whole).
  const slices = Math.min(READ_SLICES, Math.max(1, Math.floor(durationS)));
  const parts = new Map<Target, Sample[]>(targets.map((t) => [t, []]));
  for (let i = 0; i < slices; i++) {
    for (const [j, t] of rotate(targets, i).entries()) {
      await delay(i === 0 && j === 0 ? SETTLE_MS : SLICE_SETTLE_MS);
      await hooks.before?.(t);
      const s = await measure(load(t, durationS / slices));
      await hooks.after?.(t);
      parts.get(t)!.push(s);
    }
  }
  return new Map(targets.map((t) => [t, combineSamples(parts.get(t)!)]));
}

export interface Target {
  /** Column name: tessera, verdaccio, ceiling, tessera-10k… */
  name: string;
  base: string;
  /** Bearer token of the `bench` user; the ceiling takes any. */
  token: string;
  /** The server's process, for CPU time per request. */
  pid?: number;
}

export const PKG = 'bench-pkg';
export const PKG_VERSIONS = 20;
export const READ_CONNECTIONS = 50;
export const PUBLISH_CONNECTIONS = 8;
export const LOGIN_CONNECTIONS = 20;

export type ReadKind = 'full' | 'abbreviated' | 'tarball';
export const READ_KINDS: ReadKind[] = ['full', 'abbreviated', 'tarball'];

export function readRow(kind: ReadKind, auth: boolean): string {
  return `${kind}, ${auth ? 'bearer' : 'anonymous'}`;
}

export function readLoad(t: Target, kind: ReadKind, auth: boolean, durationS: number, pkg = PKG): Load {
  const headers: Record<string, string> = { accept: kind === 'abbreviated' ? ABBREVIATED : kind === 'full' ? 'application/json' : '*/*' };
  if (auth) headers.authorization = `Bearer ${t.token}`;
  const path = kind === 'tarball' ? `/${pkg}/-/${pkg}-1.0.${PKG_VERSIONS - 1}.tgz` : `/${pkg}`;
  return { base: t.base, path, headers, connections: READ_CONNECTIONS, durationS, pid: t.pid };
}

/** `npm login --auth-type=legacy` as npm 11 sends it: the couch document, and Basic credentials. */
export function loginLoad(t: Target, durationS: number): Load {
  const doc = { _id: 'org.couchdb.user:bench', name: 'bench', password: PASSWORD, type: 'user', roles: [], date: new Date().toISOString() };
  return {
    base: t.base,
    path: loginPath('bench'),
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`bench:${PASSWORD}`).toString('base64')}`, 'npm-command': 'login' },
    body: JSON.stringify(doc),
    connections: LOGIN_CONNECTIONS,
    durationS,
    pid: t.pid,
  };
}

export async function reads(res: Results, round: number, kind: ReadKind, auth: boolean, order: Target[], durationS: number): Promise<void> {
  const samples = await inTurns(order, durationS, (t, seconds) => readLoad(t, kind, auth, seconds));
  for (const t of order) res.record(readRow(kind, auth), t.name, round, samples.get(t)!);
}

/** Publishes of distinct versions of a fresh package (created first, outside the measurement). */
export async function publishes(res: Results, round: number, order: Target[], durationS: number): Promise<void> {
  for (const t of order) {
    const name = `bench-pub-${round}`;
    await publishOnce(t.base, t.token, name, new BodyPool(name, 1, 1).take());
    const s = await measure({
      base: t.base,
      path: `/${name}`,
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}`, 'npm-command': 'publish' },
      gen: { kind: 'publish', name, major: 2, prebuild: Math.ceil(300 * durationS) },
      connections: PUBLISH_CONNECTIONS,
      durationS,
      pid: t.pid,
    });
    res.record('publish', t.name, round, s);
  }
}

export async function logins(res: Results, round: number, order: Target[], durationS: number): Promise<void> {
  for (const t of order) res.record('login', t.name, round, await measure(loginLoad(t, durationS)));
}

/** Abbreviated bearer reads alone, then the same reads while 20 clients log in. */
export async function storm(res: Results, round: number, order: Target[], durationS: number): Promise<void> {
  for (const t of order) {
    res.record('storm: reads alone', t.name, round, await measure(readLoad(t, 'abbreviated', true, durationS)));
    // Both loads hit one server: its CPU time cannot be split between them.
    const [r, l]: [Sample, Sample] = await measurePair({ ...readLoad(t, 'abbreviated', true, durationS), pid: undefined }, { ...loginLoad(t, durationS), pid: undefined });
    res.record('storm: reads during logins', t.name, round, r);
    res.record('storm: logins during reads', t.name, round, l);
  }
}

export function rotate<T>(xs: T[], by: number): T[] {
  const k = ((by % xs.length) + xs.length) % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}
