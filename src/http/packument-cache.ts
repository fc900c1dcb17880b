// Serialised packuments, kept in memory and dropped whenever the package changes. A read of
// a cached package costs a Map lookup, a visibility check and a write of ready bytes.

import { createHash } from 'node:crypto';
import type { Deps } from '../core/deps.ts';
import type { PackageRecord } from '../core/ports.ts';
import { abbreviatedPackument, fullPackument } from '../core/packages/packument.ts';

export interface Rendered {
  body: Buffer;
  etag: string;
}

interface Entry {
  pkg: PackageRecord | null;
  full?: Rendered;
  abbreviated?: Rendered;
}

function render(doc: unknown): Rendered {
  const body = Buffer.from(JSON.stringify(doc));
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

export class PackumentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private generation = 0;

  constructor(
    private readonly deps: Pick<Deps, 'store' | 'settings'>,
    private readonly maxEntries = 5000,
  ) {}

  /** The stored package, null when there is none. */
  async get(name: string): Promise<Entry> {
    const hit = this.entries.get(name);
    if (hit) {
      this.entries.delete(name);
      this.entries.set(name, hit);
      return hit;
    }
    const pending = this.loading.get(name);
    if (pending) return pending;
    const generation = this.generation;
    const load = this.deps.store.packages.get(name).then((pkg) => {
      const entry: Entry = { pkg };
      this.loading.delete(name);
      // A change during the load makes the loaded state stale: do not keep it.
      if (generation === this.generation) {
        this.entries.set(name, entry);
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      }
      return entry;
    });
    this.loading.set(name, load);
    load.catch(() => this.loading.delete(name));
    return load;
  }

  full(entry: Entry): Rendered {
    entry.full ??= render(fullPackument(entry.pkg as PackageRecord, this.deps.settings.publicUrl));
    return entry.full;
  }

  abbreviated(entry: Entry): Rendered {
    entry.abbreviated ??= render(abbreviatedPackument(entry.pkg as PackageRecord, this.deps.settings.publicUrl));
    return entry.abbreviated;
  }

  invalidate(name: string): void {
    this.generation++;
    this.entries.delete(name);
    this.loading.delete(name);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.loading.clear();
  }
}
