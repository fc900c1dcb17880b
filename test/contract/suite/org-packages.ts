// What the package side of organisations (issue #18) reads from the store: an org package's
// `org` (team grants) and `owners` (who may write it) in every read of a package, the
// developers team's grant made with a new package, a user's memberships in one read, and the
// names of an org's packages.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Owner, PackageMutation } from '../../../src/core/ports.ts';
import { activeTfa, type Check, create, join, makeUser, version, withTfa } from './harness.ts';

export function orgPackagesContract(check: Check): void {
  describe('org packages', () => {
    check('an org package carries its team grants and, as owners, who may write it; others keep their owners', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await makeUser(store, 'carol');
      const org = await store.orgs.create('acme', alice.id);
      await join(store, org.id, bob.id, 'developer', alice.id);
      await join(store, org.id, carol.id, 'developer', alice.id);
      const devs = (await store.orgs.team(org.id, 'developers'))!;
      const readers = await store.orgs.createTeam(org.id, 'readers', null);
      await store.orgs.addTeamMember(readers.id, carol.id);
      await store.orgs.removeTeamMember(devs.id, carol.id);
      const publish: PackageMutation = create(bob.id, version('1.0.0'), { claimScope: 'acme' });
      if (publish.type === 'publish') publish.create!.teamGrant = { teamId: devs.id, permission: 'read-write' };
      await store.packages.commit('@acme/lib', publish);
      await store.orgs.grant(readers.id, '@acme/lib', 'read-only');
      const head = (await store.packages.head('@acme/lib'))!;
      assert.deepEqual(head.org, { name: 'acme', requireTfa: false, grants: [{ team: 'developers', permission: 'read-write' }, { team: 'readers', permission: 'read-only' }] });
      assert.deepEqual(head.owners.map((o) => o.name), ['alice', 'bob']);
      for (const read of [await store.packages.get('@acme/lib'), await store.packages.overview('@acme/lib'), (await store.packages.getVersion('@acme/lib', 'latest'))?.pkg]) {
        assert.deepEqual(read?.org, head.org);
        assert.deepEqual(read?.owners, head.owners);
      }
      // A removed member's stored ownership no longer shows.
      await store.orgs.removeMember(org.id, bob.id);
      assert.deepEqual((await store.packages.head('@acme/lib'))!.owners.map((o) => o.name), ['alice']);
      await store.packages.commit('plain', create(carol.id, version('1.0.0')));
      const plain = (await store.packages.head('plain'))!;
      assert.equal(plain.org, null);
      assert.deepEqual(plain.owners.map((o) => o.name), ['carol']);
      await store.packages.commit('@carol/own', create(carol.id, version('1.0.0'), { claimScope: 'carol' }));
      assert.equal((await store.packages.head('@carol/own'))!.org, null);
      assert.deepEqual(await store.orgs.packageNames(org.id), ['@acme/lib']);
      // An unpublished org package is published again by another member (the org decides, not its first owner).
      await store.packages.commit('@acme/lib', { type: 'unpublish-all' });
      await store.packages.commit('@acme/lib', create(alice.id, version('2.0.0')));
      assert.equal((await store.packages.head('@acme/lib'))!.unpublished, false);
    });

    check('search finds a restricted org package for who may read it through the org, never for a former member who published it', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await makeUser(store, 'carol');
      const dave = await makeUser(store, 'dave');
      const org = await store.orgs.create('acme', alice.id);
      for (const u of [bob, carol, dave]) {
        await join(store, org.id, u.id, 'developer', alice.id);
      }
      const devs = (await store.orgs.team(org.id, 'developers'))!;
      await store.orgs.removeTeamMember(devs.id, dave.id);
      const publish: PackageMutation = create(bob.id, version('1.0.0'), { access: 'restricted', claimScope: 'acme' });
      if (publish.type === 'publish') publish.create!.teamGrant = { teamId: devs.id, permission: 'read-only' };
      await store.packages.commit('@acme/hidden', publish);
      const found = async (viewerId: number) => (await store.packages.search({ text: 'hidden', from: 0, size: 10, viewerId })).hits.map((h) => h.name);
      assert.deepEqual(await found(alice.id), ['@acme/hidden'], 'owner');
      assert.deepEqual(await found(carol.id), ['@acme/hidden'], 'developers team');
      assert.deepEqual(await found(dave.id), [], 'member of no team with access');
      await store.orgs.removeMember(org.id, bob.id);
      assert.deepEqual(await found(bob.id), [], 'former member, stored as its first owner');
    });

    check('an org package’s writers carry whether they have 2FA, the org whether it requires it, in every read and in search hits', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      await join(store, org.id, bob.id, 'developer', alice.id);
      const devs = (await store.orgs.team(org.id, 'developers'))!;
      const publish: PackageMutation = create(bob.id, version('1.0.0', { description: 'writers-kit' }), { claimScope: 'acme' });
      if (publish.type === 'publish') publish.create!.teamGrant = { teamId: devs.id, permission: 'read-write' };
      await store.packages.commit('@acme/kit', publish);
      await store.packages.commit('plainkit', create(bob.id, version('1.0.0', { description: 'writers-kit' })));
      const writers = (o: Owner[] | undefined) => o?.map((w) => ({ name: w.name, hasTfa: w.hasTfa }));
      const reads = async () => [
        await store.packages.head('@acme/kit'),
        await store.packages.get('@acme/kit'),
        await store.packages.overview('@acme/kit'),
        (await store.packages.getVersion('@acme/kit', 'latest'))?.pkg,
      ];
      const hits = async () => (await store.packages.search({ text: 'writers-kit', from: 0, size: 10, viewerId: null })).hits;
      for (const read of await reads()) {
        assert.deepEqual(writers(read?.owners), [{ name: 'alice', hasTfa: true }, { name: 'bob', hasTfa: false }]);
        assert.equal(read?.org?.requireTfa, false);
      }
      let [kit, plain] = await hits();
      assert.deepEqual([kit.name, plain.name], ['@acme/kit', 'plainkit']);
      assert.deepEqual(writers(kit.owners), [{ name: 'alice', hasTfa: true }, { name: 'bob', hasTfa: false }]);
      assert.deepEqual(kit.org, { requireTfa: false });
      assert.deepEqual(plain.owners.map((o) => o.name), ['bob']);
      assert.equal(plain.org, null);

      await store.orgs.updateSettings(org.id, { requireTfa: true });
      await store.users.setTfa(bob.id, activeTfa(), ['rc-3']);
      for (const read of await reads()) {
        assert.deepEqual(writers(read?.owners), [{ name: 'alice', hasTfa: true }, { name: 'bob', hasTfa: true }]);
        assert.equal(read?.org?.requireTfa, true);
      }
      [kit] = await hits();
      assert.deepEqual(writers(kit.owners), [{ name: 'alice', hasTfa: true }, { name: 'bob', hasTfa: true }]);
      assert.deepEqual(kit.org, { requireTfa: true });
      // A set-up not yet confirmed is no second factor.
      await store.users.setTfa(bob.id, activeTfa({ pending: true }), []);
      assert.deepEqual(writers((await store.packages.head('@acme/kit'))?.owners), [{ name: 'alice', hasTfa: true }, { name: 'bob', hasTfa: false }]);
    });

    check('a user’s memberships in one read: role, teams and the org’s 2FA requirement', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      assert.deepEqual(await store.orgs.membershipsOf(bob.id), []);
      const acme = await store.orgs.create('acme', alice.id);
      const beta = await store.orgs.create('beta', alice.id);
      await join(store, acme.id, bob.id, 'admin', alice.id);
      const zeta = await store.orgs.createTeam(acme.id, 'zeta', null);
      await store.orgs.addTeamMember(zeta.id, bob.id);
      await store.orgs.updateSettings(beta.id, { requireTfa: true });
      assert.deepEqual(await store.orgs.membershipsOf(bob.id), [{ org: 'acme', role: 'admin', teams: ['developers', 'zeta'], tfaRequired: false }]);
      assert.deepEqual(await store.orgs.membershipsOf(alice.id), [
        { org: 'acme', role: 'owner', teams: ['developers'], tfaRequired: false },
        { org: 'beta', role: 'owner', teams: ['developers'], tfaRequired: true },
      ]);
    });
  });
}
