// Stores shared by several nodes announce package changes (Store.subscribe), so that every
// node drops its cached packuments. Skipped for stores without subscribe (single node).

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Store, StoreChange } from '../../../src/core/ports.ts';
import { activeTfa, type Check, create, join, makeUser, publish, rejectsWith, version } from './harness.ts';

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

    check('an owner e-mail change is announced as a change of each package the owner has (packuments show it)', async ({ store, open }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('@alice/kit', create(alice.id, version('1.0.0'), { claimScope: 'alice' }));
      await store.packages.commit('bobs', create(bob.id, version('1.0.0')));
      const nodeB: Store = await open();
      const heard: StoreChange[] = [];
      const stop = await nodeB.subscribe!((e) => heard.push(e));
      await store.users.update(alice.id, { fullname: 'Alice' });
      await store.users.update(alice.id, { email: 'alice-new@example.com' });
      const packages = () => heard.filter((e) => e.type === 'package').map((e) => (e as { name: string }).name).sort();
      await until('both packages were heard', () => packages().length >= 2);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(packages(), ['@alice/kit', 'tool']);
      // A member of an org is listed as a writer of its packages without being a stored owner.
      const org = await store.orgs.create('acme', bob.id);
      await join(store, org.id, alice.id, 'developer', bob.id);
      await store.packages.commit('@acme/lib', create(bob.id, version('1.0.0'), { claimScope: 'acme' }));
      heard.length = 0;
      await store.users.update(alice.id, { email: 'alice-newer@example.com' });
      await until('the org package was heard', () => packages().includes('@acme/lib'));
      await stop();
    });

    check('a change of who writes an org package (its 2FA requirement, a member’s 2FA, roles, teams) is announced as a change of its packages', async ({ store, open }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      await join(store, org.id, bob.id, 'developer', alice.id);
      await store.packages.commit('@acme/kit', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      await store.packages.commit('tool', create(bob.id, version('1.0.0')));
      const nodeB: Store = await open();
      const heard: StoreChange[] = [];
      const stop = await nodeB.subscribe!((e) => heard.push(e));
      const packages = () => heard.filter((e) => e.type === 'package').map((e) => (e as { name: string }).name);
      await store.orgs.updateSettings(org.id, { requireTfa: true });
      await until('the requirement was heard', () => packages().includes('@acme/kit'));
      heard.length = 0;
      await store.users.setTfa(bob.id, activeTfa(), ['rc-1']);
      await until('bob’s 2FA was heard', () => packages().includes('@acme/kit'));
      heard.length = 0;
      await store.users.setTfa(bob.id, null, null);
      await until('bob’s 2FA off was heard', () => packages().includes('@acme/kit'));
      // Who writes also changes with roles and team membership.
      const devs = (await store.orgs.team(org.id, 'developers'))!;
      for (const [what, change] of [
        ['a team member removed', () => store.orgs.removeTeamMember(devs.id, bob.id)],
        ['a team member added', () => store.orgs.addTeamMember(devs.id, bob.id)],
        ['a role changed', () => store.orgs.setRole(org.id, bob.id, 'admin')],
        ['a member removed', () => store.orgs.removeMember(org.id, bob.id)],
      ] as const) {
        heard.length = 0;
        await change();
        await until(`${what} was heard`, () => packages().includes('@acme/kit'));
      }
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!packages().includes('tool'), 'a package outside the org is not announced');
      await stop();
    });
  });
}
