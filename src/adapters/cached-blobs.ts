// Tarballs kept in memory, least recently used out first (approximately: CLOCK), up to a byte budget. Blobs are
// named by their content, so a cached copy can never be stale; deletes drop it. Blobs over an
// eighth of the budget are never kept: stream() hands them out as streams from the store.

import type { BlobStore } from '../core/ports.ts';

export function withBlobCache(inner: BlobStore, maxBytes: number): BlobStore {
  /** `used`: read since eviction last passed it (a second chance: the CLOCK approximation of LRU). */
  const cache = new Map<string, { value: Buffer; used: boolean }>();
  let bytes = 0;
  const remember = (key: string, value: Buffer) => {
    if (value.length > maxBytes / 8) return;
    const replaced = cache.get(key);
    if (replaced) bytes -= replaced.value.length;
    cache.set(key, { value, used: false });
    bytes += value.length;
    for (const [k, e] of cache) {
      if (bytes <= maxBytes) break;
      if (k === key) continue;
      cache.delete(k);
      if (e.used) {
        e.used = false;
        cache.set(k, e);
      } else {
        bytes -= e.value.length;
      }
    }
  };
  const touch = (key: string): Buffer | undefined => {
    const hit = cache.get(key);
    if (!hit) return undefined;
    hit.used = true;
    return hit.value;
  };
  return {
    inMemory: touch,
    async put(data, sha512Hex) {
      return inner.put(data, sha512Hex);
    },
    async get(key) {
      const hit = touch(key);
      if (hit) return hit;
      const value = await inner.get(key);
      if (value) remember(key, value);
      return value;
    },
    async stream(key) {
      const hit = touch(key);
      if (hit) return { size: hit.length, bytes: hit };
      const opened = await inner.stream(key);
      if (!opened) return null;
      if (opened.bytes) {
        remember(key, opened.bytes);
        return opened;
      }
      // Small blobs are read whole and kept, as get() does; large ones stream from the store.
      if (opened.size > maxBytes / 8) return opened;
      const chunks: Buffer[] = [];
      for await (const chunk of opened.body) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      remember(key, bytes);
      return { size: bytes.length, bytes };
    },
    async delete(key) {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        bytes -= hit.value.length;
      }
      await inner.delete(key);
    },
  };
}
