// Stores shared by several nodes announce package changes (Store.subscribe), so that every
// node drops its cached packuments. Skipped for stores without subscribe (single node).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Store, StoreChange } from '../../../src/core/ports.ts';
import { type Check, create, makeUser, publish, rejectsWith, version } from './harness.ts';

async function until(what: string, ok: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function nodeContract(check: Check, hasSubscribe: boolean): void {
  describe('change notifications between nodes', { skip: hasSubscribe ? false : 'single-node store: no subscribe' }, () => {
    check('a commit on one handle is announced to a subscriber on another within a second; a failed one never', async ({ store, open }) => {
      const nodeB: Store = await open();
      const heard: StoreChange[] = [];
      const stop = await nodeB.subscribe!((e) => heard.push(e));
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await until('the publish was heard', () => heard.some((e) => e.type === 'package' && e.name === 'tool'));
      await rejectsWith(store.packages.commit('tool', publish(version('1.0.0'))), 'VERSION_EXISTS');
      await store.packages.commit('other', create(alice.id, version('1.0.0')));
      await until('the second publish was heard', () => heard.some((e) => e.type === 'package' && e.name === 'other'));
      assert.deepEqual(heard, [
        { type: 'package', name: 'tool' },
        { type: 'package', name: 'other' },
      ]);
      await stop();
      await store.packages.commit('tool', publish(version('1.0.1')));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(heard.length, 2, 'nothing is heard after unsubscribing');
    });
  });
}
