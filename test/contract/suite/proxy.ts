// The proxy's tables (core/proxy/ports.ts ProxyStore): cached upstream packuments per form,
// conditional revalidation, tarball rows that never change once stored, purges that report
// the blob keys nothing else of the proxy refers to, and blocks.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { CachedUpstreamPackument, CachedUpstreamTarball } from '../../../src/core/proxy/ports.ts';
import { type Check, makeUser } from './harness.ts';

const packument = (name: string, form: 'full' | 'abbreviated', over: Partial<CachedUpstreamPackument> = {}): CachedUpstreamPackument => ({
  name,
  form,
  upstream: 'npmjs',
  body: Buffer.from(JSON.stringify({ name, form })),
  etag: '"e1"',
  lastModified: 'Sun, 01 Mar 2026 12:00:00 GMT',
  fetchedAt: 1000,
  ...over,
});

const tarball = (name: string, file: string, blobKey: string, over: Partial<CachedUpstreamTarball> = {}): CachedUpstreamTarball => ({
  name,
  file,
  version: '1.0.0',
  blobKey,
  integrity: 'sha512-abc',
  size: 123,
  fetchedAt: 2000,
  ...over,
});

export function proxyContract(check: Check, hasSubscribe: boolean): void {
  describe('proxy cache', () => {
    check('cached: every name with a kept packument, its forms, last fetch, tarballs and blocks; prefix as plain text; paging', async ({ store }) => {
      assert.deepEqual(await store.proxy.cached({ limit: 10 }), []);
      await store.proxy.putPackument(packument('lodash', 'abbreviated', { fetchedAt: 1000 }));
      await store.proxy.putPackument(packument('lodash', 'full', { fetchedAt: 3000 }));
      await store.proxy.putPackument(packument('@babel/core', 'abbreviated', { upstream: 'corp', fetchedAt: 2000 }));
      await store.proxy.putPackument(packument('@babel_x/y', 'full'));
      await store.proxy.putPackument(packument('Zed', 'full'));
      await store.proxy.putTarball(tarball('lodash', 'lodash-1.0.0.tgz', 'k1', { size: 100 }));
      await store.proxy.putTarball(tarball('lodash', 'lodash-1.0.1.tgz', 'k2', { size: 50, version: '1.0.1' }));
      await store.proxy.block({ name: 'lodash', version: '1.0.1', reason: '', by: 'admin', at: 1 });
      // A block of a name with nothing cached is not a cached package.
      await store.proxy.block({ name: 'ghost', version: '1.0.0', reason: '', by: 'admin', at: 1 });
      const all = await store.proxy.cached({ limit: 10 });
      assert.deepEqual(all.map((p) => p.name), ['@babel/core', '@babel_x/y', 'Zed', 'lodash'], 'sorted byte-wise');
      assert.deepEqual(all[3], { name: 'lodash', upstream: 'npmjs', forms: ['abbreviated', 'full'], fetchedAt: 3000, tarballs: 2, tarballBytes: 150, blocked: 1 });
      assert.deepEqual(all[0], { name: '@babel/core', upstream: 'corp', forms: ['abbreviated'], fetchedAt: 2000, tarballs: 0, tarballBytes: 0, blocked: 0 });
      assert.deepEqual((await store.proxy.cached({ prefix: '@babel/', limit: 10 })).map((p) => p.name), ['@babel/core']);
      assert.deepEqual(await store.proxy.cached({ prefix: '@babel%', limit: 10 }), [], 'no LIKE wildcards');
      assert.deepEqual(await store.proxy.cached({ prefix: '@babel_', limit: 10 }).then((r) => r.map((p) => p.name)), ['@babel_x/y'], '_ is itself');
      const first = await store.proxy.cached({ limit: 2 });
      assert.deepEqual(first.map((p) => p.name), ['@babel/core', '@babel_x/y']);
      assert.deepEqual((await store.proxy.cached({ after: first[1].name, limit: 2 })).map((p) => p.name), ['Zed', 'lodash']);
      await store.proxy.purge('lodash');
      assert.deepEqual((await store.proxy.cached({ limit: 10 })).map((p) => p.name), ['@babel/core', '@babel_x/y', 'Zed']);
    });

    check('hasScope: whether any cached upstream packument is in a scope (and no other scope)', async ({ store }) => {
      assert.equal(await store.proxy.hasScope('pubco'), false);
      await store.proxy.putPackument(packument('@pubco/widget', 'abbreviated'));
      await store.proxy.putPackument(packument('@pubco-other/x', 'full'));
      await store.proxy.putPackument(packument('@pub/y', 'full'));
      assert.equal(await store.proxy.hasScope('pubco'), true);
      assert.equal(await store.proxy.hasScope('pubc'), false);
      assert.equal(await store.proxy.hasScope('pub'), true);
      assert.equal(await store.proxy.hasScope('pub_'), false, 'no LIKE wildcards');
      await store.proxy.purge('@pubco/widget');
      assert.equal(await store.proxy.hasScope('pubco'), false);
    });

    check('a purge and a block are announced to the other nodes, which drop their copies', async ({ store, open }) => {
      if (!hasSubscribe) return; // a single-node store has no change feed
      const nodeB = await open();
      const heard: string[] = [];
      const stop = await nodeB.subscribe!((e) => {
        if (e.type === 'package') heard.push(e.name);
      });
      try {
        await store.proxy.putPackument(packument('announced', 'full'));
        await store.proxy.purge('announced');
        await store.proxy.block({ name: 'blocked-one', version: '1.0.0', reason: 'r', by: 'a', at: 1 });
        const deadline = Date.now() + 2000;
        while (!(heard.includes('announced') && heard.includes('blocked-one')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.ok(heard.includes('announced'), 'the purge was heard');
        assert.ok(heard.includes('blocked-one'), 'the block was heard');
      } finally {
        await stop();
      }
    });

    check('packuments are kept per name and form, replaced whole, and revalidated in place', async ({ store }) => {
      assert.equal(await store.proxy.getPackument('lodash', 'full'), null);
      await store.proxy.putPackument(packument('lodash', 'full'));
      await store.proxy.putPackument(packument('lodash', 'abbreviated', { etag: null, lastModified: null }));
      const full = await store.proxy.getPackument('lodash', 'full');
      assert.deepEqual(full, packument('lodash', 'full'));
      assert.ok(Buffer.isBuffer(full?.body));
      assert.deepEqual(await store.proxy.getPackument('lodash', 'abbreviated'), packument('lodash', 'abbreviated', { etag: null, lastModified: null }));
      await store.proxy.putPackument(packument('lodash', 'full', { body: Buffer.from('{"name":"lodash","v":2}'), etag: '"e2"', fetchedAt: 5000, upstream: 'other' }));
      assert.deepEqual(await store.proxy.getPackument('lodash', 'full'), packument('lodash', 'full', { body: Buffer.from('{"name":"lodash","v":2}'), etag: '"e2"', fetchedAt: 5000, upstream: 'other' }));
      await store.proxy.revalidated('lodash', 'full', 9000, '"e3"', null);
      const after = await store.proxy.getPackument('lodash', 'full');
      assert.equal(after?.fetchedAt, 9000);
      assert.equal(after?.etag, '"e3"');
      assert.equal(after?.lastModified, null);
      assert.equal(after?.body.toString(), '{"name":"lodash","v":2}', 'the body is unchanged by a revalidation');
      assert.equal((await store.proxy.getPackument('lodash', 'abbreviated'))?.fetchedAt, 1000, 'the other form is untouched');
    });

    check('a tarball row is stored once: a second fill keeps the first and returns it', async ({ store }) => {
      assert.equal(await store.proxy.getTarball('@s/p', 'p-1.0.0.tgz'), null);
      const first = await store.proxy.putTarball(tarball('@s/p', 'p-1.0.0.tgz', 'k1'));
      assert.deepEqual(first, tarball('@s/p', 'p-1.0.0.tgz', 'k1'));
      const second = await store.proxy.putTarball(tarball('@s/p', 'p-1.0.0.tgz', 'k2', { size: 9 }));
      assert.deepEqual(second, first);
      assert.deepEqual(await store.proxy.getTarball('@s/p', 'p-1.0.0.tgz'), first);
      const big = await store.proxy.putTarball(tarball('big', 'big-1.0.0.tgz', 'k3', { size: 5 * 1024 * 1024 * 1024 }));
      assert.equal(big.size, 5 * 1024 * 1024 * 1024, 'sizes over 32 bits survive');
    });

    check('purging a name drops its rows and reports only blob keys no other cached tarball uses', async ({ store }) => {
      await store.proxy.putPackument(packument('a', 'full'));
      await store.proxy.putPackument(packument('a', 'abbreviated'));
      await store.proxy.putPackument(packument('b', 'full'));
      await store.proxy.putTarball(tarball('a', 'a-1.0.0.tgz', 'shared'));
      await store.proxy.putTarball(tarball('a', 'a-2.0.0.tgz', 'own', { version: '2.0.0' }));
      await store.proxy.putTarball(tarball('b', 'b-1.0.0.tgz', 'shared'));
      const result = await store.proxy.purge('a');
      assert.equal(result.packuments, 2);
      assert.deepEqual(result.tarballs, ['own']);
      assert.equal(await store.proxy.getPackument('a', 'full'), null);
      assert.equal(await store.proxy.getTarball('a', 'a-1.0.0.tgz'), null);
      assert.ok(await store.proxy.getPackument('b', 'full'));
      assert.ok(await store.proxy.getTarball('b', 'b-1.0.0.tgz'));
      assert.deepEqual(await store.proxy.purge('nothing-here'), { packuments: 0, tarballs: [] });
      assert.equal(await store.packages.isBlobReferenced('shared'), true, 'a cached tarball keeps its blob referenced');
      const all = await store.proxy.purge(null);
      assert.equal(all.packuments, 1);
      assert.deepEqual(all.tarballs, ['shared']);
      assert.equal(await store.proxy.getTarball('b', 'b-1.0.0.tgz'), null);
      assert.equal(await store.packages.isBlobReferenced('shared'), false);
    });

    check('blocks are kept per name and version, replaced, listed and removed', async ({ store }) => {
      assert.deepEqual(await store.proxy.blocks(null), []);
      await store.proxy.block({ name: 'evil', version: '1.0.1', reason: 'malware', by: 'admin', at: 10 });
      await store.proxy.block({ name: 'evil', version: '1.0.0', reason: 'old', by: 'admin', at: 11 });
      await store.proxy.block({ name: 'other', version: '2.0.0', reason: 'x', by: 'root', at: 12 });
      await store.proxy.block({ name: 'evil', version: '1.0.1', reason: 'worm', by: 'sec', at: 13 });
      assert.deepEqual(await store.proxy.blocks('evil'), [
        { name: 'evil', version: '1.0.0', reason: 'old', by: 'admin', at: 11 },
        { name: 'evil', version: '1.0.1', reason: 'worm', by: 'sec', at: 13 },
      ]);
      assert.equal((await store.proxy.blocks(null)).length, 3);
      assert.equal(await store.proxy.unblock('evil', '1.0.0'), true);
      assert.equal(await store.proxy.unblock('evil', '1.0.0'), false);
      assert.deepEqual((await store.proxy.blocks('evil')).map((b) => b.version), ['1.0.1']);
    });

    check('stars of proxied names are kept per user, without any package row', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      assert.equal(await store.proxy.setStar('lodash', alice.id, true), true);
      assert.equal(await store.proxy.setStar('lodash', alice.id, true), false, 'starring twice changes nothing');
      assert.equal(await store.proxy.setStar('@types/node', alice.id, true), true);
      assert.equal(await store.proxy.setStar('lodash', bob.id, true), true);
      assert.deepEqual(await store.proxy.starredBy(alice.id), ['@types/node', 'lodash']);
      assert.equal(await store.packages.head('lodash'), null, 'no package row: the name stays proxied');
      assert.equal(await store.proxy.setStar('lodash', alice.id, false), true);
      assert.equal(await store.proxy.setStar('lodash', alice.id, false), false);
      assert.deepEqual(await store.proxy.starredBy(alice.id), ['@types/node']);
      assert.deepEqual(await store.proxy.starredBy(bob.id), ['lodash']);
    });

    check('a second handle on the same data sees what the first stored', async ({ store, open }) => {
      const other = await open();
      await store.proxy.putTarball(tarball('shared-cache', 'shared-cache-1.0.0.tgz', 'kk'));
      await store.proxy.putPackument(packument('shared-cache', 'abbreviated'));
      assert.equal((await other.proxy.getTarball('shared-cache', 'shared-cache-1.0.0.tgz'))?.blobKey, 'kk');
      assert.ok(await other.proxy.getPackument('shared-cache', 'abbreviated'));
    });
  });
}
