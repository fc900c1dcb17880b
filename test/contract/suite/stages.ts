// Staged versions (npm stage): one per package and version, sharing the version index with
// published ones inside the transactions; approval takes the stage with the publish; expiry.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { OtpUse, StagedVersion, Store } from '../../../src/core/ports.ts';
import { type Check, create, makeUser, publish, rejectsWith, version, withTfa } from './harness.ts';

const DAY = 86_400_000;
let n = 0;

function staged(userId: number, pkg: string, v: string, createdMs: number, extra: Partial<StagedVersion> = {}): StagedVersion {
  const rec = version(v, { name: pkg }, new Date(createdMs).toISOString(), `stage-${pkg}-${v}`);
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    package: pkg,
    version: v,
    tag: 'next',
    access: null,
    manifest: rec.manifest,
    tarball: rec.tarball,
    userId,
    userName: 'alice',
    actorType: 'token',
    createdAt: new Date(createdMs).toISOString(),
    expiresAt: new Date(createdMs + 14 * DAY).toISOString(),
    ...extra,
  };
}

const now = (clock: { iso(): string }) => clock.iso();

export function stageContract(check: Check, hasSubscribe: boolean): void {
  describe('staged versions', () => {
    check('a staged version round-trips; get and list ignore expired ones; list filters by package, oldest first', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const a = staged(alice.id, 'tool', '1.0.0', clock.ms, { access: 'restricted' });
      const b = staged(alice.id, 'other', '2.0.0', clock.ms + 1000);
      await store.stages.create(a, now(clock), { event: { userId: alice.id, type: 'stage-publish', ip: '10.0.0.1', userAgent: 'npm/11', detail: { package: 'tool', version: '1.0.0' } } });
      await store.stages.create(b, now(clock));
      assert.deepEqual(await store.stages.get(a.id, now(clock)), a);
      assert.equal(JSON.stringify((await store.stages.get(a.id, now(clock)))!.manifest), JSON.stringify(a.manifest));
      assert.deepEqual((await store.stages.list(now(clock))).map((s) => s.id), [a.id, b.id]);
      assert.deepEqual((await store.stages.list(now(clock), 'other')).map((s) => s.id), [b.id]);
      assert.equal((await store.events.list(alice.id, { limit: 5 }))[0].type, 'stage-publish');
      clock.ms = Date.parse(a.expiresAt);
      assert.equal(await store.stages.get(a.id, now(clock)), null);
      assert.deepEqual((await store.stages.list(now(clock))).map((s) => s.id), [b.id]);
      assert.equal(await store.stages.get('00000000-0000-4000-8000-999999999999', now(clock)), null);
    });

    check('a version is staged once, never over a published (or unpublished) one, and a publish never over a live stage', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await rejectsWith(store.stages.create(staged(alice.id, 'tool', '1.0.0', clock.ms), now(clock)), 'VERSION_EXISTS');
      const s = staged(alice.id, 'tool', '1.1.0', clock.ms);
      await store.stages.create(s, now(clock));
      await rejectsWith(store.stages.create(staged(alice.id, 'tool', '1.1.0', clock.ms), now(clock)), 'VERSION_EXISTS');
      await rejectsWith(store.packages.commit('tool', publish(version('1.1.0'))), 'VERSION_EXISTS');
      // a refused stage writes no event
      assert.equal((await store.events.list(alice.id, { limit: 5 })).length, 0);
      // once expired, the number is free for a publish and for a new stage
      clock.ms = Date.parse(s.expiresAt);
      const again = staged(alice.id, 'tool', '1.1.0', clock.ms);
      await store.stages.create(again, now(clock));
      assert.deepEqual((await store.stages.list(now(clock))).map((x) => x.id), [again.id]);
      clock.ms = Date.parse(again.expiresAt);
      await store.packages.commit('tool', publish(version('1.1.0')));
      // unpublished versions stay burned
      await store.packages.commit('tool', { type: 'remove-versions', versions: ['1.1.0'], distTags: { latest: '1.0.0' } });
      await rejectsWith(store.stages.create(staged(alice.id, 'tool', '1.1.0', clock.ms), now(clock)), 'VERSION_EXISTS');
    });

    check('an approval takes its stage in the publish transaction: once, never expired, kept when the publish is refused', async ({ store, clock }) => {
      const alice = await withTfa(store, 'alice');
      const s = staged(alice.id, 'tool', '1.0.0', clock.ms);
      await store.stages.create(s, now(clock));
      const v = { ...version('1.0.0'), manifest: s.manifest, tarball: s.tarball };
      // refused inside the transaction (another name's stage id): nothing taken
      await rejectsWith(store.packages.commit('other', create(alice.id, v), { stageId: s.id }), 'NOT_FOUND');
      assert.ok(await store.stages.get(s.id, now(clock)));
      // a replayed OTP refuses the whole approval, and the stage stays
      const otp: OtpUse = { userId: alice.id, kind: 'totp', step: 100, credentialKey: 'k1' };
      await store.users.consumeOtp({ ...otp, credentialKey: 'k0' });
      await rejectsWith(store.packages.commit('tool', create(alice.id, v), { stageId: s.id, otp }), 'OTP_REQUIRED');
      assert.ok(await store.stages.get(s.id, now(clock)));
      assert.equal(await store.packages.get('tool'), null);
      await store.packages.commit('tool', create(alice.id, v), { stageId: s.id, otp: { ...otp, step: 101 }, event: { userId: alice.id, type: 'stage-approve', ip: null, userAgent: null } });
      assert.equal(await store.stages.get(s.id, now(clock)), null);
      assert.deepEqual((await store.packages.get('tool'))!.versions.map((x) => x.version), ['1.0.0']);
      assert.equal((await store.events.list(alice.id, { limit: 1 }))[0].type, 'stage-approve');
      await rejectsWith(store.packages.commit('tool', publish({ ...version('1.0.1') }), { stageId: s.id }), 'NOT_FOUND');
      // an expired stage cannot be approved
      const late = staged(alice.id, 'tool', '2.0.0', clock.ms);
      await store.stages.create(late, now(clock));
      clock.ms = Date.parse(late.expiresAt);
      await rejectsWith(store.packages.commit('tool', publish({ ...version('2.0.0'), tarball: late.tarball }), { stageId: late.id }), 'NOT_FOUND');
    });

    check('remove (a rejection) deletes a live stage once, with its OTP and event; deleteExpired returns the expired ones', async ({ store, clock }) => {
      const alice = await withTfa(store, 'alice');
      const s = staged(alice.id, 'tool', '1.0.0', clock.ms);
      const old = staged(alice.id, 'tool', '0.9.0', clock.ms - 15 * DAY);
      await store.stages.create(s, now(clock));
      clock.ms -= 15 * DAY;
      await store.stages.create(old, now(clock));
      clock.ms += 15 * DAY;
      const replayed: OtpUse = { userId: alice.id, kind: 'totp', step: 7, credentialKey: 'a' };
      await store.users.consumeOtp({ ...replayed, credentialKey: 'b' });
      await rejectsWith(store.stages.remove(s.id, now(clock), { otp: replayed }), 'OTP_REQUIRED');
      assert.ok(await store.stages.get(s.id, now(clock)));
      const removed = await store.stages.remove(s.id, now(clock), { otp: { ...replayed, step: 8 }, event: { userId: alice.id, type: 'stage-reject', ip: null, userAgent: null } });
      assert.deepEqual(removed, s);
      assert.equal(await store.stages.remove(s.id, now(clock)), null);
      assert.equal((await store.events.list(alice.id, { limit: 1 }))[0].type, 'stage-reject');
      // the expired one: not removable as a rejection, returned once by deleteExpired
      assert.equal(await store.stages.remove(old.id, now(clock)), null);
      assert.deepEqual(await store.stages.deleteExpired(now(clock), 10), [old]);
      assert.deepEqual(await store.stages.deleteExpired(now(clock), 10), []);
    });

    check('creating a package drops the stages of its name by accounts that are not its owners (a stage cannot squat a new name)', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const mallory = await makeUser(store, 'mallory');
      const squat = staged(mallory.id, 'fresh', '1.0.0', clock.ms);
      const own = staged(alice.id, 'fresh', '2.0.0', clock.ms);
      await store.stages.create(squat, now(clock));
      await store.stages.create(own, now(clock));
      await store.packages.commit('fresh', create(alice.id, version('1.0.0')));
      assert.equal(await store.stages.get(squat.id, now(clock)), null);
      assert.deepEqual(await store.stages.get(own.id, now(clock)), own);
    });

    check('a staged tarball counts as a reference to its blob', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const s = staged(alice.id, 'tool', '1.0.0', clock.ms);
      assert.equal(await store.packages.isBlobReferenced(s.tarball.blobKey), false);
      await store.stages.create(s, now(clock));
      assert.equal(await store.packages.isBlobReferenced(s.tarball.blobKey), true);
      await store.stages.remove(s.id, now(clock));
      assert.equal(await store.packages.isBlobReferenced(s.tarball.blobKey), false);
    });

    if (hasSubscribe) {
      check('an approval is announced to the other nodes as a change of its package (their packument caches drop it)', async ({ store, clock, open }) => {
        const alice = await makeUser(store, 'alice');
        await store.packages.commit('tool', create(alice.id, version('1.0.0')));
        const s = staged(alice.id, 'tool', '1.1.0', clock.ms);
        await store.stages.create(s, now(clock));
        const nodeB: Store = await open();
        const heard: string[] = [];
        const stop = await nodeB.subscribe!((e) => heard.push(e.type === 'package' ? e.name : e.type));
        await store.packages.commit('tool', publish({ ...version('1.1.0'), manifest: s.manifest, tarball: s.tarball }, s.tag), { stageId: s.id });
        const deadline = Date.now() + 2000;
        while (!heard.some((h) => h === 'tool' || h === 'reset') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await stop();
        assert.ok(heard.some((h) => h === 'tool' || h === 'reset'), `heard ${JSON.stringify(heard)}`);
        assert.deepEqual((await nodeB.packages.get('tool'))!.distTags, { latest: '1.0.0', next: '1.1.0' });
      });
    }

    check('concurrent stages and publishes of one version: exactly one wins', async ({ store, clock, open }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      const second: Store = await open();
      const results = await Promise.allSettled([
        store.stages.create(staged(alice.id, 'tool', '2.0.0', clock.ms), now(clock)),
        second.packages.commit('tool', publish(version('2.0.0'))),
        second.stages.create(staged(alice.id, 'tool', '2.0.0', clock.ms), now(clock)),
        store.packages.commit('tool', publish(version('2.0.0'))),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
    });
  });
}
