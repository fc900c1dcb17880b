// Trusted publishing: relationships per package (added and removed with their OTP and log
// lines atomically), and identity-token uses exchanged once per package, across nodes.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { TokenRecord, TrustConfig } from '../../../src/core/ports.ts';
import { type Check, create, makeUser, rejectsWith, version, withTfa } from './harness.ts';

const config = (id: string, pkg: string, createdBy: number | null, at = '2026-03-01T12:00:00.000Z'): TrustConfig => ({
  id,
  package: pkg,
  type: 'github',
  claims: { repository: 'acme/tool', workflow_ref: { file: 'release.yml' }, environment: 'npm' },
  permissions: ['publish', 'stage'],
  createdBy,
  createdAt: at,
});

const oidcToken = (key: string, userId: number, expiresAt: string): TokenRecord => ({
  key,
  userId,
  kind: 'oidc',
  prefix: key.slice(0, 8),
  name: 'trusted publishing (github)',
  description: 'github:acme/tool/.github/workflows/release.yml@refs/heads/main',
  readonly: false,
  cidr: [],
  limits: {
    packages: ['tool'],
    scopes: [],
    packagesAll: false,
    permission: 'read-write',
    trusted: { package: 'tool', configId: 'c1', type: 'github', permissions: ['publish'], workflow: 'github:acme/tool/.github/workflows/release.yml@refs/heads/main' },
  },
  bypass2fa: false,
  createdAt: '2026-03-01T12:00:00.000Z',
  expiresAt,
  lastUsedAt: null,
});

export function trustContract(check: Check): void {
  describe('trust', () => {
    check('relationships are kept per package, every field intact, oldest first, and removed one by one', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      await store.packages.commit('other', create(alice.id, version('1.0.0')));
      const a = config('00000000-0000-4000-8000-000000000002', 'tool', alice.id, '2026-03-01T12:00:01.000Z');
      const b = { ...config('00000000-0000-4000-8000-000000000001', 'tool', null, '2026-03-01T12:00:02.000Z'), type: 'gitlab', permissions: ['stage' as const] };
      await store.trust.add([a, b], { events: [{ userId: alice.id, type: 'trust-added', ip: '10.0.0.1', userAgent: 'npm/11', detail: { package: 'tool' } }] });
      assert.deepEqual(await store.trust.list('tool'), [a, b]);
      assert.deepEqual(await store.trust.list('other'), []);
      assert.equal((await store.events.list(alice.id, { limit: 5 }))[0].type, 'trust-added');
      assert.equal(await store.trust.remove('other', a.id), false, 'only the package\'s own');
      assert.equal(await store.trust.remove('tool', a.id), true);
      assert.equal(await store.trust.remove('tool', a.id), false);
      assert.deepEqual(await store.trust.list('tool'), [b]);
    });

    check('a replayed OTP stops the change: nothing added, nothing logged', async ({ store }) => {
      const alice = await withTfa(store, 'alice');
      await store.packages.commit('tool', create(alice.id, version('1.0.0')));
      const otp = { userId: alice.id, kind: 'totp' as const, step: 100, credentialKey: 'k1' };
      await store.trust.add([config('00000000-0000-4000-8000-000000000001', 'tool', alice.id)], { otp });
      const before = (await store.events.list(alice.id, { limit: 50 })).length;
      await rejectsWith(store.trust.add([config('00000000-0000-4000-8000-000000000002', 'tool', alice.id)], { otp: { ...otp, credentialKey: 'k2' }, events: [{ userId: alice.id, type: 'trust-added', ip: null, userAgent: null }] }), 'OTP_REQUIRED');
      await rejectsWith(store.trust.remove('tool', '00000000-0000-4000-8000-000000000001', { otp: { ...otp, credentialKey: 'k2' } }), 'OTP_REQUIRED');
      assert.equal((await store.trust.list('tool')).length, 1);
      assert.equal((await store.events.list(alice.id, { limit: 50 })).length, before);
    });

    check('an identity token is exchanged once per package, on every node; the token and log lines come with it', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      const use = { issuer: 'https://token.actions.githubusercontent.com', jti: 'j-1', package: 'tool', expiresAt: Date.parse('2026-03-01T12:10:00Z') };
      const now = Date.parse('2026-03-01T12:00:00Z');
      const event = { userId: alice.id, type: 'trusted-publishing-exchange', ip: '10.0.0.1', userAgent: 'npm/11', detail: { package: 'tool' } };
      assert.equal(await store.trust.exchange(use, oidcToken('k-1', alice.id, '2026-03-01T12:15:00.000Z'), [event], now), true);
      assert.deepEqual((await store.tokens.findWithUser('k-1'))?.token, oidcToken('k-1', alice.id, '2026-03-01T12:15:00.000Z'));
      assert.equal(await other.trust.exchange(use, oidcToken('k-2', alice.id, '2026-03-01T12:15:00.000Z'), [event], now), false, 'replayed on another node');
      assert.equal(await store.tokens.findWithUser('k-2'), null, 'a refused exchange stores no token');
      assert.equal((await store.events.list(alice.id, { limit: 50 })).filter((e) => e.type === 'trusted-publishing-exchange').length, 1);
      assert.equal(await other.trust.exchange({ ...use, package: 'other' }, oidcToken('k-3', alice.id, '2026-03-01T12:15:00.000Z'), [], now), true, 'the same jti for another package');
      assert.equal(await other.trust.exchange({ ...use, issuer: 'https://gitlab.com' }, oidcToken('k-4', alice.id, '2026-03-01T12:15:00.000Z'), [], now), true, 'another issuer\'s jti');
    });

    check('a refused exchange logs once per mark on every node, until the mark expires', async ({ store, open }) => {
      const other = await open();
      const alice = await makeUser(store, 'alice');
      const t0 = Date.parse('2026-03-01T12:00:00Z');
      const mark = { issuer: 'refused:https://token.actions.githubusercontent.com', jti: 'identity-and-reason', package: 'tool', expiresAt: t0 + 60_000 };
      const event = { userId: alice.id, type: 'trusted-publishing-refused', ip: '10.0.0.1', userAgent: 'npm/11', detail: { package: 'tool', reason: 'repository evil/x is not the trusted repository' } };
      const count = async () => (await store.events.list(alice.id, { limit: 50 })).filter((e) => e.type === 'trusted-publishing-refused').length;
      assert.equal(await store.trust.refuse(mark, [event], t0), true);
      assert.equal(await other.trust.refuse(mark, [event], t0 + 30_000), false, 'the same mark on another node, within its lifetime');
      assert.equal(await count(), 1);
      assert.equal(await other.trust.refuse({ ...mark, jti: 'another-reason' }, [event], t0 + 30_000), true, 'another identity or reason');
      assert.equal(await store.trust.refuse({ ...mark, expiresAt: t0 + 121_000 }, [event], t0 + 61_000), true, 'past its lifetime the mark is forgotten');
      assert.equal(await count(), 3);
      const use = { issuer: 'https://token.actions.githubusercontent.com', jti: 'identity-and-reason', package: 'tool', expiresAt: t0 + 600_000 };
      assert.equal(await store.trust.exchange(use, oidcToken('k-1', alice.id, '2026-03-01T12:15:00.000Z'), [], t0 + 61_000), true, 'marks never block an exchange');
    });

    check('expired uses and expired trusted-publishing tokens are forgotten by later exchanges; others stay', async ({ store }) => {
      const alice = await makeUser(store, 'alice');
      const t0 = Date.parse('2026-03-01T12:00:00Z');
      await store.tokens.create({ ...oidcToken('k-legacy', alice.id, '2026-03-01T12:05:00.000Z'), kind: 'legacy', limits: null });
      assert.equal(await store.trust.exchange({ issuer: 'i', jti: 'j-1', package: 'tool', expiresAt: t0 + 60_000 }, oidcToken('k-1', alice.id, '2026-03-01T12:15:00.000Z'), [], t0), true);
      const later = t0 + 20 * 60_000;
      assert.equal(await store.trust.exchange({ issuer: 'i', jti: 'j-2', package: 'tool', expiresAt: later + 60_000 }, oidcToken('k-2', alice.id, '2026-03-01T12:35:00.000Z'), [], later), true);
      assert.equal(await store.tokens.findWithUser('k-1'), null, 'the expired oidc token is gone');
      assert.ok(await store.tokens.findWithUser('k-legacy'), 'other kinds are not touched');
      assert.equal(await store.trust.exchange({ issuer: 'i', jti: 'j-1', package: 'tool', expiresAt: later + 60_000 }, oidcToken('k-3', alice.id, '2026-03-01T12:35:00.000Z'), [], later), true, 'a use past its expiry is forgotten (the identity token could not pass the exp check any more)');
    });
  });
}
