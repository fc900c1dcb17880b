// Passkeys and their challenges (PasskeyStore): the first key turns the second factor on with
// its recovery codes, atomically; credential IDs are unique across accounts; the counter moves
// by compare-and-set (one assertion counts once); the last key of an account without TOTP turns
// 2FA off; 2FA off drops the keys; a challenge stored by one node is taken, once, by another.

import assert from 'node:assert/strict';
import type { OtpUse, Passkey, Store } from '../../../src/core/ports.ts';
import { activeTfa, type Check, makeUser, rejectsWith } from './harness.ts';

function key(userId: number, id: string, extra: Partial<Passkey> = {}): Passkey {
  return { id, userId, name: `key ${id}`, publicKey: 'pQECAyYgASFYIA', counter: 0, transports: ['internal'], multiDevice: true, backedUp: true, createdAt: '2026-03-01T12:00:00.000Z', lastUsedAt: null, ...extra };
}
const on = activeTfa({ secret: null });

export function passkeyContract(check: Check): void {
  check('the first passkey turns 2FA on (no TOTP secret) with its recovery codes, in one step; the list shows public data only', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const after = await store.passkeys.add(key(alice.id, 'cred-a', { transports: ['usb', 'nfc'] }), { tfa: on, recoveryHashes: ['rc-1', 'rc-2'] });
    assert.deepEqual(after.tfa, { mode: 'auth-and-writes', pending: false, secret: null, lastStep: null, lastStepKey: null });
    assert.deepEqual((await store.users.unusedRecoveryCodes(alice.id)).sort(), ['rc-1', 'rc-2']);
    const [listed] = await store.passkeys.list(alice.id);
    assert.deepEqual(listed, key(alice.id, 'cred-a', { transports: ['usb', 'nfc'] }));
    assert.deepEqual(await store.passkeys.find('cred-a'), listed);
    assert.equal(await store.passkeys.find('nope'), null);
  });

  check('a credential ID is unique across accounts: a second registration is refused and changes nothing', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    await store.passkeys.add(key(alice.id, 'cred-a'), { tfa: on, recoveryHashes: ['rc-a'] });
    await rejectsWith(store.passkeys.add(key(bob.id, 'cred-a'), { tfa: on, recoveryHashes: ['rc-b'] }), 'BAD_REQUEST');
    assert.equal((await store.users.findById(bob.id))!.tfa, null, 'the refused key turned nothing on');
    assert.deepEqual(await store.users.unusedRecoveryCodes(bob.id), []);
    assert.equal((await store.passkeys.find('cred-a'))!.userId, alice.id);
  });

  check('a passkey use moves the counter once (compare-and-set) and records the last use', async ({ store, clock }) => {
    const alice = await makeUser(store, 'alice');
    await store.passkeys.add(key(alice.id, 'cred-a', { counter: 5 }), { tfa: on });
    const use: OtpUse = { userId: alice.id, kind: 'passkey', credentialId: 'cred-a', previous: 5, counter: 6 };
    clock.ms = Date.parse('2026-03-02T08:00:00.000Z');
    await store.users.consumeOtp(use);
    const after = await store.passkeys.find('cred-a');
    assert.equal(after!.counter, 6);
    assert.equal(after!.lastUsedAt, '2026-03-02T08:00:00.000Z');
    await rejectsWith(store.users.consumeOtp(use), 'OTP_REQUIRED');
    await rejectsWith(store.users.update(alice.id, { fullname: 'A' }, { otp: use }), 'OTP_REQUIRED');
    assert.equal((await store.users.findById(alice.id))!.fullname, null, 'the write of a refused use did not happen');
  });

  check('removing the last passkey of an account without TOTP turns 2FA off (and its codes); with TOTP it stays on', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    await store.passkeys.add(key(alice.id, 'a1'), { tfa: on, recoveryHashes: ['rc'] });
    await store.passkeys.add(key(alice.id, 'a2'));
    assert.notEqual((await store.passkeys.remove(alice.id, 'a1')).tfa, null);
    await rejectsWith(store.passkeys.remove(alice.id, 'a1'), 'NOT_FOUND');
    const off = await store.passkeys.remove(alice.id, 'a2');
    assert.equal(off.tfa, null);
    assert.deepEqual(await store.users.unusedRecoveryCodes(alice.id), []);

    const bob = await makeUser(store, 'bob');
    await store.users.setTfa(bob.id, activeTfa(), ['rc-b']);
    await store.passkeys.add(key(bob.id, 'b1'));
    const still = await store.passkeys.remove(bob.id, 'b1');
    assert.equal(still.tfa?.secret, 'sealed-secret');
    assert.deepEqual(await store.users.unusedRecoveryCodes(bob.id), ['rc-b']);
    await rejectsWith(store.passkeys.remove(alice.id, 'b1'), 'NOT_FOUND');
  });

  check('2FA turned off (disable, an administrator\'s reset) removes the passkeys too; rename touches only the owner\'s key', async ({ store }) => {
    const alice = await makeUser(store, 'alice');
    const bob = await makeUser(store, 'bob');
    await store.passkeys.add(key(alice.id, 'a1'), { tfa: on });
    assert.equal(await store.passkeys.rename(bob.id, 'a1', 'stolen'), false);
    assert.equal(await store.passkeys.rename(alice.id, 'a1', 'Laptop'), true);
    assert.equal((await store.passkeys.find('a1'))!.name, 'Laptop');
    await store.users.setTfa(alice.id, null, null);
    assert.deepEqual(await store.passkeys.list(alice.id), []);
  });

  check('a challenge stored by one node is taken by another, once; an expired one never', async ({ store, open, clock }) => {
    const alice = await makeUser(store, 'alice');
    const nodeB: Store = await open();
    const now = clock.now();
    await store.passkeys.createChallenge({ hash: 'h1', userId: alice.id, binding: 'b1', expiresAt: now + 120_000 }, now);
    await store.passkeys.createChallenge({ hash: 'h2', userId: null, binding: 'b2', expiresAt: now + 1000 }, now);
    assert.deepEqual(await nodeB.passkeys.takeChallenge('h1', now + 1), { hash: 'h1', userId: alice.id, binding: 'b1', expiresAt: now + 120_000 });
    assert.equal(await store.passkeys.takeChallenge('h1', now + 2), null, 'taken once');
    assert.equal(await nodeB.passkeys.takeChallenge('h2', now + 1000), null, 'expired');
    assert.equal(await store.passkeys.takeChallenge('h2', now), null, 'an expired challenge asked for is gone');
  });
}
