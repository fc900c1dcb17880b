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
  /** Estimated memory: the rendered bodies and the record behind them. */
  bytes: number;
}

/** A parsed record takes about twice its JSON size in memory; the bodies their length. */
const RECORD_FACTOR = 2;

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

  private account(entry: Entry, added: number): void {
    entry.bytes += added;
    this.bytes += added;
    // Least recently used out first (a Map iterates in insertion order; hits re-insert).
    for (const [name, old] of this.entries) {
      if (this.bytes <= this.maxBytes || old === entry) break;
      this.entries.delete(name);
      this.bytes -= old.bytes;
    }
  }

  private drop(name: string): void {
    const old = this.entries.get(name);
    if (!old) return;
    this.entries.delete(name);
    this.bytes -= old.bytes;
  }

  /** The stored package, null when there is none. */
  async get(name: string): Promise<Entry> {
    const hit = this.entries.get(name);
    if (hit) {
      // Most recently used last; cheap enough per hit, and keeps eviction least-recent-first.
      this.entries.delete(name);
      this.entries.set(name, hit);
      return hit;
    }
    const pending = this.loading.get(name);
    if (pending) return pending;
    const generation = this.generation;
    const load = this.deps.store.packages.get(name).then((pkg) => {
      const entry: Entry = { pkg, bytes: 0 };
      this.loading.delete(name);
      // A change during the load makes the loaded state stale: do not keep it.
      if (generation === this.generation) {
        this.entries.set(name, entry);
        this.account(entry, 256);
      }
      return entry;
    });
    this.loading.set(name, load);
    load.catch(() => this.loading.delete(name));
    return load;
  }

  full(entry: Entry): Rendered {
    if (!entry.full) {
      entry.full = render(fullPackument(entry.pkg as PackageRecord, this.deps.settings.publicUrl));
      this.account(entry, entry.full.body.length * (1 + RECORD_FACTOR));
    }
    return entry.full;
  }

  abbreviated(entry: Entry): Rendered {
    if (!entry.abbreviated) {
      entry.abbreviated = render(abbreviatedPackument(entry.pkg as PackageRecord, this.deps.settings.publicUrl));
      this.account(entry, entry.abbreviated.body.length);
    }
    return entry.abbreviated;
  }

  invalidate(name: string): void {
    this.generation++;
    this.drop(name);
    this.loading.delete(name);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
    this.loading.clear();
  }
}
