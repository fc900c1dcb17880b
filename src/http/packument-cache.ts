// Serialised packuments, kept in memory and dropped whenever the package changes. A read of
// a cached package costs a Map lookup, a visibility check and a write of ready bytes. An entry
// keeps only the two rendered bodies and what access checks and tarball lookups need, never
// the parsed package, and the cache stays within a byte budget, least recently used out first.

import { createHash } from 'node:crypto';
import type { PackageAccess } from '../core/access/permissions.ts';
import type { Deps } from '../core/deps.ts';
import { abbreviatedPackument, fullPackument } from '../core/packages/packument.ts';

export interface Rendered {
  body: Buffer;
  etag: string;
}

export interface CachedPackage extends PackageAccess {
  /** Tarball file name → blob and checksum. */
  files: Map<string, { blobKey: string; shasum: string }>;
  full: Rendered;
  abbreviated: Rendered;
}

interface Entry {
  /** null: no such package (remembered too: pacote asks twice for a missing package). */
  pkg: CachedPackage | null;
  bytes: number;
}

/** Fixed cost of an entry besides its bodies: the view, its maps and strings. */
const ENTRY_OVERHEAD = 512;

function render(doc: unknown): Rendered {
  const body = Buffer.from(JSON.stringify(doc));
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

  /** The cached package (rendered), or null when there is none. */
  async get(name: string): Promise<CachedPackage | null> {
    const hit = this.entries.get(name);
    if (hit) {
      // Most recently used last, so that eviction takes the least recently used first.
      this.entries.delete(name);
      this.entries.set(name, hit);
      return hit.pkg;
    }
    let pending = this.loading.get(name);
    if (!pending) {
      pending = this.load(name);
      this.loading.set(name, pending);
      pending.catch(() => this.loading.delete(name));
    }
    return (await pending).pkg;
  }

  private async load(name: string): Promise<Entry> {
    const generation = this.generation;
    const record = await this.deps.store.packages.get(name);
    let entry: Entry = { pkg: null, bytes: ENTRY_OVERHEAD };
    if (record) {
      const url = this.deps.settings.publicUrl;
      const pkg: CachedPackage = {
        name: record.name,
        access: record.access,
        unpublished: record.unpublished,
        owners: record.owners,
        files: new Map(record.versions.map((v) => [v.tarball.file, { blobKey: v.tarball.blobKey, shasum: v.tarball.shasum }])),
        full: render(fullPackument(record, url)),
        abbreviated: render(abbreviatedPackument(record, url)),
      };
      entry = { pkg, bytes: ENTRY_OVERHEAD + pkg.full.body.length + pkg.abbreviated.body.length + pkg.files.size * 300 };
    }
    this.loading.delete(name);
    // A change during the load makes the loaded state stale: answer with it, do not keep it.
    if (generation === this.generation) this.keep(name, entry);
    return entry;
  }

  private keep(name: string, entry: Entry): void {
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
    this.loading.delete(name);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
    this.loading.clear();
  }
}
