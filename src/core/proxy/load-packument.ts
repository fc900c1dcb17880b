// Loading an upstream packument for serving (issue #15, item 2): the stored copy while fresh
// (proxyFreshSeconds), else a conditional request (ETag / Last-Modified, RFC 9110 §13.1) to
// the upstream; when the upstream fails, the stored copy is served stale; with nothing stored
// the failure is a 502 (unreachable, bad answer) or 504 (timeout) naming the upstream.

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { type PackumentForm, UpstreamError } from './ports.ts';
import type { Upstream } from './rules.ts';
import { BadUpstreamPackument, parseUpstreamPackument } from './upstream-packument.ts';
import { addRegistrySignatures, noteUpstreamKeyids } from './upstream-signatures.ts';
import type { PackumentDoc } from './versions.ts';

export type ProxyLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;

export type LoadedPackument =
  | {
      kind: 'found';
      doc: PackumentDoc;
      /** When the copy was last fetched or revalidated (ms). */
      fetchedAt: number;
      /** True when this load transferred a new body from the upstream (x-tessera-cache: miss). */
      fetched: boolean;
      /** Why the copy is served stale (the upstream's failure), or null when it is current. */
      stale: string | null;
    }
  | { kind: 'not-found' };

/**
 * The upstream packument of `name` in `form`. Reads `deps.store.proxy`, asks
 * `deps.upstream` when the stored copy is missing or older than `settings.proxy.freshMs`, and
 * stores what it received after checking it (upstream-packument.ts). Throws DomainError
 * UPSTREAM_FAILED (unreachable, bad answer, refused document) or UPSTREAM_TIMEOUT when no copy
 * is stored; logs every failure and every stale answer through `log`.
 */
export async function loadUpstreamPackument(
  deps: Pick<Deps, 'store' | 'upstream' | 'clock' | 'settings' | 'upstreamState' | 'signing'>,
  upstream: Upstream,
  name: string,
  form: PackumentForm,
  log: ProxyLog,
): Promise<LoadedPackument> {
  const now = deps.clock.now();
  const found = await deps.store.proxy.getPackument(name, form);
  // A copy from another upstream (the rules changed) is neither served nor revalidated.
  const stored = found && found.upstream === upstream.name ? found : null;
  const storedDoc = (): PackumentDoc | null => {
    if (!stored) return null;
    try {
      return parseUpstreamPackument(stored.body, name);
    } catch {
      return null;
    }
  };
  if (stored && now < stored.fetchedAt + deps.settings.proxy.freshMs) {
    const doc = storedDoc();
    if (doc) return { kind: 'found', doc, fetchedAt: stored.fetchedAt, fetched: false, stale: null };
  }
  try {
    const answer = await deps.upstream.packument(upstream, name, {
      form,
      etag: stored?.etag ?? null,
      lastModified: stored?.lastModified ?? null,
      maxBytes: deps.settings.maxPackumentBytes,
    });
    const at = deps.clock.now();
    if (answer.kind === 'not-found') {
      deps.upstreamState.success(upstream.name, at);
      return { kind: 'not-found' };
    }
    if (answer.kind === 'not-modified') {
      const doc = storedDoc();
      if (!doc) throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered 304 Not Modified for ${name}, which was not asked conditionally.`);
      await deps.store.proxy.revalidated(name, form, at, answer.etag, answer.lastModified);
      deps.upstreamState.success(upstream.name, at);
      return { kind: 'found', doc, fetchedAt: at, fetched: false, stale: null };
    }
    let doc: PackumentDoc;
    try {
      doc = parseUpstreamPackument(answer.body, name);
    } catch (e) {
      if (!(e instanceof BadUpstreamPackument)) throw e;
      throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} sent a packument Tessera refuses: ${e.message}.`);
    }
    // A signature by a key the kept upstream key list lacks: ask for the list again (rotation).
    await noteUpstreamKeyids(deps, upstream, doc);
    // Tessera's signature beside the upstream's own, made once for the copy it keeps (upstream-signatures.ts).
    const body = addRegistrySignatures(deps.signing, name, doc) ? Buffer.from(JSON.stringify(doc)) : answer.body;
    await deps.store.proxy.putPackument({ name, form, upstream: upstream.name, body, etag: answer.etag, lastModified: answer.lastModified, fetchedAt: at });
    deps.upstreamState.success(upstream.name, at);
    return { kind: 'found', doc, fetchedAt: at, fetched: true, stale: null };
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    deps.upstreamState.failure(upstream.name, deps.clock.now(), e.message);
    const doc = storedDoc();
    if (stored && doc) {
      log('warn', 'upstream failed: serving the stored packument stale', { upstream: upstream.name, package: name, form, reason: e.message, fetchedAt: new Date(stored.fetchedAt).toISOString() });
      return { kind: 'found', doc, fetchedAt: stored.fetchedAt, fetched: false, stale: e.message };
    }
    log('warn', 'upstream failed and no copy is stored', { upstream: upstream.name, package: name, form, reason: e.message });
    if (e.kind === 'timeout') fail('UPSTREAM_TIMEOUT', e.message);
    fail('UPSTREAM_FAILED', e.message);
  }
}
