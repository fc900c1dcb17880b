// Tokens: one lookup with the user, revocation, lists, batched last use, bulk deletion.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { TokenRecord } from '../../../src/core/ports.ts';
import { type Check, makeUser, rejectsWith, withTfa } from './harness.ts';

function token(key: string, userId: number, extra: Partial<TokenRecord> = {}): TokenRecord {
  return {
    key,
    userId,
    kind: 'legacy',
    prefix: key.slice(0, 6),
    name: null,
    description: null,
    readonly: false,
    cidr: [],
    limits: null,
    bypass2fa: false,
    createdAt: '2026-03-01T12:00:00.000Z',
    expiresAt: null,
    lastUsedAt: null,
    ...extra,
  };
}

export function tokenContract(check: Check): void {
  describe('tokens', () => {
    check('a token is found with its user in one lookup, every field intact', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const t = token('k-granular', alice.id, {
        kind: 'granular',
        name: 'ci',
        description: 'for CI',
        readonly: true,
        cidr: ['10.0.0.0/8', '2001:db8::/32'],
        limits: { packages: ['a', '@s/b'], scopes: ['@s'], packagesAll: false, permission: 'read-only' },
        bypass2fa: true,
        expiresAt: '2026-04-01T00:00:00.000Z',
      });
      await store.tokens.create(t);
      const found = await store.tokens.findWithUser('k-granular');
      assert.deepEqual(found?.token, t);
      assert.deepEqual(found?.user, alice);
      assert.equal(await store.tokens.findWithUser('k-missing'), null);
    });

    check('a deleted token is gone at once, for every store handle', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      await store.tokens.create(token('k1', alice.id));
      assert.ok(await other.tokens.findWithUser('k1'));
      assert.equal(await store.tokens.delete('k1'), true);
      assert.equal(await other.tokens.findWithUser('k1'), null);
      assert.equal(await store.tokens.delete('k1'), false);
    });

    check('listForUser lists one user\'s tokens, oldest first', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.tokens.create(token('k-c', alice.id, { createdAt: '2026-03-03T00:00:00.000Z' }));
      await store.tokens.create(token('k-b', alice.id, { createdAt: '2026-03-01T00:00:00.000Z' }));
      await store.tokens.create(token('k-a', alice.id, { createdAt: '2026-03-01T00:00:00.000Z' }));
      await store.tokens.create(token('k-bob', bob.id));
      assert.deepEqual((await store.tokens.listForUser(alice.id)).map((t) => t.key), ['k-a', 'k-b', 'k-c']);
      assert.deepEqual((await store.tokens.listForUser(bob.id)).map((t) => t.key), ['k-bob']);
    });

    check('recordUse writes a batch of last uses, never moves one back, skips deleted tokens', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.tokens.create(token('k1', alice.id));
      await store.tokens.create(token('k2', alice.id));
      await store.tokens.recordUse([]);
      await store.tokens.recordUse([
        { key: 'k1', at: '2026-03-02T00:00:00.000Z' },
        { key: 'k2', at: '2026-03-03T00:00:00.000Z' },
        { key: 'k-deleted', at: '2026-03-03T00:00:00.000Z' },
      ]);
      await store.tokens.recordUse([{ key: 'k1', at: '2026-03-01T00:00:00.000Z' }]);
      assert.equal((await store.tokens.findWithUser('k1'))?.token.lastUsedAt, '2026-03-02T00:00:00.000Z');
      assert.equal((await store.tokens.findWithUser('k2'))?.token.lastUsedAt, '2026-03-03T00:00:00.000Z');
      assert.equal(await store.tokens.findWithUser('k-deleted'), null);
    });

    check('deleteForUser deletes the given kinds except one key, and counts them', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const bob = await makeUser(store, 'bob');
      await store.tokens.create(token('s1', alice.id, { kind: 'session' }));
      await store.tokens.create(token('s2', alice.id, { kind: 'session' }));
      await store.tokens.create(token('w1', alice.id, { kind: 'web' }));
      await store.tokens.create(token('l1', alice.id, { kind: 'legacy' }));
      await store.tokens.create(token('s-bob', bob.id, { kind: 'session' }));
      assert.equal(await store.tokens.deleteForUser(alice.id, []), 0);
      assert.equal(await store.tokens.deleteForUser(alice.id, ['session', 'web'], 's2'), 2);
      assert.deepEqual((await store.tokens.listForUser(alice.id)).map((t) => t.key).sort(), ['l1', 's2']);
      assert.equal(await store.tokens.deleteForUser(alice.id, ['session']), 1);
      assert.ok(await store.tokens.findWithUser('s-bob'));
    });

    check('a token created with an OTP consumes it; with a replayed OTP it is not created', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      const otp = { userId: alice.id, kind: 'totp' as const, step: 40, credentialKey: null };
      await store.tokens.create(token('k1', alice.id), { otp });
      await rejectsWith(store.tokens.create(token('k2', alice.id), { otp }), 'OTP_REQUIRED');
      assert.equal(await store.tokens.findWithUser('k2'), null);
      assert.ok(await store.tokens.findWithUser('k1'));
    });
  });
}
