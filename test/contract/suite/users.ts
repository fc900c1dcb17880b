// Users, the second factor and its compare-and-set consumption, the failed-attempt counter.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { OtpUse } from '../../../src/core/ports.ts';
import { activeTfa, type Check, create, makeUser, rejectsWith, version, withTfa } from './harness.ts';

const totp = (userId: number, step: number, credentialKey: string | null): Extract<OtpUse, { kind: 'totp' }> => ({ userId, kind: 'totp', step, credentialKey });
const recovery = (userId: number, codeHash: string): OtpUse => ({ userId, kind: 'recovery', codeHash, ip: '10.1.2.3', userAgent: 'npm/11' });

export function userContract(check: Check): void {
  describe('users', () => {
    check('a created user is found by name and by id with default security state', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      assert.equal(alice.name, 'alice');
      assert.equal(alice.email, 'alice@example.com');
      assert.equal(alice.passwordHash, 'hash-of-alice');
      assert.equal(alice.emailVerified, false);
      assert.equal(alice.tfa, null);
      assert.equal(alice.otpFailures, 0);
      assert.equal(alice.otpLastFailureAt, null);
      assert.equal(alice.createdAt, clock.iso());
      assert.equal(alice.updatedAt, clock.iso());
      assert.deepEqual(await store.users.findByName('alice'), alice);
      assert.deepEqual(await store.users.findById(alice.id), alice);
      assert.equal(await store.users.findByName('nobody'), null);
      assert.equal(await store.users.findById(alice.id + 1000), null);
      const bob = await makeUser(store, 'bob');
      assert.notEqual(bob.id, alice.id);
    });

    check('a taken name is refused, also when it is somebody else\'s scope', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await rejectsWith(makeUser(store, 'alice'), 'USER_EXISTS');
      await store.packages.commit('@acme/tool', create(alice.id, version('1.0.0'), { claimScope: 'acme' }));
      await rejectsWith(makeUser(store, 'acme'), 'USER_EXISTS');
    });

    check('concurrent sign-ups of one name: exactly one succeeds', async ({ store, open }) => {
      const other = await open();
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => makeUser(i % 2 ? other : store, 'carol')));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'USER_EXISTS');
    });

    check('update changes only the given fields and the update time', async ({ store, clock }) => {
      const alice = await makeUser(store, 'alice');
      clock.advanceMs(5000);
      const after = await store.users.update(alice.id, { fullname: 'Alice A', emailVerified: true, github: undefined, homepage: null });
      assert.equal(after.fullname, 'Alice A');
      assert.equal(after.emailVerified, true);
      assert.equal(after.github, null);
      assert.equal(after.email, alice.email);
      assert.equal(after.createdAt, alice.createdAt);
      assert.equal(after.updatedAt, clock.iso());
      const again = await store.users.update(alice.id, { email: 'new@example.com', passwordHash: 'h2', emailVerified: false });
      assert.equal(again.email, 'new@example.com');
      assert.equal(again.passwordHash, 'h2');
      assert.equal(again.emailVerified, false);
      assert.equal(again.fullname, 'Alice A');
    });

    check('setTfa: pending set-up, confirmation, recovery codes replaced or kept, disable clears everything', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const pending = await store.users.setTfa(alice.id, activeTfa({ pending: true, lastStep: 99, lastStepKey: 'k' }), []);
      assert.deepEqual(pending.tfa, { mode: 'auth-and-writes', pending: true, secret: 'sealed-secret', lastStep: null, lastStepKey: null });
      const active = await store.users.setTfa(alice.id, activeTfa({ lastStep: 100, lastStepKey: 'tok-a' }), ['h1', 'h2', 'h3']);
      assert.deepEqual(active.tfa, activeTfa({ lastStep: 100, lastStepKey: 'tok-a' }));
      assert.deepEqual((await store.users.unusedRecoveryCodes(alice.id)).sort(), ['h1', 'h2', 'h3']);
      // null keeps the codes; a mode change keeps the last step
      const mode = await store.users.setTfa(alice.id, { ...active.tfa!, mode: 'auth-only' }, null);
      assert.equal(mode.tfa?.mode, 'auth-only');
      assert.equal(mode.tfa?.lastStep, 100);
      assert.deepEqual((await store.users.unusedRecoveryCodes(alice.id)).sort(), ['h1', 'h2', 'h3']);
      await store.users.setTfa(alice.id, mode.tfa, ['h4']);
      assert.deepEqual(await store.users.unusedRecoveryCodes(alice.id), ['h4']);
      const off = await store.users.setTfa(alice.id, null, null);
      assert.equal(off.tfa, null);
      assert.deepEqual(await store.users.unusedRecoveryCodes(alice.id), []);
    });

    check('setTfa never moves the last accepted step backwards', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      // The write consumes step 50 in the same transaction; the caller's copy says 10.
      const after = await store.users.setTfa(alice.id, activeTfa({ lastStep: 10, lastStepKey: 'old' }), null, { otp: totp(alice.id, 50, 'tok-a') });
      assert.equal(after.tfa?.lastStep, 50);
      assert.equal(after.tfa?.lastStepKey, 'tok-a');
    });
  });

  describe('one-time passwords (compare-and-set)', () => {
    check('a TOTP step is accepted once, again only with the same credential key', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      await store.users.consumeOtp(totp(alice.id, 1000, 'tok-a'));
      let user = await store.users.findById(alice.id);
      assert.equal(user?.tfa?.lastStep, 1000);
      assert.equal(user?.tfa?.lastStepKey, 'tok-a');
      await store.users.consumeOtp(totp(alice.id, 1000, 'tok-a'));
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 1000, 'tok-b')), 'OTP_REQUIRED');
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 1000, null)), 'OTP_REQUIRED');
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 999, 'tok-a')), 'OTP_REQUIRED');
      await store.users.consumeOtp(totp(alice.id, 1001, 'tok-b'));
      user = await store.users.findById(alice.id);
      assert.equal(user?.tfa?.lastStep, 1001);
      assert.equal(user?.tfa?.lastStepKey, 'tok-b');
    });

    check('a step presented without a credential (password login) is accepted once only', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      await store.users.consumeOtp(totp(alice.id, 7, null));
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 7, null)), 'OTP_REQUIRED');
    });

    check('no step is accepted on an account without an active second factor', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 5, 'k')), 'OTP_REQUIRED');
      await store.users.setTfa(alice.id, activeTfa({ pending: true }), []);
      await rejectsWith(store.users.consumeOtp(totp(alice.id, 5, 'k')), 'OTP_REQUIRED');
    });

    check('a recovery code is used once; its use is logged with the codes left and clears the failures', async ({ store, clock }) => {
      const alice = await withTfa(store, 'alice', ['rc-1', 'rc-2']);
      await store.users.reserveOtpAttempt(alice.id, clock.now(), () => ({ allowed: true }));
      await store.users.consumeOtp(recovery(alice.id, 'rc-1'));
      await rejectsWith(store.users.consumeOtp(recovery(alice.id, 'rc-1')), 'OTP_REQUIRED');
      await rejectsWith(store.users.consumeOtp(recovery(alice.id, 'rc-unknown')), 'OTP_REQUIRED');
      assert.deepEqual(await store.users.unusedRecoveryCodes(alice.id), ['rc-2']);
      assert.equal((await store.users.findById(alice.id))?.otpFailures, 0);
      const [event] = await store.events.list(alice.id, { limit: 10 });
      assert.equal(event.type, 'recovery-code-used');
      assert.equal(event.ip, '10.1.2.3');
      assert.equal(event.userAgent, 'npm/11');
      assert.deepEqual(event.detail, { remaining: 1 });
      assert.equal(event.at, clock.iso());
    });

    check('a consumed step with a re-sealed secret stores the new sealing', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      await store.users.consumeOtp({ ...totp(alice.id, 3, 'k'), reseal: 'sealed-under-new-key' });
      assert.equal((await store.users.findById(alice.id))?.tfa?.secret, 'sealed-under-new-key');
    });

    check('a TOTP consumed with a write clears the failed-attempt count', async ({ store, clock }) => {
      const alice = await withTfa(store, 'alice');
      for (let i = 0; i < 3; i++) await store.users.reserveOtpAttempt(alice.id, clock.now(), () => ({ allowed: true }));
      await store.users.update(alice.id, { fullname: 'A' }, { otp: totp(alice.id, 9, 'k') });
      assert.equal((await store.users.findById(alice.id))?.otpFailures, 0);
    });

    check('a write with a replayed OTP is refused and changes nothing', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      await store.users.update(alice.id, { fullname: 'first' }, { otp: totp(alice.id, 20, 'tok-a') });
      await rejectsWith(store.users.update(alice.id, { fullname: 'second' }, { otp: totp(alice.id, 20, 'tok-b') }), 'OTP_REQUIRED');
      assert.equal((await store.users.findById(alice.id))?.fullname, 'first');
      await rejectsWith(store.users.setTfa(alice.id, null, null, { otp: totp(alice.id, 20, 'tok-b') }), 'OTP_REQUIRED');
      assert.notEqual((await store.users.findById(alice.id))?.tfa, null);
    });

    check('a failing write consumes no OTP: neither the step nor the recovery code', async ({ store }) => {
      const alice = await withTfa(store, 'alice', ['rc-1']);
      // The package does not exist: NOT_FOUND after the OTP was checked in the transaction.
      await rejectsWith(store.packages.commit('ghost', { type: 'set-tag', tag: 'x', version: '1.0.0' }, { otp: totp(alice.id, 30, 'tok-a') }), 'NOT_FOUND');
      await rejectsWith(store.packages.commit('ghost', { type: 'remove-tag', tag: 'x' }, { otp: recovery(alice.id, 'rc-1') }), 'NOT_FOUND');
      const user = await store.users.findById(alice.id);
      assert.equal(user?.tfa?.lastStep, null);
      assert.deepEqual(await store.users.unusedRecoveryCodes(alice.id), ['rc-1']);
      assert.deepEqual(await store.events.list(alice.id, { limit: 5 }), []);
      // A token whose key exists already: the insert fails, the step stays unused.
      const token = { key: 'dup', userId: alice.id, kind: 'legacy' as const, prefix: 'p', name: null, description: null, readonly: false, cidr: [], limits: null, bypass2fa: false, createdAt: 'now', expiresAt: null, lastUsedAt: null };
      await store.tokens.create(token);
      await assert.rejects(store.tokens.create(token, { otp: totp(alice.id, 31, 'tok-b') }));
      assert.equal((await store.users.findById(alice.id))?.tfa?.lastStep, null);
      // The same step then works for a write that succeeds.
      await store.users.consumeOtp(totp(alice.id, 31, 'tok-c'));
    });

    check('of many writes presenting one step from different credentials at once, exactly one succeeds', async ({ store, open }) => {
      const other = await open();
      const alice = await withTfa(store, 'alice');
      const attempts = Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : store).users.update(alice.id, { fullname: `writer ${i}` }, { otp: totp(alice.id, 77, `tok-${i}`) }),
      );
      const results = await Promise.allSettled(attempts);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      assert.equal((await store.users.findById(alice.id))?.fullname, `writer ${winner}`);
    });
  });

  describe('failed second-factor attempts', () => {
    check('reserveOtpAttempt counts up front, and counts nothing when decide refuses', async ({ store, clock }) => {
      const alice = await withTfa(store, 'alice');
      const seen: Array<[number, number | null]> = [];
      const allow = (f: number, l: number | null) => {
        seen.push([f, l]);
        return { allowed: true };
      };
      const t0 = clock.now();
      assert.deepEqual(await store.users.reserveOtpAttempt(alice.id, t0, allow), { allowed: true, failures: 1, lastFailureAt: t0 });
      assert.deepEqual(await store.users.reserveOtpAttempt(alice.id, t0 + 10, allow), { allowed: true, failures: 2, lastFailureAt: t0 + 10 });
      assert.deepEqual(seen, [
        [0, null],
        [1, t0],
      ]);
      const refused = await store.users.reserveOtpAttempt(alice.id, t0 + 20, () => ({ allowed: false }));
      assert.deepEqual(refused, { allowed: false, failures: 2, lastFailureAt: t0 + 10 });
      const user = await store.users.findById(alice.id);
      assert.equal(user?.otpFailures, 2);
      assert.equal(user?.otpLastFailureAt, t0 + 10);
      await store.users.clearOtpFailures(alice.id);
      assert.equal((await store.users.findById(alice.id))?.otpFailures, 0);
    });

    check('parallel attempts (on two store handles) are all counted, and a lock holds for all of them', async ({ store, open, clock }) => {
      const other = await open();
      const alice = await withTfa(store, 'alice');
      const limit = (failures: number) => ({ allowed: failures < 5 });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).users.reserveOtpAttempt(alice.id, clock.now(), limit)));
      assert.equal(results.filter((r) => r.allowed).length, 5);
      assert.equal((await other.users.findById(alice.id))?.otpFailures, 5);
      const counted = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).users.reserveOtpAttempt(alice.id, clock.now(), () => ({ allowed: true }))));
      assert.deepEqual(counted.map((r) => r.failures).sort((a, b) => a - b), [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    });

    check("a token's attempts are charged to that token alone, atomically, and cleared per token", async ({ store, open, clock }) => {
      const other = await open();
      const alice = await withTfa(store, 'alice');
      const bob = await withTfa(store, 'bob');
      const tok = (key: string, userId: number) => ({
        key, userId, kind: 'granular' as const, prefix: key.slice(0, 6), name: null, description: null, readonly: false, cidr: [], limits: null,
        bypass2fa: false, createdAt: '2026-03-01T12:00:00.000Z', expiresAt: null, lastUsedAt: null,
      });
      await store.tokens.create(tok('ci-key', alice.id));
      await store.tokens.create(tok('laptop-key', alice.id));
      const limit = (failures: number) => ({ allowed: failures < 5 });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).users.reserveOtpAttempt(alice.id, clock.now(), limit, 'ci-key')));
      assert.equal(results.filter((r) => r.allowed).length, 5);
      assert.equal((await store.users.findById(alice.id))?.otpFailures, 0, 'the account budget is untouched');
      const laptop = await store.users.reserveOtpAttempt(alice.id, clock.now(), limit, 'laptop-key');
      assert.deepEqual(laptop, { allowed: true, failures: 1, lastFailureAt: clock.now() });
      assert.equal((await store.users.reserveOtpAttempt(alice.id, clock.now(), limit)).failures, 1, 'the account budget starts at zero');
      await rejectsWith(store.users.reserveOtpAttempt(bob.id, clock.now(), limit, 'ci-key'), 'NOT_FOUND');
      await store.users.clearOtpFailures(alice.id, 'ci-key');
      assert.equal((await store.users.reserveOtpAttempt(alice.id, clock.now(), limit, 'ci-key')).failures, 1);
      assert.equal((await store.users.reserveOtpAttempt(alice.id, clock.now(), limit, 'laptop-key')).failures, 2, 'other tokens keep their count');
      assert.equal((await store.users.findById(alice.id))?.otpFailures, 1);
    });
  });
}
