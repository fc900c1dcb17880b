// Before measuring: the same package (20 versions, ~5 KB tarballs) on each registry, checks
// that every measured request answers 200 (and that bearer tokens are accepted), and the
// capture of Tessera's answers for the ceiling.

import { writeFileSync } from 'node:fs';
import type { Captured } from '../ceiling.ts';
import { REPLAYED } from '../ceiling.ts';
import { call, publishOnce } from './client.ts';
import { publishBody } from './packages.ts';
import { PKG, PKG_VERSIONS, READ_KINDS, readLoad, type Target } from './scenarios.ts';

/** The publish bodies of the read package, built once so every registry gets the same bytes. */
export function readPackageBodies(): string[] {
  return Array.from({ length: PKG_VERSIONS }, (_, i) => publishBody(PKG, `1.0.${i}`).body);
}

export async function publishReadPackage(t: Target, bodies: string[]): Promise<void> {
  for (const body of bodies) await publishOnce(t.base, t.token, PKG, body);
}

/** Every read the benchmark makes answers 200; bearer reads are not downgraded to anonymous. */
export async function checkReads(t: Target, pkg = PKG): Promise<void> {
  for (const kind of READ_KINDS) {
    for (const auth of [true, false]) {
      const load = readLoad(t, kind, auth, 1, pkg);
      const r = await call(t.base, load.path, { headers: load.headers });
      if (r.status !== 200) throw new Error(`${t.name}: GET ${load.path} (${kind}, ${auth ? 'bearer' : 'anonymous'}) answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
      const notice = r.headers.get('npm-notice');
      if (auth && notice) throw new Error(`${t.name}: the bearer token was not accepted (${notice})`);
    }
  }
}

/** Tessera's answers to the measured reads, for the ceiling to replay. */
export async function capture(t: Target, file: string): Promise<{ sizes: Record<string, number> }> {
  const out: Captured[] = [];
  const sizes: Record<string, number> = {};
  for (const kind of READ_KINDS) {
    const load = readLoad(t, kind, true, 1);
    const r = await call(t.base, load.path, { headers: load.headers });
    const headers: Record<string, string> = {};
    for (const h of REPLAYED) {
      const v = r.headers.get(h);
      if (v !== null) headers[h] = v;
    }
    headers['content-length'] = String(r.body.length);
    out.push({ path: load.path, form: kind === 'tarball' ? null : kind, status: r.status, headers, bodyB64: r.body.toString('base64') });
    sizes[kind] = r.body.length;
  }
  writeFileSync(file, JSON.stringify(out));
  return { sizes };
}
