// Serialised packuments, kept in memory and dropped whenever the package changes. A read of
// a cached package costs a Map lookup, a visibility check and a write of ready bytes. An entry
// keeps only the rendered bodies and what access checks and tarball lookups need, never the
// parsed package, and the cache stays within a byte budget, least recently used out first.
// Each form is rendered when first asked for: installs ask for the abbreviated one only, so
// the full one (twice its size) is neither built nor kept for them.
//
// A name with no local record whose route has an upstream (core/proxy/local-names.ts) is
// proxied: its entry is rendered from the upstream copy (core/proxy/load-packument.ts) and
// expires with the copy's freshness window, so warm proxied reads take the same fast path as
// local ones. Concurrent misses of a name make one upstream request (one load per form, and
// one upstream fetch per name and fetched form shared by both forms).

import { versionPolicyOf } from '../core/proxy/blocks.ts';
import { createHash } from 'node:crypto';
import type { PackageAccess } from '../core/access/permissions.ts';
import type { Deps } from '../core/deps.ts';
import { type DomainError, isDomainError } from '../core/errors.ts';
import { abbreviatedPackument, fullPackument } from '../core/packages/packument.ts';
import { type LoadedPackument, loadUpstreamPackument, type ProxyLog } from '../core/proxy/load-packument.ts';
import { proxyRouteOf } from '../core/proxy/local-names.ts';
import type { PackumentForm } from '../core/proxy/ports.ts';
import type { Route, Upstream } from '../core/proxy/rules.ts';
import { proxiedView, type UpstreamFile } from '../core/proxy/upstream-packument.ts';

export interface Rendered {
  body: Buffer;
  etag: string;
}

export type Form = 'full' | 'abbreviated';

/** A tarball of the package: its blob (empty while a proxied one is not stored) and the checksum its ETag carries. */
export interface CachedFile {
  blobKey: string;
  shasum: string;
  /** A proxied package's tarball: where the upstream has it, its integrity, why it is hidden. */
  upstream?: UpstreamFile;
}

/** What a proxied entry carries besides the rendered bodies. */
export interface ProxiedInfo {
  upstream: Upstream;
  /** Until when (ms) the entry is served without loading again. */
  expiresAt: number;
  /** Why the copy is served stale (the upstream's failure), or null. */
  stale: string | null;
}

export interface CachedPackage extends PackageAccess {
  /** Tarball file name → blob and checksum. */
  files: Map<string, CachedFile>;
  full?: Rendered;
  abbreviated?: Rendered;
  /** Present when the package comes from an upstream. */
  proxy?: ProxiedInfo;
}

/** A cached package and whether this request made it come from the upstream (x-tessera-cache: miss). */
export interface Lookup<P> {
  pkg: P;
  miss: boolean;
}

/** A cached package with the form asked for rendered. */
export type WithForm<F extends Form> = CachedPackage & Record<F, Rendered>;

interface Entry {
  /** null: no such package (remembered too: pacote asks twice for a missing package). */
  pkg: CachedPackage | null;
  bytes: number;
  /** Proxied names (and their upstream 404s and failures) expire (ms); local entries do not. */
  expiresAt?: number;
  /** The upstream failure answered until expiresAt (nothing usable cached). */
  error?: DomainError;
  /** True when the load that made this entry transferred a body from the upstream. */
  fetched?: boolean;
  /** Read since eviction last passed it: it gets a second chance (the CLOCK approximation of LRU). */
  used?: boolean;
}

/** How long an upstream 404 is remembered (within the freshness window). */
const NOT_FOUND_MS = 30_000;
/** How long an upstream failure (or a stale copy) is answered before the upstream is asked again. */
const RETRY_MS = 5_000;

/** Fixed cost of an entry besides its bodies: the view, its maps and strings. */
const ENTRY_OVERHEAD = 512;
const FILE_OVERHEAD = 300;

function render(doc: unknown): Rendered {
  // A buffer of its own: Buffer.from() would cut small bodies out of a shared 8 KiB slab, and
  // one kept body would keep its whole slab alive (up to 8 KiB for a 1 KiB packument).
  const text = JSON.stringify(doc);
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  body.write(text);
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

export class PackumentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Upstream fetches in flight, by fetched form and name: shared by both forms' loads. */
  private readonly fetching = new Map<string, Promise<LoadedPackument>>();
  private generation = 0;
  private bytes = 0;

  constructor(
    private readonly deps: Pick<Deps, 'store' | 'settings' | 'clock' | 'upstream' | 'upstreamState'>,
    private readonly maxBytes = 96 * 1024 * 1024,
    private readonly log: ProxyLog = () => {},
  ) {}

  /** The entry of a name if it is in memory and current, without loading anything. */
  peek(name: string): CachedPackage | null | undefined {
    const hit = this.entries.get(name);
    if (!hit || hit.error || (hit.expiresAt !== undefined && hit.expiresAt <= this.deps.clock.now())) return undefined;
    return hit.pkg;
  }

  /**
   * lookup()'s answer when memory holds it (current, with `form` rendered when asked for),
   * without waiting; undefined when lookup() would load, fetch, serve a stale copy or throw.
   * Counts as a use for eviction. The read fast path answers synchronously with it.
   */
  inMemory<F extends Form>(name: string, form: F): Lookup<WithForm<F> | null> | undefined;
  inMemory(name: string): Lookup<CachedPackage | null> | undefined;
  inMemory(name: string, form?: Form): Lookup<CachedPackage | null> | undefined {
    const hit = this.entries.get(name);
    if (!hit || hit.error || (form && hit.pkg && !hit.pkg[form]) || (hit.expiresAt !== undefined && hit.expiresAt <= this.deps.clock.now())) return undefined;
    hit.used = true;
    return { pkg: hit.pkg, miss: false };
  }

  /** The cached package, with `form` rendered when asked for, or null when there is none. */
  get<F extends Form>(name: string, form: F): Promise<WithForm<F> | null>;
  get(name: string): Promise<CachedPackage | null>;
  async get(name: string, form?: Form): Promise<CachedPackage | null> {
    return (await this.lookup(name, form)).pkg;
  }

  /**
   * As get(), and whether the answer was fetched from the upstream by this request's load.
   * Throws the DomainError (UPSTREAM_FAILED, UPSTREAM_TIMEOUT) of a proxied name whose
   * upstream failed with nothing usable stored.
   */
  lookup<F extends Form>(name: string, form: F): Promise<Lookup<WithForm<F> | null>>;
  lookup(name: string, form?: Form): Promise<Lookup<CachedPackage | null>>;
  async lookup(name: string, form?: Form): Promise<Lookup<CachedPackage | null>> {
    const hit = this.entries.get(name);
    const current = hit && (hit.expiresAt === undefined || hit.expiresAt > this.deps.clock.now());
    if (hit && (!hit.pkg || !form || hit.pkg[form])) {
      // A copy already served stale (its upstream failing) stays served at once while one
      // request in the background asks the upstream again: no reader waits for its timeout.
      const staleAgain = !current && hit.pkg?.proxy?.stale != null;
      if (current || staleAgain) {
        hit.used = true;
        if (hit.error) throw hit.error;
        if (staleAgain) this.start(name, form).catch(() => {});
        return { pkg: hit.pkg, miss: false };
      }
    }
    const entry = await this.start(name, form);
    if (entry.error) throw entry.error;
    return { pkg: entry.pkg, miss: entry.fetched === true };
  }

  /** The load of a name and form, joined when one is in flight. */
  private start(name: string, form: Form | undefined): Promise<Entry> {
    const key = `${form ?? ''}:${name}`;
    let pending = this.loading.get(key);
    if (!pending) {
      const started = this.load(name, form);
      pending = started;
      this.loading.set(key, started);
      const done = () => {
        if (this.loading.get(key) === started) this.loading.delete(key);
      };
      started.then(done, done);
    }
    return pending;
  }

  private async load(name: string, form: Form | undefined): Promise<Entry> {
    const generation = this.generation;
    const record = await this.deps.store.packages.get(name);
    let entry: Entry = { pkg: null, bytes: ENTRY_OVERHEAD };
    const route = record ? null : await proxyRouteOf(this.deps, this.deps.settings.proxy, name, { noRecord: true });
    if (route?.upstream) {
      entry = await this.loadProxied(name, form ?? 'abbreviated', route as Route & { upstream: Upstream }, generation);
    } else if (record) {
      const url = this.deps.settings.publicUrl;
      // Forms rendered earlier from the same state are kept (a change would have dropped them).
      const earlier = generation === this.generation ? this.entries.get(name)?.pkg : undefined;
      const pkg: CachedPackage = {
        name: record.name,
        access: record.access,
        unpublished: record.unpublished,
        owners: record.owners,
        org: record.org,
        files: new Map(record.versions.map((v) => [v.tarball.file, { blobKey: v.tarball.blobKey, shasum: v.tarball.shasum }])),
        full: form === 'full' ? render(fullPackument(record, url)) : earlier?.full,
        abbreviated: form === 'abbreviated' ? render(abbreviatedPackument(record, url)) : earlier?.abbreviated,
      };
      const bodies = (pkg.full?.body.length ?? 0) + (pkg.abbreviated?.body.length ?? 0);
      entry = { pkg, bytes: ENTRY_OVERHEAD + bodies + pkg.files.size * FILE_OVERHEAD };
    }
    // A change during the load makes the loaded state stale: answer with it, do not keep it.
    // An upstream failure for one form does not replace the other form's current copy.
    const current = this.entries.get(name);
    const keepsOther = entry.error !== undefined && current?.pkg?.proxy !== undefined && (current.expiresAt ?? 0) > this.deps.clock.now();
    if (generation === this.generation && !keepsOther) this.keep(name, entry);
    return entry;
  }

  /** The entry of a proxied name, rendered in `form` from the upstream copy. */
  private async loadProxied(name: string, form: Form, route: Route & { upstream: Upstream }, generation: number): Promise<Entry> {
    const { settings, clock } = this.deps;
    // The minimum release age needs `time`, which only the full form has: fetch that and derive.
    const sourceForm: PackumentForm = route.minReleaseAgeMs > 0 ? 'full' : form;
    let loaded: LoadedPackument;
    try {
      loaded = await this.fetchShared(route.upstream, name, sourceForm);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      return { pkg: null, bytes: ENTRY_OVERHEAD, error: e, expiresAt: clock.now() + Math.min(settings.proxy.freshMs, RETRY_MS), fetched: false };
    }
    const now = clock.now();
    if (loaded.kind === 'not-found') return { pkg: null, bytes: ENTRY_OVERHEAD, expiresAt: now + Math.min(settings.proxy.freshMs, NOT_FOUND_MS), fetched: true };
    const view = proxiedView(loaded.doc, sourceForm, form, name, settings.publicUrl, await versionPolicyOf(this.deps, name, route));
    let expiresAt = loaded.stale === null ? loaded.fetchedAt + settings.proxy.freshMs : now + Math.min(settings.proxy.freshMs, RETRY_MS);
    const earlierEntry = generation === this.generation ? this.entries.get(name) : undefined;
    const earlier = earlierEntry?.pkg?.proxy && earlierEntry.expiresAt !== undefined && earlierEntry.expiresAt > now && earlierEntry.pkg.proxy.upstream.name === route.upstream.name ? earlierEntry.pkg : undefined;
    if (earlier) expiresAt = Math.min(expiresAt, earlier.proxy!.expiresAt);
    const files = new Map<string, CachedFile>();
    for (const [file, f] of view.files) {
      // A tarball stored since (its blob found by the tarball route) stays known.
      // (a stored tarball's blob never changes, so even an expired entry's knowledge holds).
      const known = earlierEntry?.pkg?.proxy?.upstream.name === route.upstream.name ? earlierEntry.pkg.files.get(file) : undefined;
      files.set(file, { blobKey: known?.upstream?.integrity === f.integrity ? known.blobKey : '', shasum: f.integrity, upstream: f });
    }
    const other: Form = form === 'full' ? 'abbreviated' : 'full';
    const pkg: CachedPackage = {
      name,
      access: 'public',
      unpublished: false,
      owners: [],
      files,
      [form]: render(view.doc),
      [other]: earlier?.[other],
      proxy: { upstream: route.upstream, expiresAt, stale: loaded.stale },
    };
    const bodies = (pkg.full?.body.length ?? 0) + (pkg.abbreviated?.body.length ?? 0);
    return { pkg, bytes: ENTRY_OVERHEAD + bodies + files.size * FILE_OVERHEAD, expiresAt, fetched: loaded.fetched };
  }

  /** One upstream load per fetched form and name at a time, whichever form's load asks. */
  private fetchShared(upstream: Upstream, name: string, form: PackumentForm): Promise<LoadedPackument> {
    const key = `${form}:${name}`;
    let pending = this.fetching.get(key);
    if (!pending) {
      const started = loadUpstreamPackument(this.deps, upstream, name, form, this.log);
      pending = started;
      this.fetching.set(key, started);
      const done = () => {
        if (this.fetching.get(key) === started) this.fetching.delete(key);
      };
      started.then(done, done);
    }
    return pending;
  }

  private keep(name: string, entry: Entry): void {
    const replaced = this.entries.get(name);
    if (replaced) {
      this.entries.delete(name);
      this.bytes -= replaced.bytes;
    }
    this.entries.set(name, entry);
    this.bytes += entry.bytes;
    // Oldest first; one read since eviction last passed an entry moves it to the end instead
    // (the CLOCK approximation of least recently used: a read costs a flag, not a reinsertion).
    for (const [old, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (old === name) continue;
      this.entries.delete(old);
      if (e.used) {
        e.used = false;
        this.entries.set(old, e);
      } else {
        this.bytes -= e.bytes;
      }
    }
  }

  invalidate(name: string): void {
    this.generation++;
    const old = this.entries.get(name);
    if (old) {
      this.entries.delete(name);
      this.bytes -= old.bytes;
    }
    // Requests after the change must not join a load that began before it.
    for (const form of ['', 'full', 'abbreviated']) this.loading.delete(`${form}:${name}`);
    for (const form of ['full', 'abbreviated']) this.fetching.delete(`${form}:${name}`);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
    this.loading.clear();
    this.fetching.clear();
  }
}
