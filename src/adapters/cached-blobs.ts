// Tarballs kept in memory, least recently used out first, up to a byte budget. Blobs are
// named by their content, so a cached copy can never be stale; deletes drop it.

import type { BlobStore } from '../core/ports.ts';

export function withBlobCache(inner: BlobStore, maxBytes: number): BlobStore {
  const cache = new Map<string, Buffer>();
  let bytes = 0;
  const remember = (key: string, value: Buffer) => {
    if (value.length > maxBytes / 8) return;
    cache.set(key, value);
    bytes += value.length;
    for (const [k, v] of cache) {
      if (bytes <= maxBytes) break;
      cache.delete(k);
      bytes -= v.length;
    }
  };
  return {
    async put(data, sha512Hex) {
      return inner.put(data, sha512Hex);
    },
    async get(key) {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const value = await inner.get(key);
      if (value) remember(key, value);
      return value;
    },
    async delete(key) {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        bytes -= hit.length;
      }
      await inner.delete(key);
    },
  };
}
