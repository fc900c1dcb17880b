// What a package read answers with besides its bytes: the form the client asked for and how
// long it may be cached. Shared by the routes (routes/packages.ts) and the fast path
// (fast-reads.ts), so that the two cannot answer differently.

import type { PackageAccess } from '../core/access/permissions.ts';
import type { Form } from './packument-cache.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

const acceptSeen = new Map<string, boolean>();

/** The last Accept header answered: an install sends the same one every time. */
let lastAccept = '';
let lastAnswer = false;

/** Picks the abbreviated form when the client ranks it first (pacote's Accept header). */
function wantsAbbreviated(accept: string | undefined): boolean {
  if (!accept) return false;
  // A comparison with the last header costs less than hashing a fresh string for the map.
  if (accept === lastAccept) return lastAnswer;
  lastAccept = accept;
  lastAnswer = answerFor(accept);
  return lastAnswer;
}

function answerFor(accept: string): boolean {
  // Clients send a handful of distinct Accept headers: remember the answers.
  const known = acceptSeen.get(accept);
  if (known !== undefined) return known;
  const answer = rankAbbreviatedFirst(accept);
  if (acceptSeen.size < 256) acceptSeen.set(accept, answer);
  return answer;
}

function rankAbbreviatedFirst(accept: string): boolean {
  let best = { type: '', q: -1 };
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (q > best.q) best = { type: type.trim(), q };
  }
  return best.type === ABBREVIATED;
}

/** The packument form a request's Accept header asks for. */
export function packumentForm(accept: string | undefined): Form {
  return wantsAbbreviated(accept) ? 'abbreviated' : 'full';
}

export function packumentContentType(form: Form): string {
  return form === 'abbreviated' ? ABBREVIATED : 'application/json';
}

/** Packuments differ by form (Accept) and by who may see them (Authorization). */
export const PACKUMENT_VARY = 'Accept, Authorization';

/** Public packuments may be cached for a while; restricted ones are revalidated each time. */
export function packumentCacheControl(pkg: Pick<PackageAccess, 'access'>): string {
  return pkg.access === 'public' ? 'public, max-age=300' : 'private, no-cache';
}

/** Tarballs never change under their name. */
export function tarballCacheControl(pkg: Pick<PackageAccess, 'access'>): string {
  return pkg.access === 'public' ? 'public, max-age=31536000, immutable' : 'private, no-cache';
}

/** The Warning of a proxied answer served from a stored copy the upstream could not refresh (RFC 7234 §5.5.1). */
export const STALE_WARNING = '110 - "Response is stale"';

/**
 * The headers a proxied packument or tarball adds: `x-tessera-cache` (hit: answered from
 * Tessera's cache; miss: fetched from the upstream for this request) and, for a stale copy,
 * `Warning`. Nothing for a local package.
 */
export function proxyHeaders(pkg: { proxy?: { stale: string | null } }, miss: boolean): Record<string, string> {
  if (!pkg.proxy) return {};
  return pkg.proxy.stale === null ? { 'x-tessera-cache': miss ? 'miss' : 'hit' } : { 'x-tessera-cache': miss ? 'miss' : 'hit', warning: STALE_WARNING };
}
