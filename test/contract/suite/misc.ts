// The security log, throttling counters, web login requests and web OTP challenges.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { type Check, makeUser, rejectsWith } from './harness.ts';

export function miscContract(check: Check): void {
  describe('security log', () => {
    check('events are listed newest first, per user, paged by id', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      for (let i = 0; i < 5; i++) {
        clock.advanceMs(1000);
        await store.events.append({ userId: alice.id, type: `e${i}`, ip: i % 2 ? '10.0.0.1' : null, userAgent: i % 2 ? 'npm/11' : null, ...(i === 2 ? { detail: { n: 2, ok: true, s: 'x', z: null } } : {}) });
      }
      await store.events.append({ userId: bob.id, type: 'bob', ip: null, userAgent: null });
      const page1 = await store.events.list(alice.id, { limit: 2 });
      assert.deepEqual(page1.map((e) => e.type), ['e4', 'e3']);
      assert.equal(page1[0].userId, alice.id);
      assert.equal(page1[0].at, clock.iso());
      assert.equal(page1[1].ip, '10.0.0.1');
      assert.equal(page1[1].userAgent, 'npm/11');
      assert.ok(!('detail' in page1[0]), 'no detail key when none was given');
      const page2 = await store.events.list(alice.id, { before: page1[1].id, limit: 2 });
      assert.deepEqual(page2.map((e) => e.type), ['e2', 'e1']);
      assert.deepEqual(page2[0].detail, { n: 2, ok: true, s: 'x', z: null });
      const page3 = await store.events.list(alice.id, { before: page2[1].id, limit: 2 });
      assert.deepEqual(page3.map((e) => e.type), ['e0']);
      assert.deepEqual((await store.events.list(bob.id, { limit: 10 })).map((e) => e.type), ['bob']);
    });
  });

  describe('throttling counters', () => {
    check('a counter counts within its window, starts again after it, and resets', async ({ store }) => {
      assert.equal(await store.counters.get('login-ip:1.2.3.4'), null);
      assert.deepEqual(await store.counters.increment('login-ip:1.2.3.4', 1000, 500), { count: 1, lastAt: 1000 });
      assert.deepEqual(await store.counters.increment('login-ip:1.2.3.4', 1400, 500), { count: 2, lastAt: 1400 });
      assert.deepEqual(await store.counters.get('login-ip:1.2.3.4'), { count: 2, lastAt: 1400 });
      assert.deepEqual(await store.counters.increment('login-ip:1.2.3.4', 2000, 500), { count: 1, lastAt: 2000 });
      const now = Date.parse('2026-03-01T12:00:00Z');
      assert.deepEqual(await store.counters.increment('login-user:alice', now, 86_400_000), { count: 1, lastAt: now });
      await store.counters.reset('login-ip:1.2.3.4');
      assert.equal(await store.counters.get('login-ip:1.2.3.4'), null);
      assert.deepEqual(await store.counters.get('login-user:alice'), { count: 1, lastAt: now });
    });

    check('increments from several store handles at once are all counted', async ({ store, open }) => {
      const other = await open();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).counters.increment('login-user:bob', 5000 + i, 60_000)));
      assert.deepEqual(results.map((r) => r.count).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.equal((await store.counters.get('login-user:bob'))?.count, 20);
    });

    check('update: one atomic read-decide-write over several keys; null deletes; a refusal writes nothing', async ({ store }) => {
      const seen: unknown[] = [];
      const first = await store.counters.update(['a', 'b'], 1000, (cur) => {
        seen.push(cur);
        return [{ count: 1, lastAt: 1000, expiresAt: 5000 }, { count: 7, lastAt: 1000, expiresAt: 9000 }];
      });
      assert.deepEqual(first, { written: true, seen: [null, null] });
      assert.deepEqual(seen, [[null, null]]);
      const refused = await store.counters.update(['b', 'a'], 2000, () => null);
      assert.deepEqual(refused, { written: false, seen: [{ count: 7, lastAt: 1000, expiresAt: 9000 }, { count: 1, lastAt: 1000, expiresAt: 5000 }] });
      await store.counters.update(['a', 'b'], 2000, ([a, b]) => [null, { ...b!, count: b!.count + 1 }]);
      assert.equal(await store.counters.get('a'), null);
      assert.deepEqual(await store.counters.get('b'), { count: 8, lastAt: 1000 });
      // Past its expiresAt a counter is seen as absent, and pruned by any later update.
      const later = await store.counters.update(['c'], 9000, (cur) => [{ count: 1, lastAt: 9000, expiresAt: 20_000 }].slice(0, cur.length));
      assert.deepEqual(later.seen, [null]);
      assert.equal(await store.counters.get('b'), null, 'expired rows are pruned');
      assert.deepEqual((await store.counters.update(['b'], 9500, () => null)).seen, [null]);
    });

    check('update from several store handles at once: exactly the allowed number pass', async ({ store, open }) => {
      const other = await open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : store).counters.update(['login-ip:x', 'login-user:y'], 5000, ([ip, user]) =>
            ip && ip.count >= 9 ? null : [{ count: (ip?.count ?? 0) + 1, lastAt: 5000, expiresAt: 60_000 }, { count: (user?.count ?? 0) + 1, lastAt: 5000, expiresAt: 60_000 }],
          ),
        ),
      );
      assert.equal(results.filter((r) => r.written).length, 9);
      assert.equal((await store.counters.get('login-ip:x'))?.count, 9);
      assert.equal((await store.counters.get('login-user:y'))?.count, 9);
    });
  });

  describe('web login requests', () => {
    check('a request is approved once and claimed once, before it expires', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const request = { idHash: 'h1', createdAt: 1000, expiresAt: 601_000, ip: '10.0.0.9', userAgent: 'npm/11', create: false, approvedUserId: null };
      await store.loginRequests.create(request);
      assert.deepEqual(await store.loginRequests.get('h1'), request);
      assert.equal(await store.loginRequests.get('h-missing'), null);
      assert.equal(await store.loginRequests.claim('h1', 2000), null, 'not approved yet');
      assert.equal(await store.loginRequests.approve('h1', alice.id), true);
      assert.equal(await store.loginRequests.approve('h1', alice.id), false);
      assert.equal((await store.loginRequests.get('h1'))?.approvedUserId, alice.id);
      assert.equal(await store.loginRequests.claim('h1', 2000), alice.id);
      assert.equal(await store.loginRequests.claim('h1', 2000), null);
      assert.equal(await store.loginRequests.get('h1'), null);
    });

    check('an expired request is never claimed and is deleted by deleteExpired', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.loginRequests.create({ idHash: 'old', createdAt: 0, expiresAt: 1000, ip: '::1', userAgent: 'npm', create: true, approvedUserId: null });
      await store.loginRequests.create({ idHash: 'new', createdAt: 0, expiresAt: 9000, ip: '::1', userAgent: 'npm', create: true, approvedUserId: null });
      assert.equal((await store.loginRequests.get('old'))?.create, true);
      await store.loginRequests.approve('old', alice.id);
      assert.equal(await store.loginRequests.claim('old', 1000), null);
      await store.loginRequests.deleteExpired(1000);
      assert.equal(await store.loginRequests.get('old'), null);
      assert.ok(await store.loginRequests.get('new'));
    });

    check('of two claims at once (two handles), one gets the user', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      await store.loginRequests.create({ idHash: 'h', createdAt: 0, expiresAt: 9000, ip: '::1', userAgent: 'npm', create: false, approvedUserId: null });
      await store.loginRequests.approve('h', alice.id);
      const claims = await Promise.all([store, other, store, other].map((s) => s.loginRequests.claim('h', 10)));
      assert.deepEqual(claims.filter((c) => c !== null), [alice.id]);
    });
  });

  describe('web OTP challenges', () => {
    check('a challenge is approved by its user only, its value issued once and consumed once with a write', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      const now = clock.now();
      const base = { userId: alice.id, createdAt: now, expiresAt: now + 300_000, ip: '::1', userAgent: 'npm', action: 'PUT /x', approved: false, bindingHash: 'b1' };
      await store.otpChallenges.create({ ...base, idHash: 'c1' });
      assert.deepEqual(await store.otpChallenges.get('c1'), { ...base, idHash: 'c1' });
      assert.equal(await store.otpChallenges.issue('c1', 'v1', now), false, 'not before approval');
      assert.equal(await store.otpChallenges.approve('c1', bob.id, now), false, 'not by another user');
      assert.equal(await store.otpChallenges.approve('c1', alice.id, now), true);
      assert.equal(await store.otpChallenges.approve('c1', alice.id, now), false);
      assert.equal(await store.otpChallenges.issue('c1', 'v1', now), true);
      assert.equal(await store.otpChallenges.issue('c1', 'v2', now), false, 'issued once');
      await rejectsWith(store.users.update(alice.id, { fullname: 'A' }, { otp: { userId: bob.id, kind: 'web', valueHash: 'v1', bindingHash: 'b1' } }), 'OTP_REQUIRED');
      await rejectsWith(
        store.users.update(alice.id, { fullname: 'A' }, { otp: { userId: alice.id, kind: 'web', valueHash: 'v1', bindingHash: 'another request' } }),
        'OTP_REQUIRED',
      );
      assert.equal((await store.users.findById(alice.id))?.fullname, null, 'a refused value changes nothing');
      assert.notEqual(await store.otpChallenges.get('c1'), null, 'a value refused for its binding stays for its own request');
      await store.users.update(alice.id, { fullname: 'A', webOtpChallenge: true }, { otp: { userId: alice.id, kind: 'web', valueHash: 'v1', bindingHash: 'b1' } });
      const after = await store.users.findById(alice.id);
      assert.equal(after?.fullname, 'A');
      assert.equal(after?.webOtpChallenge, true);
      assert.equal(await store.otpChallenges.get('c1'), null, 'consumed');
      await rejectsWith(store.users.update(alice.id, { fullname: 'B' }, { otp: { userId: alice.id, kind: 'web', valueHash: 'v1', bindingHash: 'b1' } }), 'OTP_REQUIRED');
    });

    check('an expired challenge cannot be approved, issued or consumed, and is deleted', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      const now = clock.now();
      await store.otpChallenges.create({ idHash: 'old', userId: alice.id, createdAt: now - 400_000, expiresAt: now - 1, ip: '::1', userAgent: 'npm', action: 'PUT /x', approved: false, bindingHash: 'b' });
      assert.equal(await store.otpChallenges.approve('old', alice.id, now), false);
      await store.otpChallenges.deleteExpired(now);
      assert.equal(await store.otpChallenges.get('old'), null);
    });
  });
}
