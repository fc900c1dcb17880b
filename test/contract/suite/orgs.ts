// Organisations and teams (core/orgs/model.ts): one namespace with users and scopes, roles and
// the last owner, invitations and the 2FA requirement at acceptance, teams, grants, the org
// log, and the atomicity of a write with its second factor.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { OrgEvent } from '../../../src/core/orgs/model.ts';
import { type Check, create, join, makeUser, rejectsWith, version, withTfa } from './harness.ts';

const ev = (type: string, actorId: number | null = null, detail?: OrgEvent['detail']): OrgEvent => ({ actorId, type, ip: '10.1.2.3', userAgent: 'npm/11', ...(detail ? { detail } : {}) });

export function orgContract(check: Check): void {
  describe('orgs', () => {
    check('an org is created with its owner and a developers team holding the owner', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const org = await store.orgs.create('acme', alice.id, { event: ev('org-create', alice.id) });
      assert.deepEqual(org, { id: org.id, name: 'acme', requireTfa: false, developersAccess: 'read-write', createdAt: clock.iso() });
      assert.deepEqual(await store.orgs.get('acme'), org);
      assert.deepEqual(await store.orgs.getById(org.id), org);
      assert.equal(await store.orgs.get('nope'), null);
      assert.equal(await store.orgs.role(org.id, alice.id), 'owner');
      assert.deepEqual(await store.orgs.members(org.id), [{ userId: alice.id, name: 'alice', role: 'owner', hasTfa: false, joinedAt: clock.iso() }]);
      const teams = await store.orgs.teams(org.id);
      assert.deepEqual(teams.map((t) => [t.name, t.orgName, t.description]), [['developers', 'acme', null]]);
      assert.deepEqual(await store.orgs.teamMembers(teams[0].id), [{ userId: alice.id, name: 'alice' }]);
      assert.deepEqual(await store.orgs.listForUser(alice.id), [{ org, role: 'owner' }]);
      const log = await store.orgs.events(org.id, { limit: 10 });
      assert.equal(log.length, 1);
      assert.equal(log[0].type, 'org-create');
      assert.equal(log[0].actorName, 'alice');
      assert.equal(log[0].at, clock.iso());
    });

    check('users, orgs and claimed scopes share one namespace', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await rejectsWith(store.orgs.create('alice', alice.id), 'USER_EXISTS');
      await store.orgs.create('acme', alice.id);
      await rejectsWith(store.orgs.create('acme', alice.id), 'USER_EXISTS');
      await rejectsWith(makeUser(store, 'acme'), 'USER_EXISTS');
      await store.packages.commit('@widgets/a', create(alice.id, version('1.0.0'), { claimScope: 'widgets' }));
      await rejectsWith(store.orgs.create('widgets', alice.id), 'USER_EXISTS');
      // a publish into an org's scope never claims the scope for its publisher
      await store.packages.commit('@acme/tool', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      assert.equal(await store.packages.scopeOwner('acme'), null);
      assert.equal(await store.orgs.get('alice'), null);
    });

    check('concurrent creations of one org name from two handles: exactly one succeeds', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).orgs.create('acme', alice.id)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'USER_EXISTS');
    });

    check('adopt turns a used scope into an org: package owners become owners, developers get read-write', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const admin = await makeUser(store, 'admin');
      await store.packages.commit('@widgets/a', create(alice.id, version('1.0.0'), { claimScope: 'widgets' }));
      await store.packages.commit('@widgets/b', create(alice.id, version('1.0.0'), { claimScope: 'widgets' }));
      await store.packages.commit('@widgets/b', { type: 'owners', add: [bob.id], remove: [] });
      await store.packages.commit('@widgetsx/c', create(bob.id, version('1.0.0'), { claimScope: 'widgetsx' }));
      await rejectsWith(store.orgs.adopt('nothing', admin.id), 'NOT_FOUND');
      await rejectsWith(store.orgs.adopt('alice', admin.id), 'USER_EXISTS');
      const { org, owners, packages } = await store.orgs.adopt('widgets', admin.id, { event: ev('org-adopt') });
      assert.deepEqual(owners, ['admin', 'alice', 'bob']);
      assert.deepEqual(packages, ['@widgets/a', '@widgets/b']);
      assert.equal(await store.packages.scopeOwner('widgets'), null);
      assert.equal(await store.packages.scopeOwner('widgetsx'), bob.id);
      const developers = (await store.orgs.team(org.id, 'developers'))!;
      assert.deepEqual(await store.orgs.teamPackages(developers.id), [
        { package: '@widgets/a', permission: 'read-write' },
        { package: '@widgets/b', permission: 'read-write' },
      ]);
      assert.deepEqual((await store.orgs.teamMembers(developers.id)).map((m) => m.name), ['admin', 'alice', 'bob']);
      await rejectsWith(store.orgs.adopt('widgets', admin.id), 'USER_EXISTS');
      await rejectsWith(makeUser(store, 'widgets'), 'USER_EXISTS');
    });

    check('roles change; the last owner can be neither demoted nor removed', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      await rejectsWith(store.orgs.setRole(org.id, alice.id, 'admin'), 'LAST_OWNER');
      await rejectsWith(store.orgs.removeMember(org.id, alice.id), 'LAST_OWNER');
      await rejectsWith(store.orgs.setRole(org.id, bob.id, 'admin'), 'NOT_FOUND');
      assert.equal(await store.orgs.removeMember(org.id, bob.id), false);
      await store.orgs.invite(org.id, bob.id, 'owner', alice.id);
      assert.equal(await store.orgs.acceptInvitation(org.id, bob.id), 'owner');
      assert.equal(await store.orgs.setRole(org.id, alice.id, 'developer', { event: ev('org-role', bob.id) }), true);
      assert.equal(await store.orgs.setRole(org.id, alice.id, 'developer'), false);
      await rejectsWith(store.orgs.removeMember(org.id, bob.id), 'LAST_OWNER');
      assert.equal(await store.orgs.removeMember(org.id, alice.id, { event: ev('org-remove', bob.id) }), true);
      assert.equal(await store.orgs.role(org.id, alice.id), null);
      // removal takes the user out of every team of the org
      const developers = (await store.orgs.team(org.id, 'developers'))!;
      assert.deepEqual((await store.orgs.teamMembers(developers.id)).map((m) => m.name), ['bob']);
      assert.deepEqual((await store.orgs.events(org.id, { limit: 10 })).map((e) => e.type), ['org-remove', 'org-role']);
    });

    check('two owners removing each other at once from two handles: one owner stays', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      await join(store, org.id, bob.id, 'owner', alice.id);
      const results = await Promise.allSettled([store.orgs.removeMember(org.id, alice.id), other.orgs.removeMember(org.id, bob.id)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await store.orgs.members(org.id)).filter((m) => m.role === 'owner').length, 1);
    });

    check('invitations: listed for the org and the invitee, accepted once into the developers team, or deleted', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await makeUser(store, 'carol');
      const org = await store.orgs.create('acme', alice.id);
      await store.orgs.invite(org.id, bob.id, 'developer', alice.id);
      await store.orgs.invite(org.id, bob.id, 'admin', alice.id, { event: ev('org-invite', alice.id, { user: 'bob', role: 'admin' }) });
      await store.orgs.invite(org.id, carol.id, 'developer', alice.id);
      await rejectsWith(store.orgs.invite(org.id, alice.id, 'developer', alice.id), 'ALREADY_EXISTS');
      const invites = await store.orgs.invitations(org.id);
      assert.deepEqual(invites[0], { orgId: org.id, orgName: 'acme', userId: bob.id, userName: 'bob', role: 'admin', invitedById: alice.id, invitedByName: 'alice', createdAt: clock.iso(), expiresAt: null });
      assert.deepEqual(invites.map((i) => i.userName), ['bob', 'carol']);
      assert.deepEqual((await store.orgs.invitationsForUser(bob.id)).map((i) => [i.orgName, i.role]), [['acme', 'admin']]);
      assert.equal(await store.orgs.role(org.id, bob.id), null);
      assert.equal(await store.orgs.acceptInvitation(org.id, bob.id), 'admin');
      await rejectsWith(store.orgs.acceptInvitation(org.id, bob.id), 'NOT_FOUND');
      assert.equal(await store.orgs.role(org.id, bob.id), 'admin');
      assert.deepEqual((await store.orgs.teamsOfUser(org.id, bob.id)).map((t) => t.name), ['developers']);
      assert.deepEqual(await store.orgs.invitationsForUser(bob.id), []);
      assert.equal(await store.orgs.deleteInvitation(org.id, carol.id), true);
      assert.equal(await store.orgs.deleteInvitation(org.id, carol.id), false);
      await rejectsWith(store.orgs.acceptInvitation(org.id, carol.id), 'NOT_FOUND');
    });

    check('invitations expire: left out of both lists, not accepted, deleted on the way (a renewed one lives again)', async ({ store, clock, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await makeUser(store, 'carol');
      const org = await store.orgs.create('acme', alice.id);
      const inDays = (d: number) => new Date(clock.ms + d * 86_400_000).toISOString();
      await store.orgs.invite(org.id, bob.id, 'admin', alice.id, { expiresAt: inDays(7) });
      await store.orgs.invite(org.id, carol.id, 'developer', alice.id, { expiresAt: inDays(14) });
      assert.equal((await store.orgs.invitations(org.id))[0].expiresAt, inDays(7));
      clock.advanceSeconds(7 * 86_400);
      assert.deepEqual((await other.orgs.invitations(org.id)).map((i) => i.userName), ['carol'], 'expired at its expiresAt: gone from the org\'s list');
      assert.deepEqual(await other.orgs.invitationsForUser(bob.id), [], 'and from the invitee\'s');
      await rejectsWith(store.orgs.acceptInvitation(org.id, bob.id), 'NOT_FOUND');
      assert.equal(await store.orgs.role(org.id, bob.id), null);
      assert.equal(await store.orgs.deleteInvitation(org.id, bob.id), false, 'the expired row was deleted by the list');
      await store.orgs.invite(org.id, bob.id, 'developer', alice.id, { expiresAt: inDays(7) });
      assert.deepEqual((await store.orgs.invitationsForUser(bob.id)).map((i) => i.role), ['developer'], 'invited again: pending again');
      assert.equal(await store.orgs.acceptInvitation(org.id, bob.id), 'developer');
      clock.advanceSeconds(7 * 86_400);
      await rejectsWith(other.orgs.acceptInvitation(org.id, carol.id), 'NOT_FOUND');
    });

    check('expired invitations are deleted at most 100 per list read', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const org = await store.orgs.create('acme', alice.id);
      const users = [];
      for (let i = 0; i < 130; i++) users.push(await makeUser(store, `u${String(i).padStart(3, '0')}`));
      const soon = new Date(clock.ms + 60_000).toISOString();
      for (const u of users) await store.orgs.invite(org.id, u.id, 'developer', alice.id, { expiresAt: soon });
      clock.advanceSeconds(61);
      assert.deepEqual(await store.orgs.invitations(org.id), []);
      assert.equal(await store.orgs.deleteInvitation(org.id, users[0].id) || (await store.orgs.deleteInvitation(org.id, users[129].id)), true, 'some were left for later reads');
      assert.deepEqual(await store.orgs.invitationsForUser(users[1].id), []);
      let left = 0;
      for (const u of users) if (await store.orgs.deleteInvitation(org.id, u.id)) left++;
      assert.equal(left, 0, 'the second read deleted the rest');
    });

    check('while the org requires 2FA, an invitation is accepted only by a user with a confirmed second factor', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await withTfa(store, 'carol');
      const org = await store.orgs.create('acme', alice.id);
      const on = await store.orgs.updateSettings(org.id, { requireTfa: true }, { event: ev('org-require-2fa', alice.id) });
      assert.equal(on.requireTfa, true);
      await store.orgs.invite(org.id, bob.id, 'developer', alice.id);
      await store.orgs.invite(org.id, carol.id, 'developer', alice.id);
      await rejectsWith(store.orgs.acceptInvitation(org.id, bob.id), 'TFA_REQUIRED');
      assert.equal(await store.orgs.role(org.id, bob.id), null);
      assert.equal((await store.orgs.invitations(org.id)).length, 2, 'the refused invitation stays pending');
      assert.equal(await store.orgs.acceptInvitation(org.id, carol.id), 'developer');
      const members = await store.orgs.members(org.id);
      assert.deepEqual(members.map((m) => [m.name, m.hasTfa]), [['alice', true], ['carol', true]]);
      const off = await store.orgs.updateSettings(org.id, { requireTfa: false, developersAccess: null });
      assert.deepEqual([off.requireTfa, off.developersAccess], [false, null]);
      assert.equal(await store.orgs.acceptInvitation(org.id, bob.id), 'developer');
    });

    check('teams: unique names per org, members of the org only, deletion takes members and grants', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      const other = await store.orgs.create('other', bob.id);
      const core = await store.orgs.createTeam(org.id, 'core', 'The core team', { event: ev('team-create', alice.id) });
      assert.deepEqual([core.name, core.orgName, core.description], ['core', 'acme', 'The core team']);
      await rejectsWith(store.orgs.createTeam(org.id, 'core', null), 'ALREADY_EXISTS');
      await store.orgs.createTeam(other.id, 'core', null);
      assert.deepEqual((await store.orgs.teams(org.id)).map((t) => t.name), ['core', 'developers']);
      await rejectsWith(store.orgs.addTeamMember(core.id, bob.id), 'FORBIDDEN');
      assert.equal(await store.orgs.addTeamMember(core.id, alice.id), true);
      assert.equal(await store.orgs.addTeamMember(core.id, alice.id), false);
      assert.deepEqual((await store.orgs.teamsOfUser(org.id, alice.id)).map((t) => t.name), ['core', 'developers']);
      await store.packages.commit('@acme/tool', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      await store.orgs.grant(core.id, '@acme/tool', 'read-only');
      assert.equal(await store.orgs.removeTeamMember(core.id, alice.id), true);
      assert.equal(await store.orgs.removeTeamMember(core.id, alice.id), false);
      await store.orgs.addTeamMember(core.id, alice.id);
      assert.equal(await store.orgs.deleteTeam(core.id, { event: ev('team-destroy', alice.id) }), true);
      assert.equal(await store.orgs.deleteTeam(core.id), false);
      assert.equal(await store.orgs.team(org.id, 'core'), null);
      assert.deepEqual(await store.orgs.packageTeams('@acme/tool'), []);
      await rejectsWith(store.orgs.addTeamMember(core.id, alice.id), 'NOT_FOUND');
      assert.deepEqual((await store.orgs.events(org.id, { limit: 10 })).map((e) => e.type), ['team-destroy', 'team-create']);
    });

    check('grants: per team and package, listed both ways, and the grants that reach a user (read-write first)', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const org = await store.orgs.create('acme', alice.id);
      await join(store, org.id, bob.id, 'developer', alice.id);
      await store.packages.commit('@acme/tool', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      await store.packages.commit('@acme/lib', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      const developers = (await store.orgs.team(org.id, 'developers'))!;
      const readers = await store.orgs.createTeam(org.id, 'readers', null);
      await store.orgs.addTeamMember(readers.id, bob.id);
      await rejectsWith(store.orgs.grant(readers.id, '@acme/missing', 'read-only'), 'NOT_FOUND');
      await store.orgs.grant(readers.id, '@acme/tool', 'read-only', { event: ev('access-grant', alice.id) });
      await store.orgs.grant(readers.id, '@acme/lib', 'read-only');
      await store.orgs.grant(developers.id, '@acme/tool', 'read-only');
      await store.orgs.grant(developers.id, '@acme/tool', 'read-write');
      assert.deepEqual(await store.orgs.teamPackages(readers.id), [
        { package: '@acme/lib', permission: 'read-only' },
        { package: '@acme/tool', permission: 'read-only' },
      ]);
      assert.deepEqual((await store.orgs.packageTeams('@acme/tool')).map((g) => [g.team.orgName, g.team.name, g.permission]), [
        ['acme', 'developers', 'read-write'],
        ['acme', 'readers', 'read-only'],
      ]);
      assert.deepEqual((await store.orgs.userPackageGrants(bob.id, '@acme/tool')).map((g) => [g.team.name, g.permission]), [
        ['developers', 'read-write'],
        ['readers', 'read-only'],
      ]);
      assert.deepEqual((await store.orgs.userPackageGrants(bob.id, '@acme/lib')).map((g) => [g.team.name, g.permission]), [['readers', 'read-only']]);
      assert.equal(await store.orgs.revoke(readers.id, '@acme/lib'), true);
      assert.equal(await store.orgs.revoke(readers.id, '@acme/lib'), false);
      assert.deepEqual(await store.orgs.userPackageGrants(bob.id, '@acme/lib'), []);
      // a removed member keeps no grant through the org's teams
      await store.orgs.removeMember(org.id, bob.id);
      assert.deepEqual(await store.orgs.userPackageGrants(bob.id, '@acme/tool'), []);
    });

    check('an org write with a replayed second factor changes nothing', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      const org = await store.orgs.create('acme', alice.id);
      const otp = { userId: alice.id, kind: 'totp' as const, step: 100, credentialKey: 'key-a' };
      await store.orgs.createTeam(org.id, 'one', null, { otp, event: ev('team-create', alice.id) });
      await rejectsWith(store.orgs.createTeam(org.id, 'two', null, { otp: { ...otp, credentialKey: 'key-b' }, event: ev('team-create', alice.id) }), 'OTP_REQUIRED');
      assert.equal(await store.orgs.team(org.id, 'two'), null);
      assert.deepEqual((await store.orgs.events(org.id, { limit: 10 })).map((e) => e.type), ['team-create']);
    });

    check('the org log pages newest first', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const org = await store.orgs.create('acme', alice.id, { event: ev('org-create', alice.id) });
      for (const name of ['a', 'b', 'c']) await store.orgs.createTeam(org.id, name, null, { event: ev('team-create', alice.id, { team: name }) });
      const first = await store.orgs.events(org.id, { limit: 2 });
      assert.deepEqual(first.map((e) => e.detail?.team), ['c', 'b']);
      assert.deepEqual(first[0].ip, '10.1.2.3');
      const rest = await store.orgs.events(org.id, { limit: 10, before: first[1].id });
      assert.deepEqual(rest.map((e) => e.type), ['team-create', 'org-create']);
      await store.orgs.appendEvent(org.id, ev('org-invite', alice.id, { user: 'nobody' }));
      assert.deepEqual((await store.orgs.events(org.id, { limit: 1 }))[0].detail, { user: 'nobody' });
      await rejectsWith(store.orgs.appendEvent(org.id + 1000, ev('x')), 'NOT_FOUND');
    });
  });
}
