// Registry signatures of proxied packages (issue 19, item 3; docs/signatures.md). npm looks a
// signature's keyid up among the keys of the registry the package came from (Tessera), so:
// - an upstream packument keeps the upstream's own `dist.signatures` as they are, and Tessera
//   adds its own over the integrity it will hold the tarball to, once, when the copy is stored
//   (load-packument.ts), never per read;
// - `/-/npm/v1/keys` lists the upstreams' keys (fetched from each upstream's keys endpoint,
//   kept in the proxy's packument table, refreshed hourly, served stale when the upstream is
//   down) beside Tessera's;
// - `/-/npm/v1/attestations/NAME@VERSION` of a proxied name is fetched from its upstream once
//   and kept (attestations of a published version never change).

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import { type PublicKeyEntry, type RegistrySigning, signVersion } from '../packages/signatures.ts';
import { UpstreamError } from './ports.ts';
import type { Upstream } from './rules.ts';
import type { PackumentDoc } from './versions.ts';

/** Where failures are told (load-packument.ts ProxyLog's shape). */
type ProxyLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;

/** How long an upstream's key list is used before it is asked again. */
export const UPSTREAM_KEYS_FRESH_MS = 3600_000;
const MAX_KEYS_BYTES = 64 * 1024;
const MAX_ATTESTATIONS_BYTES = 1024 * 1024;

/** Rows of the proxy's packument table that hold these (never a package name: those have no "-/"). */
const keysRow = (upstream: string) => `-/npm/v1/keys/${upstream}`;
const attestationsRow = (name: string, version: string) => `-/npm/v1/attestations/${name}@${version}`;

/** The integrity pacote verifies a signature over: dist.integrity, else sha1 from dist.shasum (ssri.fromHex). */
function signedIntegrity(dist: Record<string, unknown>): string | null {
  if (typeof dist.integrity === 'string' && dist.integrity.trim() !== '') return dist.integrity.trim();
  if (typeof dist.shasum === 'string' && /^[0-9a-f]{40}$/i.test(dist.shasum)) return `sha1-${Buffer.from(dist.shasum, 'hex').toString('base64')}`;
  return null;
}

/**
 * Adds Tessera's signature to every version of an upstream packument document (in place), after
 * the upstream's own signatures, which are kept as they are. Returns whether anything was added.
 */
export function addRegistrySignatures(signing: RegistrySigning | undefined, name: string, doc: PackumentDoc): boolean {
  if (!signing || !isPlainObject(doc.versions)) return false;
  const key = signing.current();
  let added = false;
  for (const [version, manifest] of Object.entries(doc.versions as Record<string, unknown>)) {
    if (!isPlainObject(manifest) || !isPlainObject(manifest.dist)) continue;
    const dist = manifest.dist as Record<string, unknown>;
    const integrity = signedIntegrity(dist);
    if (!integrity) continue;
    const theirs = Array.isArray(dist.signatures) ? dist.signatures.filter((s) => !(isPlainObject(s) && s.keyid === key.keyid)) : [];
    dist.signatures = [...theirs, signVersion(key, name, version, integrity)];
    added = true;
  }
  return added;
}

/** The keys of an upstream's `/-/npm/v1/keys` answer, each reduced to npmjs's five fields; null when it is not that shape. */
export function parseUpstreamKeys(body: Buffer): PublicKeyEntry[] | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isPlainObject(doc) || !Array.isArray(doc.keys)) return null;
  const keys: PublicKeyEntry[] = [];
  for (const k of doc.keys) {
    if (!isPlainObject(k)) return null;
    const { keyid, key, keytype, scheme, expires } = k as Record<string, unknown>;
    if (typeof keyid !== 'string' || keyid.length > 200 || typeof key !== 'string' || !/^[A-Za-z0-9+/]{1,2000}={0,2}$/.test(key)) return null;
    if (typeof keytype !== 'string' || typeof scheme !== 'string' || (expires !== null && typeof expires !== 'string')) return null;
    keys.push({ expires: expires as string | null, keyid, keytype, scheme, key } as PublicKeyEntry);
  }
  return keys;
}

/**
 * The keys of every configured upstream, for `/-/npm/v1/keys`: the kept list while fresh, else
 * asked again (`deps.upstream.json`); an upstream that fails or answers no list contributes its
 * kept list (stale, logged), or nothing.
 */
export async function upstreamKeys(deps: Pick<Deps, 'store' | 'upstream' | 'clock' | 'settings'>, log: ProxyLog): Promise<PublicKeyEntry[]> {
  const out: PublicKeyEntry[] = [];
  for (const upstream of deps.settings.proxy.upstreams.values()) out.push(...(await keysOf(deps, upstream, log)));
  return out;
}

async function keysOf(deps: Pick<Deps, 'store' | 'upstream' | 'clock'>, upstream: Upstream, log: ProxyLog): Promise<PublicKeyEntry[]> {
  const row = keysRow(upstream.name);
  const stored = await deps.store.proxy.getPackument(row, 'full');
  const kept = stored && stored.upstream === upstream.name ? parseUpstreamKeys(stored.body) : null;
  const now = deps.clock.now();
  if (kept && stored && now < stored.fetchedAt + UPSTREAM_KEYS_FRESH_MS) return kept;
  if (!deps.upstream.json) return kept ?? [];
  try {
    const answer = await deps.upstream.json(upstream, '-/npm/v1/keys', { maxBytes: MAX_KEYS_BYTES });
    const body = answer.kind === 'ok' ? answer.body : Buffer.from('{"keys":[]}');
    const keys = parseUpstreamKeys(body);
    if (!keys) throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered /-/npm/v1/keys with no list of keys.`);
    await deps.store.proxy.putPackument({ name: row, form: 'full', upstream: upstream.name, body, etag: null, lastModified: null, fetchedAt: deps.clock.now() });
    return keys;
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    log('warn', kept ? 'upstream keys: serving the kept list stale' : 'upstream keys: none kept', { upstream: upstream.name, reason: e.message });
    return kept ?? [];
  }
}

/**
 * After a new copy of an upstream packument: when its versions carry a signature whose keyid is
 * not in the kept key list of that upstream (the upstream rotated its key), the kept list is
 * marked stale so that the next `/-/npm/v1/keys` asks the upstream again (as JWKS clients do for
 * an unknown `kid`); without that, npm would find no key for the new signatures and stop the
 * whole `npm audit signatures` (EMISSINGSIGNATUREKEY) until the list's hour is over. Call it
 * before addRegistrySignatures (Tessera's own keyid is not the upstream's). One read of the kept
 * list per fetched packument, none per read.
 */
export async function noteUpstreamKeyids(deps: Pick<Deps, 'store'>, upstream: Upstream, doc: PackumentDoc): Promise<void> {
  const ids = new Set<string>();
  for (const manifest of Object.values(isPlainObject(doc.versions) ? doc.versions : {})) {
    const dist = isPlainObject(manifest) && isPlainObject(manifest.dist) ? manifest.dist : null;
    if (!dist || !Array.isArray(dist.signatures)) continue;
    for (const sig of dist.signatures) if (isPlainObject(sig) && typeof sig.keyid === 'string') ids.add(sig.keyid);
  }
  if (ids.size === 0) return;
  const row = keysRow(upstream.name);
  const stored = await deps.store.proxy.getPackument(row, 'full');
  if (!stored || stored.fetchedAt === 0) return;
  const known = new Set((parseUpstreamKeys(stored.body) ?? []).map((k) => k.keyid));
  if ([...ids].some((id) => !known.has(id))) await deps.store.proxy.revalidated(row, 'full', 0, null, null);
}

/**
 * The attestations of a proxied version from `upstream`: kept once fetched (they never change
 * for a published version), else asked (`/-/npm/v1/attestations/NAME@VERSION`). null when the
 * upstream has none (404). Errors: UPSTREAM_FAILED, UPSTREAM_TIMEOUT when it cannot be asked and
 * nothing is kept.
 */
export async function proxiedAttestations(deps: Pick<Deps, 'store' | 'upstream' | 'clock'>, upstream: Upstream, name: string, version: string, log: ProxyLog): Promise<Buffer | null> {
  const row = attestationsRow(name, version);
  const stored = await deps.store.proxy.getPackument(row, 'full');
  if (stored && stored.upstream === upstream.name) return stored.body;
  if (!deps.upstream.json) return null;
  const escaped = name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
  try {
    const answer = await deps.upstream.json(upstream, `-/npm/v1/attestations/${escaped}@${encodeURIComponent(version)}`, { maxBytes: MAX_ATTESTATIONS_BYTES });
    if (answer.kind === 'not-found') return null;
    let doc: unknown;
    try {
      doc = JSON.parse(answer.body.toString('utf8'));
    } catch {
      doc = null;
    }
    if (!isPlainObject(doc) || !Array.isArray(doc.attestations)) {
      throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered the attestations of ${name}@${version} with no "attestations" list.`);
    }
    await deps.store.proxy.putPackument({ name: row, form: 'full', upstream: upstream.name, body: answer.body, etag: null, lastModified: null, fetchedAt: deps.clock.now() });
    return answer.body;
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    log('warn', 'upstream attestations failed', { upstream: upstream.name, package: name, version, reason: e.message });
    if (e.kind === 'timeout') fail('UPSTREAM_TIMEOUT', e.message);
    return fail('UPSTREAM_FAILED', e.message);
  }
}
