// Serialised packuments, kept in memory and dropped whenever the package changes. A read of
// a cached package costs a Map lookup, a visibility check and a write of ready bytes. An entry
// keeps only the rendered bodies and what access checks and tarball lookups need, never the
// parsed package, and the cache stays within a byte budget, least recently used out first.
// Each form is rendered when first asked for: installs ask for the abbreviated one only, so
// the full one (twice its size) is neither built nor kept for them.

import { createHash } from 'node:crypto';
import type { PackageAccess } from '../core/access/permissions.ts';
import type { Deps } from '../core/deps.ts';
import { abbreviatedPackument, fullPackument } from '../core/packages/packument.ts';

export interface Rendered {
  body: Buffer;
  etag: string;
}

export type Form = 'full' | 'abbreviated';

export interface CachedPackage extends PackageAccess {
  /** Tarball file name → blob and checksum. */
  files: Map<string, { blobKey: string; shasum: string }>;
  full?: Rendered;
  abbreviated?: Rendered;
}

/** A cached package with the form asked for rendered. */
export type WithForm<F extends Form> = CachedPackage & Record<F, Rendered>;

interface Entry {
  /** null: no such package (remembered too: pacote asks twice for a missing package). */
  pkg: CachedPackage | null;
  bytes: number;
}

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
  private generation = 0;
  private bytes = 0;

  constructor(
    private readonly deps: Pick<Deps, 'store' | 'settings'>,
    private readonly maxBytes = 96 * 1024 * 1024,
  ) {}

  /** The cached package, with `form` rendered when asked for, or null when there is none. */
  get<F extends Form>(name: string, form: F): Promise<WithForm<F> | null>;
  get(name: string): Promise<CachedPackage | null>;
  async get(name: string, form?: Form): Promise<CachedPackage | null> {
    const hit = this.entries.get(name);
    if (hit && (!hit.pkg || !form || hit.pkg[form])) {
      // Most recently used last, so that eviction takes the least recently used first.
      this.entries.delete(name);
      this.entries.set(name, hit);
      return hit.pkg;
    }
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
    return (await pending).pkg;
  }

  private async load(name: string, form: Form | undefined): Promise<Entry> {
    const generation = this.generation;
    const record = await this.deps.store.packages.get(name);
    let entry: Entry = { pkg: null, bytes: ENTRY_OVERHEAD };
    if (record) {
      const url = this.deps.settings.publicUrl;
      // Forms rendered earlier from the same state are kept (a change would have dropped them).
      const earlier = generation === this.generation ? this.entries.get(name)?.pkg : undefined;
      const pkg: CachedPackage = {
        name: record.name,
        access: record.access,
        unpublished: record.unpublished,
        owners: record.owners,
        files: new Map(record.versions.map((v) => [v.tarball.file, { blobKey: v.tarball.blobKey, shasum: v.tarball.shasum }])),
        full: form === 'full' ? render(fullPackument(record, url)) : earlier?.full,
        abbreviated: form === 'abbreviated' ? render(abbreviatedPackument(record, url)) : earlier?.abbreviated,
      };
      const bodies = (pkg.full?.body.length ?? 0) + (pkg.abbreviated?.body.length ?? 0);
      entry = { pkg, bytes: ENTRY_OVERHEAD + bodies + pkg.files.size * FILE_OVERHEAD };
    }
    // A change during the load makes the loaded state stale: answer with it, do not keep it.
    if (generation === this.generation) this.keep(name, entry);
    return entry;
  }

  private keep(name: string, entry: Entry): void {
    const replaced = this.entries.get(name);
    if (replaced) {
      this.entries.delete(name);
      this.bytes -= replaced.bytes;
    }
    this.entries.set(name, entry);
    this.bytes += entry.bytes;
    for (const [old, e] of this.entries) {
      if (this.bytes <= this.maxBytes || old === name) break;
      this.entries.delete(old);
      this.bytes -= e.bytes;
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
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
    this.loading.clear();
  }
}
