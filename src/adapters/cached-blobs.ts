// Tarballs kept in memory, least recently used out first, up to a byte budget. Blobs are
// named by their content, so a cached copy can never be stale; deletes drop it. Blobs over an
// eighth of the budget are never kept: stream() hands them out as streams from the store.

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
    async stream(key) {
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return { size: hit.length, bytes: hit };
      }
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
        bytes -= hit.length;
      }
      await inner.delete(key);
    },
  };
}
