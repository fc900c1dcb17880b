// Names people confuse (the similar-name lookup, inside the creating transaction), the times
// of unpublished versions, and stars (their own table: no revision bump, announced to nodes).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Store, StoreChange } from '../../../src/core/ports.ts';
import { type Check, commitAndGet, create, makeUser, rejectsWith, version } from './harness.ts';

export function rulesContract(check: Check, hasSubscribe: boolean): void {
  describe('packages: names too similar to existing ones', () => {
    check('a new name equal to an existing one but for ".", "-", "_" is refused; scopes compare within themselves', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('my-pkg', create(alice.id, version('1.0.0')));
      for (const name of ['my_pkg', 'my.pkg', 'mypkg', 'm-y-p-k-g', 'my--pkg', 'my-pkg.']) {
        await rejectsWith(store.packages.commit(name, create(alice.id, version('1.0.0'))), 'NAME_TOO_SIMILAR');
        assert.equal(await store.packages.get(name), null, `${name} was not created`);
      }
      // In a scope: only names in the same scope count.
      await store.packages.commit('@alice/mypkg', create(alice.id, version('1.0.0'), { claimScope: 'alice' }));
      await rejectsWith(store.packages.commit('@alice/my_pkg', create(alice.id, version('1.0.0'))), 'NAME_TOO_SIMILAR');
      await store.packages.commit('@other/my-pkg', create(alice.id, version('1.0.0'), { claimScope: 'other' }));
      // The same name again is not "similar" to itself: another version publishes.
      await store.packages.commit('my-pkg', { type: 'publish', version: version('1.0.1'), tag: 'latest' });
    });

    check('a wholly unpublished name stays reserved: similar names stay refused, its owner publishes it again', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('left-pad', create(alice.id, version('1.0.0')));
      await store.packages.commit('left-pad', { type: 'unpublish-all' });
      await rejectsWith(store.packages.commit('leftpad', create(alice.id, version('1.0.0'))), 'NAME_TOO_SIMILAR');
      await store.packages.commit('left-pad', create(alice.id, version('2.0.0')));
      assert.deepEqual((await store.packages.get('left-pad'))?.versions.map((v) => v.version), ['2.0.0']);
    });
  });

  describe('packages: unpublished versions keep their time', () => {
    check('removing a version keeps its publication time in removedVersions; a whole unpublish keeps all', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0', {}, '2026-03-01T12:00:00.000Z')));
      await store.packages.commit('tool', { type: 'publish', version: version('1.1.0', {}, '2026-03-02T12:00:00.000Z'), tag: 'latest' });
      let pkg = await commitAndGet(store, 'tool', { type: 'remove-versions', versions: ['1.1.0'], distTags: { latest: '1.0.0' } });
      assert.deepEqual(pkg.removedVersions, [{ version: '1.1.0', publishedAt: '2026-03-02T12:00:00.000Z' }]);
      assert.deepEqual(pkg.versions.map((v) => v.version), ['1.0.0']);
      await store.packages.commit('tool', { type: 'unpublish-all' });
      pkg = (await store.packages.get('tool'))!;
      assert.deepEqual(pkg.removedVersions, [
        { version: '1.0.0', publishedAt: '2026-03-01T12:00:00.000Z' },
        { version: '1.1.0', publishedAt: '2026-03-02T12:00:00.000Z' },
      ]);
    });
  });

  describe('packages: stars', () => {
    check('a star is added and removed once, never bumps the revision, and lists per user', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('gadget', create(alice.id, version('1.0.0')));
      const rev = (await store.packages.head('tool'))!.rev;
      assert.equal(await store.packages.setStar('tool', bob.id, true), true);
      assert.equal(await store.packages.setStar('tool', bob.id, true), false, 'starring twice changes nothing');
      assert.equal(await store.packages.setStar('tool', alice.id, true), true);
      assert.equal(await store.packages.setStar('gadget', bob.id, true), true);
      const pkg = (await store.packages.get('tool'))!;
      assert.deepEqual(pkg.stars, ['alice', 'bob']);
      assert.equal(pkg.rev, rev, 'no revision bump');
      assert.deepEqual(await store.packages.starredBy(bob.id), ['gadget', 'tool']);
      assert.equal(await store.packages.setStar('tool', bob.id, false), true);
      assert.equal(await store.packages.setStar('tool', bob.id, false), false);
      assert.deepEqual((await store.packages.get('tool'))!.stars, ['alice']);
      await rejectsWith(store.packages.setStar('nothing', bob.id, true), 'NOT_FOUND');
      // A whole unpublish drops the stars; an unpublished package cannot be starred.
      await store.packages.commit('gadget', { type: 'unpublish-all' });
      assert.deepEqual(await store.packages.starredBy(bob.id), []);
      await rejectsWith(store.packages.setStar('gadget', bob.id, true), 'NOT_FOUND');
    });

    check('a star is announced to the other nodes', async ({ store, open }) => {
      if (!hasSubscribe) return;
      const nodeB: Store = await open();
      const heard: StoreChange[] = [];
      const stop = await nodeB.subscribe!((e) => heard.push(e));
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.setStar('tool', alice.id, true);
      const deadline = Date.now() + 1000;
      while (heard.filter((e) => e.type === 'package' && e.name === 'tool').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await stop();
      assert.equal(heard.filter((e) => e.type === 'package' && e.name === 'tool').length, 2);
    });
  });
}
