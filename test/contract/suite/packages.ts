// Packages: every mutation, its preconditions (checked inside the transaction), atomicity,
// ownership and scopes, search visibility, blob references, concurrent writers.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { PackageMutation } from '../../../src/core/ports.ts';
import { type Check, commitAndGet, create, makeUser, publish, rejectsWith, version } from './harness.ts';

export function packageContract(check: Check): void {
  describe('packages: publish', () => {
    check('a first publish creates the package with its owner, tag, access and settings', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const v = version('1.0.0', { description: 'first', keywords: ['a', 'b'], zeta: 1, alpha: { y: 2, x: 1 } });
      const mfa = { publishRequiresTfa: true, automationOverridesTfa: true };
      const pkg = await commitAndGet(store, 'tool', { type: 'publish', version: v, tag: 'latest', create: { ownerId: alice.id, access: 'restricted', mfa } });
      assert.equal(pkg.name, 'tool');
      assert.equal(pkg.rev, 1);
      assert.equal(pkg.access, 'restricted');
      assert.equal(pkg.unpublished, false);
      assert.deepEqual(pkg.mfa, mfa);
      assert.equal(pkg.createdAt, clock.iso());
      assert.equal(pkg.modifiedAt, clock.iso());
      assert.deepEqual(pkg.owners, [{ id: alice.id, name: 'alice', email: 'alice@example.com' }]);
      assert.deepEqual(pkg.distTags, { latest: '1.0.0' });
      assert.deepEqual(pkg.versions, [v]);
      // The manifest comes back byte for byte, keys in their published order.
      assert.equal(JSON.stringify(pkg.versions[0].manifest), JSON.stringify(v.manifest));
      assert.deepEqual(await store.packages.get('tool'), pkg);
      assert.equal(await store.packages.get('nothing'), null);
    });

    check('a security-log event given with a commit is written in its transaction: kept with it, gone with a refused one', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const event = (v: string) => ({ userId: alice.id, type: 'publish', ip: '10.0.0.1', userAgent: 'npm/11', detail: { package: 'tool', version: v } });
      await store.packages.commit('tool', create(alice.id, version('1.0.0')), { event: event('1.0.0') });
      // The same version again is refused inside the transaction: its event must not stay.
      await rejectsWith(store.packages.commit('tool', publish(version('1.0.0')), { event: event('again') }), 'VERSION_EXISTS');
      const log = await store.events.list(alice.id, { limit: 10 });
      assert.deepEqual(
        log.map((e) => [e.type, e.ip, e.userAgent, e.detail]),
        [['publish', '10.0.0.1', 'npm/11', { package: 'tool', version: '1.0.0' }]],
      );
    });

    check('a first version published under another tag gets latest too; later ones move only their tag', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0-beta.1'), { tag: 'beta' }));
      clock.advanceMs(1000);
      const after = await commitAndGet(store, 'tool', publish(version('1.0.0-beta.2', {}, '2026-03-01T12:00:01.000Z'), 'beta'));
      assert.deepEqual(after.distTags, { beta: '1.0.0-beta.2', latest: '1.0.0-beta.1' });
      assert.equal(after.rev, 2);
      assert.equal(after.modifiedAt, clock.iso());
      assert.notEqual(after.createdAt, after.modifiedAt);
      assert.deepEqual(after.versions.map((v) => v.version), ['1.0.0-beta.1', '1.0.0-beta.2']);
    });

    check('versions come back in publication order', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('2.0.0', {}, '2026-03-01T12:00:00.000Z')));
      await store.packages.commit('tool', publish(version('1.0.1', {}, '2026-03-01T12:00:05.000Z'), 'old'));
      await store.packages.commit('tool', publish(version('1.0.0', {}, '2026-03-01T12:00:05.000Z'), 'older'));
      const pkg = await store.packages.get('tool');
      assert.deepEqual(pkg?.versions.map((v) => v.version), ['2.0.0', '1.0.0', '1.0.1']);
    });

    check('a version is published once, and an unpublished version is burned for ever', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('tool', publish(version('1.1.0')));
      await rejectsWith(store.packages.commit('tool', publish(version('1.0.0'))), 'VERSION_EXISTS');
      await store.packages.commit('tool', { type: 'remove-versions', versions: ['1.1.0'], distTags: { latest: '1.0.0' } });
      await rejectsWith(store.packages.commit('tool', publish(version('1.1.0'))), 'VERSION_EXISTS');
      await store.packages.commit('tool', { type: 'unpublish-all' });
      await rejectsWith(store.packages.commit('tool', create(alice.id, version('1.0.0'))), 'VERSION_EXISTS');
      const back = await commitAndGet(store, 'tool', create(alice.id, version('2.0.0')));
      assert.deepEqual(back.versions.map((v) => v.version), ['2.0.0']);
    });

    check('maxManifestBytes caps the package\'s manifests (readmes aside) inside the transaction', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const cap = (m: PackageMutation): PackageMutation => (m.type === 'publish' ? { ...m, maxManifestBytes: 10_000 } : m);
      const big = (v: string) => version(v, { notes: 'n'.repeat(4000), readme: 'r'.repeat(50_000) });
      await store.packages.commit('tool', cap(create(alice.id, big('1.0.0'))));
      await store.packages.commit('tool', cap(publish(big('1.0.1'))));
      await rejectsWith(store.packages.commit('tool', cap(publish(big('1.0.2'))) as never), 'BODY_TOO_LARGE');
      const pkg = await store.packages.get('tool');
      assert.deepEqual(pkg?.versions.map((v) => v.version), ['1.0.0', '1.0.1'], 'the refused version left nothing');
      assert.equal(pkg?.rev, 2);
      // the refused version is not burned: it can be published once room is made
      await store.packages.commit('tool', { type: 'remove-versions', versions: ['1.0.1'], distTags: { latest: '1.0.0' } });
      await store.packages.commit('tool', cap(publish(big('1.0.2'))));
      // the package's running total follows every change: publishes without a cap count too,
      // an unpublish of the whole package starts it again from zero
      await store.packages.commit('tool', publish(big('1.0.3')));
      await rejectsWith(store.packages.commit('tool', cap(publish(big('1.0.4'))) as never), 'BODY_TOO_LARGE');
      await store.packages.commit('tool', { type: 'unpublish-all' });
      await store.packages.commit('tool', cap(create(alice.id, big('2.0.0'))));
      await store.packages.commit('tool', cap(publish(big('2.0.1'))));
      await rejectsWith(store.packages.commit('tool', cap(publish(big('2.0.2'))) as never), 'BODY_TOO_LARGE');
    });

    check('a publish without `create` to an unknown name is NOT_FOUND', async ({ store }) => {
      await rejectsWith(store.packages.commit('ghost', publish(version('1.0.0'))), 'NOT_FOUND');
      assert.equal(await store.packages.get('ghost'), null);
    });

    check('a publish may change the access of the package', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      const after = await commitAndGet(store, 'tool', publish(version('1.0.1'), 'latest', 'restricted'));
      assert.equal(after.access, 'restricted');
    });

    check('a failed publish leaves nothing behind', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const before = await commitAndGet(store, 'tool', create(alice.id, version('1.0.0')));
      await rejectsWith(store.packages.commit('tool', publish(version('1.0.0'), 'next', 'restricted')), 'VERSION_EXISTS');
      assert.deepEqual(await store.packages.get('tool'), before);
    });
  });

  describe('packages: changes', () => {
    check('a stale revision is a REV_CONFLICT; the current one passes', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      const two = await commitAndGet(store, 'tool', publish(version('1.0.1')));
      await rejectsWith(store.packages.commit('tool', { type: 'set-tag', tag: 'x', version: '1.0.0' }, { expectRev: 1 }), 'REV_CONFLICT');
      const three = await commitAndGet(store, 'tool', { type: 'set-tag', tag: 'x', version: '1.0.0' }, { expectRev: two.rev });
      assert.equal(three.rev, 3);
    });

    check('dist-tags: set to an existing version only, and removed', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await rejectsWith(store.packages.commit('tool', { type: 'set-tag', tag: 'next', version: '9.9.9' }), 'NOT_FOUND');
      assert.equal((await store.packages.get('tool'))?.rev, 1);
      let pkg = await commitAndGet(store, 'tool', { type: 'set-tag', tag: 'next', version: '1.0.0' });
      assert.deepEqual(pkg.distTags, { latest: '1.0.0', next: '1.0.0' });
      pkg = await commitAndGet(store, 'tool', { type: 'remove-tag', tag: 'next' });
      assert.deepEqual(pkg.distTags, { latest: '1.0.0' });
      assert.equal(pkg.rev, 3);
    });

    check('deprecations are set and cleared together, or not at all', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('tool', publish(version('1.0.1')));
      let pkg = await commitAndGet(store, 'tool', { type: 'deprecate', messages: { '1.0.0': 'use 1.0.1', '1.0.1': 'also old' } });
      assert.deepEqual(pkg.versions.map((v) => v.deprecated), ['use 1.0.1', 'also old']);
      await rejectsWith(store.packages.commit('tool', { type: 'deprecate', messages: { '1.0.0': null, '3.0.0': 'x' } }), 'NOT_FOUND');
      assert.deepEqual((await store.packages.get('tool'))?.versions.map((v) => v.deprecated), ['use 1.0.1', 'also old']);
      pkg = await commitAndGet(store, 'tool', { type: 'deprecate', messages: { '1.0.0': null } });
      assert.deepEqual(pkg.versions.map((v) => v.deprecated), [null, 'also old']);
    });

    check('removing versions replaces the tags; an unknown version undoes the whole change', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('tool', publish(version('1.1.0')));
      await store.packages.commit('tool', publish(version('1.2.0'), 'next'));
      const before = await store.packages.get('tool');
      await rejectsWith(store.packages.commit('tool', { type: 'remove-versions', versions: ['1.1.0', '7.0.0'], distTags: { latest: '1.0.0' } }), 'NOT_FOUND');
      await rejectsWith(store.packages.commit('tool', { type: 'remove-versions', versions: ['1.1.0'], distTags: { latest: '1.1.0' } }), 'NOT_FOUND');
      assert.deepEqual(await store.packages.get('tool'), before);
      const pkg = await commitAndGet(store, 'tool', { type: 'remove-versions', versions: ['1.1.0'], distTags: { latest: '1.0.0', next: '1.2.0' } });
      assert.deepEqual(pkg.versions.map((v) => v.version), ['1.0.0', '1.2.0']);
      assert.deepEqual(pkg.distTags, { latest: '1.0.0', next: '1.2.0' });
    });

    check('unpublishing everything keeps the name for its owners; only they may publish it again', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('tool', { type: 'owners', add: [bob.id], remove: [] });
      const gone = await commitAndGet(store, 'tool', { type: 'unpublish-all' });
      assert.equal(gone.unpublished, true);
      assert.deepEqual(gone.versions, []);
      assert.deepEqual(gone.distTags, {});
      assert.deepEqual(gone.owners.map((o) => o.name), ['alice', 'bob']);
      await rejectsWith(store.packages.commit('tool', { type: 'set-tag', tag: 'latest', version: '1.0.0' }), 'NOT_FOUND');
      await rejectsWith(store.packages.commit('tool', { type: 'unpublish-all' }), 'NOT_FOUND');
      const carol = await makeUser(store, 'carol');
      await rejectsWith(store.packages.commit('tool', create(carol.id, version('3.0.0'))), 'FORBIDDEN');
      const back = await commitAndGet(store, 'tool', create(bob.id, version('2.0.0'), { access: 'restricted' }));
      assert.equal(back.unpublished, false);
      assert.equal(back.access, 'restricted');
      assert.equal(back.rev, gone.rev + 1);
      assert.deepEqual(back.owners.map((o) => o.name), ['alice', 'bob']);
      assert.deepEqual(back.distTags, { latest: '2.0.0' });
    });

    check('owners are added in order and removed, but never the last one (LAST_OWNER, atomically)', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const carol = await makeUser(store, 'carol');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      let pkg = await commitAndGet(store, 'tool', { type: 'owners', add: [carol.id, bob.id, alice.id], remove: [] });
      assert.deepEqual(pkg.owners.map((o) => o.name), ['alice', 'carol', 'bob']);
      pkg = await commitAndGet(store, 'tool', { type: 'owners', add: [], remove: [carol.id] });
      assert.deepEqual(pkg.owners.map((o) => o.name), ['alice', 'bob']);
      await rejectsWith(store.packages.commit('tool', { type: 'owners', add: [], remove: [alice.id, bob.id] }), 'LAST_OWNER');
      assert.deepEqual((await store.packages.get('tool'))?.owners.map((o) => o.name), ['alice', 'bob']);
      assert.equal((await store.packages.get('tool'))?.rev, pkg.rev);
      pkg = await commitAndGet(store, 'tool', { type: 'owners', add: [carol.id], remove: [alice.id, bob.id] });
      assert.deepEqual(pkg.owners.map((o) => o.name), ['carol']);
    });

    check('settings change access and the 2FA requirement', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      let pkg = await commitAndGet(store, 'tool', { type: 'settings', access: 'restricted' });
      assert.equal(pkg.access, 'restricted');
      assert.deepEqual(pkg.mfa, { publishRequiresTfa: false, automationOverridesTfa: false });
      pkg = await commitAndGet(store, 'tool', { type: 'settings', mfa: { publishRequiresTfa: true, automationOverridesTfa: false } });
      assert.equal(pkg.access, 'restricted');
      assert.deepEqual(pkg.mfa, { publishRequiresTfa: true, automationOverridesTfa: false });
    });

    check('a package write with an OTP consumes it; a replay changes nothing', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.users.setTfa(alice.id, { mode: 'auth-and-writes', pending: false, secret: 's', lastStep: null, lastStepKey: null }, []);
      const otp = (key: string) => ({ userId: alice.id, kind: 'totp' as const, step: 500, credentialKey: key });
      await store.packages.commit('tool', create(alice.id, version('1.0.0')), { otp: otp('tok-a') });
      await rejectsWith(store.packages.commit('tool', publish(version('1.0.1')), { otp: otp('tok-b') }), 'OTP_REQUIRED');
      assert.deepEqual((await store.packages.get('tool'))?.versions.map((v) => v.version), ['1.0.0']);
      await store.packages.commit('tool', publish(version('1.0.1')), { otp: otp('tok-a') });
    });
  });

  describe('packages: names and scopes', () => {
    check('the scope @NAME belongs to user NAME; other scopes to their first publisher', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      assert.equal(await store.packages.scopeOwner('alice'), alice.id);
      assert.equal(await store.packages.scopeOwner('acme'), null);
      await store.packages.commit('@acme/one', create(bob.id, version('1.0.0'), { claimScope: 'acme' }));
      assert.equal(await store.packages.scopeOwner('acme'), bob.id);
      await store.packages.commit('@acme/two', create(bob.id, version('1.0.0'), { claimScope: 'acme' }));
      await store.packages.commit('@alice/own', create(alice.id, version('1.0.0'), { claimScope: 'alice' }));
      assert.equal(await store.packages.scopeOwner('alice'), alice.id);
    });

    check('a first publish in somebody else\'s scope is refused inside the transaction', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('@acme/one', create(bob.id, version('1.0.0'), { claimScope: 'acme' }));
      await rejectsWith(store.packages.commit('@acme/two', create(alice.id, version('1.0.0'), { claimScope: 'acme' })), 'FORBIDDEN');
      await rejectsWith(store.packages.commit('@bob/x', create(alice.id, version('1.0.0'), { claimScope: 'bob' })), 'FORBIDDEN');
      assert.equal(await store.packages.get('@acme/two'), null);
      assert.equal(await store.packages.get('@bob/x'), null);
      assert.equal(await store.packages.scopeOwner('acme'), bob.id);
    });

    check('a first publish of a name that meanwhile became someone else\'s does not take it over', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await rejectsWith(store.packages.commit('tool', create(bob.id, version('1.0.1'))), 'FORBIDDEN');
      const pkg = await store.packages.get('tool');
      assert.deepEqual(pkg?.owners.map((o) => o.name), ['alice']);
      assert.deepEqual(pkg?.versions.map((v) => v.version), ['1.0.0']);
      // The same owner racing with itself just publishes.
      const again = await commitAndGet(store, 'tool', create(alice.id, version('1.0.2')));
      assert.deepEqual(again.owners.map((o) => o.name), ['alice']);
    });

    check('first publishes of one name by several users at once (two handles): one owner, no takeover', async ({ store, open }) => {
      const other = await open();
      const users = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((n) => makeUser(store, n)));
      const results = await Promise.allSettled(users.map((u, i) => (i % 2 ? other : store).packages.commit('contested', create(u.id, version(`1.0.${i}`)))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const pkg = await store.packages.get('contested');
      assert.equal(pkg?.owners.length, 1);
      assert.equal(pkg?.versions.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'FORBIDDEN');
    });

    check('concurrent publishes of distinct versions (two handles) all land, each with its own rev', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('busy', create(alice.id, version('0.0.0')));
      const n = 16;
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => (i % 2 ? other : store).packages.commit('busy', publish(version(`1.0.${i}`), `t${i}`))),
      );
      assert.deepEqual(results.map((r) => r.rev).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 2));
      const pkg = await other.packages.get('busy');
      assert.equal(pkg?.versions.length, n + 1);
      assert.equal(pkg?.rev, n + 1);
      assert.equal(Object.keys(pkg?.distTags ?? {}).length, n + 1);
    });

    check('concurrent publishes of one version: exactly one lands', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('busy', create(alice.id, version('0.0.0')));
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).packages.commit('busy', publish(version('1.0.0')))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'VERSION_EXISTS');
    });
  });

  describe('packages: search and blobs', () => {
    check('search matches name, description and keywords of latest; restricted only for owners; unpublished never', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('left-pad', create(alice.id, version('1.0.0', { description: 'Pads strings on the LEFT', keywords: ['string', 'pad'] })));
      await store.packages.commit('right-pad', create(bob.id, version('1.0.0', { description: 'pads on the right', keywords: ['string'] })));
      await store.packages.commit('secret-pad', create(bob.id, version('1.0.0', { description: 'private padding' }), { access: 'restricted' }));
      await store.packages.commit('gone-pad', create(bob.id, version('1.0.0')));
      await store.packages.commit('gone-pad', { type: 'unpublish-all' });
      await store.packages.commit('colours', create(alice.id, version('1.0.0', { description: 'old words' })));
      await store.packages.commit('colours', publish(version('2.0.0', { description: 'hues and tints', keywords: ['palette'] })));

      const names = async (text: string, viewerId: number | null, from = 0, size = 20) => {
        const r = await store.packages.search({ text, from, size, viewerId });
        return { names: r.hits.map((h) => h.name), total: r.total };
      };
      assert.deepEqual(await names('pad', null), { names: ['left-pad', 'right-pad'], total: 2 });
      assert.deepEqual(await names('pad', bob.id), { names: ['left-pad', 'right-pad', 'secret-pad'], total: 3 });
      assert.deepEqual(await names('pad', alice.id), { names: ['left-pad', 'right-pad'], total: 2 });
      assert.deepEqual(await names('left', null), { names: ['left-pad'], total: 1 });
      assert.deepEqual(await names('STRING pad', null), { names: ['left-pad', 'right-pad'], total: 2 });
      assert.deepEqual(await names('palette', null), { names: ['colours'], total: 1 });
      assert.deepEqual(await names('words', null), { names: [], total: 0 }, 'only latest is searched');
      assert.deepEqual(await names('%', null), { names: [], total: 0 }, 'wildcards are literal');
      assert.deepEqual(await names('_', null), { names: [], total: 0 });
      assert.deepEqual(await names('', null), { names: ['colours', 'left-pad', 'right-pad'], total: 3 });
      assert.deepEqual(await names('', null, 1, 1), { names: ['left-pad'], total: 3 });
      const [hit] = (await store.packages.search({ text: 'colours', from: 0, size: 5, viewerId: null })).hits;
      assert.equal(hit.version, '2.0.0');
      assert.equal(hit.description, 'hues and tints');
      assert.deepEqual(hit.keywords, ['palette']);
      assert.deepEqual(hit.owners, [{ id: alice.id, name: 'alice', email: 'alice@example.com' }]);
      assert.equal(hit.modifiedAt, (await store.packages.get('colours'))?.modifiedAt);
    });

    check('search applies the viewer credential limits to restricted packages, as tokenCoversPackage does', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('@alice/secret-plan', create(alice.id, version('1.0.0', { description: 'plan secret' }), { access: 'restricted', claimScope: 'alice' }));
      await store.packages.commit('plan-b', create(alice.id, version('1.0.0', { description: 'plan restricted' }), { access: 'restricted' }));
      await store.packages.commit('plan-c', create(alice.id, version('1.0.0', { description: 'plan public' })));
      const names = async (viewerLimits: { packages: string[]; scopes: string[] } | null | undefined) =>
        (await store.packages.search({ text: 'plan', from: 0, size: 20, viewerId: alice.id, viewerLimits })).hits.map((h) => h.name);
      assert.deepEqual(await names(undefined), ['@alice/secret-plan', 'plan-b', 'plan-c']);
      assert.deepEqual(await names(null), ['@alice/secret-plan', 'plan-b', 'plan-c']);
      assert.deepEqual(await names({ packages: ['plan-c'], scopes: [] }), ['plan-c'], 'a token for one public package finds no restricted one');
      assert.deepEqual(await names({ packages: ['plan-b'], scopes: [] }), ['plan-b', 'plan-c']);
      assert.deepEqual(await names({ packages: [], scopes: ['@alice'] }), ['@alice/secret-plan', 'plan-c']);
      assert.deepEqual(await names({ packages: [], scopes: ['alice'] }), ['@alice/secret-plan', 'plan-c']);
      assert.deepEqual(await names({ packages: [], scopes: ['ali'] }), ['plan-c']);
      const r = await store.packages.search({ text: 'plan', from: 0, size: 20, viewerId: alice.id, viewerLimits: { packages: ['plan-c'], scopes: [] } });
      assert.equal(r.total, 1, 'the total counts what the limits allow');
    });

    check('search data follows every write that changes it: latest tag moves, tag removal, version removal, owners, e-mails, access', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.packages.commit('hues', create(alice.id, version('1.0.0', { description: 'one', keywords: ['two words', 'x', 3] })));
      await store.packages.commit('hues', publish(version('2.0.0', { description: 'two', keywords: ['y'] }, '2026-03-01T12:00:01.000Z')));
      await store.packages.commit('hues', publish(version('3.0.0-beta', { description: 'beta' }, '2026-03-01T12:00:02.000Z'), 'beta'));
      const hit = async () => (await store.packages.search({ text: 'hues', from: 0, size: 5, viewerId: null })).hits[0];
      assert.deepEqual([(await hit()).version, (await hit()).description, (await hit()).keywords], ['2.0.0', 'two', ['y']]);
      await store.packages.commit('hues', { type: 'set-tag', tag: 'latest', version: '1.0.0' });
      assert.deepEqual([(await hit()).version, (await hit()).description, (await hit()).keywords], ['1.0.0', 'one', ['two words', 'x']], 'keywords keep their spaces');
      await store.packages.commit('hues', { type: 'remove-versions', versions: ['1.0.0'], distTags: { latest: '2.0.0', beta: '3.0.0-beta' } });
      assert.equal((await hit()).version, '2.0.0');
      await store.packages.commit('hues', { type: 'owners', add: [bob.id], remove: [] });
      assert.deepEqual((await hit()).owners.map((o) => o.name), ['alice', 'bob']);
      await store.users.update(bob.id, { email: 'bob-new@example.com' });
      assert.equal((await hit()).owners[1].email, 'bob-new@example.com');
      await store.packages.commit('hues', { type: 'settings', access: 'restricted' });
      assert.equal(await hit(), undefined);
    });

    check('getVersion reads one version by version or tag; unknown ones are null', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const v1 = version('1.0.0', { description: 'first' });
      const v2 = version('2.0.0', { description: 'second' }, '2026-03-01T12:00:01.000Z');
      await store.packages.commit('tool', create(alice.id, v1));
      await store.packages.commit('tool', publish(v2, 'next'));
      const one = await store.packages.getVersion('tool', '1.0.0');
      assert.deepEqual(one?.version, v1);
      assert.deepEqual(one?.pkg.distTags, { latest: '1.0.0', next: '2.0.0' });
      assert.deepEqual(one?.pkg.owners, [{ id: alice.id, name: 'alice', email: 'alice@example.com' }]);
      assert.equal(one?.pkg.name, 'tool');
      assert.deepEqual((await store.packages.getVersion('tool', 'next'))?.version, v2);
      assert.deepEqual((await store.packages.getVersion('tool', 'latest'))?.version, v1);
      assert.equal(await store.packages.getVersion('tool', '9.9.9'), null);
      assert.equal(await store.packages.getVersion('tool', 'constructor'), null);
      assert.equal(await store.packages.getVersion('nothing', '1.0.0'), null);
    });

    check('overview lists tags and versions without manifests; namesOwnedBy lists a user\'s packages', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const v1 = version('1.0.0');
      const v2 = version('1.1.0', {}, '2026-03-01T12:00:01.000Z');
      await store.packages.commit('tool', create(alice.id, v1));
      await store.packages.commit('tool', publish(v2));
      await store.packages.commit('tool', { type: 'deprecate', messages: { '1.0.0': 'old' } });
      await store.packages.commit('@alice/a', create(alice.id, version('1.0.0'), { claimScope: 'alice' }));
      await store.packages.commit('zed', create(bob.id, version('1.0.0')));
      const o = await store.packages.overview('tool');
      const { manifest: _m1, ...s1 } = v1;
      const { manifest: _m2, ...s2 } = v2;
      assert.deepEqual(o?.versions, [{ ...s1, deprecated: 'old' }, s2]);
      assert.deepEqual(o?.distTags, { latest: '1.1.0' });
      assert.equal(o?.rev, 3);
      assert.ok(o && !('manifest' in o.versions[0]));
      assert.equal(await store.packages.overview('nothing'), null);
      assert.deepEqual(await store.packages.namesOwnedBy(alice.id), ['@alice/a', 'tool']);
      assert.deepEqual(await store.packages.namesOwnedBy(bob.id), ['zed']);
      assert.deepEqual(await store.packages.names({ limit: 10 }), ['@alice/a', 'tool', 'zed']);
      assert.deepEqual(await store.packages.names({ limit: 1 }), ['@alice/a']);
      assert.deepEqual(await store.packages.names({ after: '@alice/a', limit: 10 }), ['tool', 'zed']);
      await store.packages.commit('zed', { type: 'unpublish-all' });
      assert.deepEqual(await store.packages.names({ after: 'tool', limit: 10 }), ['zed'], 'unpublished packages are listed too');
    });

    check('a blob is referenced while a version uses it', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const v1 = version('1.0.0');
      const v2 = version('1.0.1');
      await store.packages.commit('tool', create(alice.id, v1));
      await store.packages.commit('tool', publish(v2));
      assert.equal(await store.packages.isBlobReferenced(v1.tarball.blobKey), true);
      assert.equal(await store.packages.isBlobReferenced('f'.repeat(128)), false);
      await store.packages.commit('tool', { type: 'remove-versions', versions: ['1.0.0'], distTags: { latest: '1.0.1' } });
      assert.equal(await store.packages.isBlobReferenced(v1.tarball.blobKey), false);
      await store.packages.commit('tool', { type: 'unpublish-all' });
      assert.equal(await store.packages.isBlobReferenced(v2.tarball.blobKey), false);
    });
  });
}
