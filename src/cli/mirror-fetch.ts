// The HTTP side of `tessera mirror`: for each package of a lockfile, GET its packument through
// Tessera as npm does (abbreviated, pacote lib/registry.js's accept header), then the tarball
// at the packument's `dist.tarball` (Tessera's own URL: that GET is what makes a proxying
// Tessera fetch and keep it), hashing the bytes as they arrive against the lockfile's
// integrity (else the packument's). A few requests at a time, one packument GET per name.
// Tessera says `x-tessera-cache: hit` on a packument or tarball it already held and `miss` on
// one it just fetched upstream: a package counts as already cached when its tarball was a hit
// and its packument no miss; without the header (a local package, an older Tessera), as fetched.

import { expectedIntegrity, IntegrityCheck, sha1HexIntegrity } from '../core/proxy/sri-check.ts';
import type { LockedPackage } from '../core/proxy/lockfile.ts';

/** pacote's accept header for the abbreviated ("corgi") packument npm installs from. */
export const CORGI_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

export interface MirrorOptions {
  /** Tessera's base URL, ending in `/`. */
  registry: string;
  /** Sent as `Authorization: Bearer` to URLs under `registry` only. */
  token?: string;
  /** Requests in flight at most (each package is a packument GET, once per name, then a tarball GET). */
  concurrency: number;
  userAgent: string;
  /** Called as each package is done (in completion order). */
  onDone?: (outcome: Outcome, done: number, total: number) => void;
}

export type Outcome = { pkg: LockedPackage; state: 'fetched' | 'cached' } | { pkg: LockedPackage; state: 'failed'; reason: string };

/** Tessera's answer to "did you hold it already?" on proxied packuments and tarballs: `hit` or `miss`. */
export const CACHE_HEADER = 'x-tessera-cache';

/** A failure whose message is the reason shown for the package. */
class Failure extends Error {}

/** Attempts per request: a refused connection or a 5xx (but 501) is tried once more (npm retries such failures too: fetch-retries). */
const ATTEMPTS = 2;
const RETRY_DELAY_MS = 500;

interface Packument {
  versions: Record<string, { dist?: { tarball?: unknown; integrity?: unknown; shasum?: unknown } }>;
  latest: string | undefined;
  /** The x-tessera-cache header of its answer: `hit`, `miss`, or null when absent. */
  cache: string | null;
}

/** The path segment npm uses for a name: `@scope%2fname` (npm-package-arg's escapedName). */
export const escapedName = (name: string): string => name.replace('/', '%2f');

/**
 * Fetches every package through Tessera, `concurrency` at a time; resolves with one outcome
 * per package, in the order given. Never rejects for a package's failure (it is an outcome).
 */
export async function mirrorPackages(packages: LockedPackage[], options: MirrorOptions): Promise<Outcome[]> {
  const href = new URL(options.registry).href;
  const registry = href.endsWith('/') ? href : `${href}/`;
  const packuments = new Map<string, Promise<Packument>>();
  const outcomes: Outcome[] = new Array(packages.length);
  let next = 0;
  let done = 0;

  const headers = (url: string, accept: string): Record<string, string> => ({
    accept,
    'user-agent': options.userAgent,
    ...(options.token && url.startsWith(registry) ? { authorization: `Bearer ${options.token}` } : {}),
  });

  const packumentOf = (name: string): Promise<Packument> => {
    let p = packuments.get(name);
    if (!p) {
      p = fetchPackument(`${registry}${escapedName(name)}`, headers);
      packuments.set(name, p);
    }
    return p;
  };

  const one = async (pkg: LockedPackage): Promise<Outcome> => {
    try {
      const packument = await packumentOf(pkg.name);
      const manifest = Object.hasOwn(packument.versions, pkg.version) ? packument.versions[pkg.version] : undefined;
      if (!manifest) throw new Failure(`version ${pkg.version} is not in the packument Tessera serves (${Object.keys(packument.versions).length} versions${packument.latest ? `, latest ${packument.latest}` : ''})`);
      const tarball = manifest.dist?.tarball;
      if (typeof tarball !== 'string') throw new Failure('the packument gives no dist.tarball for this version');
      let url: string;
      try {
        url = new URL(tarball).href;
      } catch {
        throw new Failure(`the packument's dist.tarball is not a URL: ${tarball}`);
      }
      if (!url.startsWith(registry)) throw new Failure(`the packument's tarball URL ${url} is not under ${registry}, so Tessera would not keep it: give --registry as Tessera's public URL (its "url" setting)`);
      const fromLockfile = expectedIntegrity(pkg.integrity);
      const sri = fromLockfile ? pkg.integrity : typeof manifest.dist?.integrity === 'string' ? manifest.dist.integrity : (sha1HexIntegrity(manifest.dist?.shasum as string | undefined) ?? undefined);
      const cached = await fetchTarball(url, headers(url, '*/*'), sri, fromLockfile ? 'the lockfile' : 'the packument');
      return { pkg, state: cached && packument.cache !== 'miss' ? 'cached' : 'fetched' };
    } catch (e) {
      if (e instanceof Failure) return { pkg, state: 'failed', reason: e.message };
      throw e;
    }
  };

  const worker = async (): Promise<void> => {
    while (next < packages.length) {
      const i = next++;
      outcomes[i] = await one(packages[i]);
      options.onDone?.(outcomes[i], ++done, packages.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, packages.length)) }, worker));
  return outcomes;
}

async function fetchPackument(url: string, headers: (url: string, accept: string) => Record<string, string>): Promise<Packument> {
  const res = await send(url, headers(url, CORGI_ACCEPT));
  if (res.status !== 200) throw new Failure(`packument: ${await httpProblem(res)}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw new Failure(e instanceof SyntaxError ? 'packument: the answer is not JSON' : `packument: the answer broke off (${causeOf(e)})`);
  }
  const record = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!record(body) || !record(body.versions)) throw new Failure('packument: the answer has no versions');
  const tags = record(body['dist-tags']) ? body['dist-tags'] : {};
  return { versions: body.versions as Packument['versions'], latest: typeof tags.latest === 'string' ? tags.latest : undefined, cache: res.headers.get(CACHE_HEADER) };
}

/** GETs a tarball and checks its bytes; resolves with whether Tessera said it already held it. */
async function fetchTarball(url: string, headers: Record<string, string>, sri: string | undefined, source: string): Promise<boolean> {
  const res = await send(url, headers);
  if (res.status !== 200) throw new Failure(`tarball: ${await httpProblem(res)}`);
  const expected = expectedIntegrity(sri);
  const check = expected ? new IntegrityCheck(expected) : null;
  try {
    for await (const chunk of res.body ?? []) check?.update(chunk as Uint8Array);
  } catch (e) {
    throw new Failure(`tarball: the download broke off (${causeOf(e)})`);
  }
  const verdict = check?.verdict();
  if (verdict && !verdict.ok) throw new Failure(`integrity mismatch: ${source} says ${sri}, the tarball Tessera served is ${verdict.actual}`);
  return res.headers.get(CACHE_HEADER) === 'hit';
}

/** fetch, tried again once after a network error or a 5xx but 501. */
async function send(url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { headers, redirect: 'follow' });
      if (res.status < 500 || res.status === 501 || attempt >= ATTEMPTS) return res;
      await res.body?.cancel();
    } catch (e) {
      if (attempt >= ATTEMPTS) throw new Failure(`cannot reach ${new URL(url).origin} (${causeOf(e)})`);
    }
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
  }
}

/** How much of a refusal's body is read for its JSON `error`. */
const ERROR_BODY_BYTES = 65536;

/** `HTTP 404 (the server's JSON "error")` for a refusal; only the body's first 64 KiB are read. */
export async function httpProblem(res: Response): Promise<string> {
  let detail = '';
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      chunks.push(chunk as Uint8Array);
      size += (chunk as Uint8Array).length;
      if (size >= ERROR_BODY_BYTES) break; // leaving the loop cancels the rest
    }
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string') detail = (parsed as { error: string }).error;
  } catch {
    // not JSON: the status says it
  }
  return `HTTP ${res.status}${detail ? ` (${detail.slice(0, 300)})` : res.statusText ? ` ${res.statusText}` : ''}`;
}

/** The code or message of a network error (fetch's TypeError carries the cause). */
export function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return e instanceof Error ? e.message : String(e);
}
