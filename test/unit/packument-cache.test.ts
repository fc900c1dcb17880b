import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PackageRecord, Store } from '../../src/core/ports.ts';
import { PackumentCache } from '../../src/http/packument-cache.ts';

function record(name: string, size: number): PackageRecord {
  return {
    name,
    rev: 1,
    access: 'public',
    unpublished: false,
    org: null,
    mfa: { publishRequiresTfa: false, automationOverridesTfa: false },
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: '2026-01-01T00:00:00.000Z',
    owners: [],
    distTags: { latest: '1.0.0' },
    versions: [
      {
        version: '1.0.0',
        manifest: { name, version: '1.0.0', description: 'x'.repeat(size), dist: {} },
        publishedAt: '2026-01-01T00:00:00.000Z',
        deprecated: null,
        tarball: { file: `${name}-1.0.0.tgz`, blobKey: 'k', size: 1, integrity: 'i', shasum: 's' },
      },
    ],
    removedVersions: [],
    stars: [],
  };
}

function cacheWith(maxBytes: number) {
  const loads: string[] = [];
  const store = { packages: { get: async (name: string) => (loads.push(name), record(name, 10_000)) } } as unknown as Store;
  const cache = new PackumentCache({ store, settings: { publicUrl: 'http://r/' } } as never, maxBytes);
  return { cache, loads };
}

test('the packument cache stays within its byte budget, least recently used out first', async () => {
  const { cache, loads } = cacheWith(65_000);
  for (const name of ['a', 'b', 'c', 'd']) await cache.get(name, 'full');
  // Each entry costs its full body (about 20 kB) and a little more: three fit.
  await cache.get('b', 'full');
  assert.deepEqual(loads, ['a', 'b', 'c', 'd']);
  await cache.get('a', 'full');
  assert.deepEqual(loads, ['a', 'b', 'c', 'd', 'a'], 'a was evicted');
  await cache.get('b', 'full');
  assert.equal(loads.length, 5, 'b, recently used, stayed');
});

test('invalidation drops one package; a load overtaken by a change is not kept', async () => {
  const { cache, loads } = cacheWith(10_000_000);
  await cache.get('a');
  cache.invalidate('a');
  await cache.get('a');
  assert.deepEqual(loads, ['a', 'a']);
  const pending = cache.get('b');
  cache.invalidate('x');
  await pending;
  await cache.get('b');
  assert.deepEqual(loads, ['a', 'a', 'b', 'b']);
});

test('each form is rendered when first asked for, and kept with the other', async () => {
  const { cache, loads } = cacheWith(10_000_000);
  const view = await cache.get('a');
  assert.equal(view?.full, undefined, 'a tarball lookup renders no packument');
  assert.equal(view?.abbreviated, undefined);
  const small = await cache.get('a', 'abbreviated');
  assert.ok(small?.abbreviated.body.length);
  assert.equal(small?.full, undefined, 'an install read does not build the full form');
  assert.deepEqual(loads, ['a', 'a']);
  const full = await cache.get('a', 'full');
  assert.ok(full && full.full.body.length > full.abbreviated!.body.length, 'both forms now');
  assert.equal(full?.abbreviated, small?.abbreviated, 'the abbreviated form was kept, not rebuilt');
  await cache.get('a', 'abbreviated');
  await cache.get('a', 'full');
  await cache.get('a');
  assert.deepEqual(loads, ['a', 'a', 'a'], 'later reads come from memory');
  cache.invalidate('a');
  assert.equal((await cache.get('a', 'abbreviated'))?.full, undefined, 'a change drops both forms');
});

test('concurrent reads of one package share one load per form', async () => {
  const { cache, loads } = cacheWith(10_000_000);
  await Promise.all([cache.get('a', 'abbreviated'), cache.get('a', 'abbreviated'), cache.get('a', 'abbreviated')]);
  assert.deepEqual(loads, ['a']);
});
