// requireTokenPermits and the construction that keeps trusted-publishing tokens to publishing
// (core/access/permissions.ts): its package and the actions its relationship allows, nothing else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canRead, requirePackageWriter, requireTokenPermits, requireUser } from '../../src/core/access/permissions.ts';
import type { UserPrincipal } from '../../src/core/access/principal.ts';
import { isDomainError } from '../../src/core/errors.ts';
import type { TokenRecord, TrustPermission, User } from '../../src/core/ports.ts';

const user = { id: 1, name: 'owner', email: 'o@example.com' } as User;
function principal(kind: TokenRecord['kind'], permissions: TrustPermission[] = ['publish'], pkg = 'tool'): UserPrincipal {
  const trusted = kind === 'oidc' ? { package: pkg, configId: 'c', type: 'github', permissions, workflow: 'github:a/b/.github/workflows/c.yml@refs/heads/main' } : undefined;
  const token = {
    key: 'k', userId: 1, kind, prefix: 'tsr_', name: null, description: null, readonly: false, cidr: [], bypass2fa: false, createdAt: '', expiresAt: null, lastUsedAt: null,
    limits: trusted ? { packages: [pkg], scopes: [], packagesAll: false, permission: 'read-write' as const, trusted } : null,
  } satisfies TokenRecord;
  return { kind: 'user', user, token, via: 'token' };
}
const pkg = (name: string, access: 'public' | 'restricted' = 'public') => ({ name, access, unpublished: false, owners: [{ id: 1, name: 'owner', email: '' }] });
const refusal = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => isDomainError(e) && e.code === 'TRUSTED_TOKEN_LIMIT' && e.kind === 'forbidden' && pattern.test(e.message));

test('requireTokenPermits: a no-op for every other credential', () => {
  for (const kind of ['session', 'legacy', 'granular', 'web'] as const) {
    requireTokenPermits(principal(kind), 'publish', 'anything');
    requireTokenPermits(principal(kind), 'stage', 'anything');
  }
});

test('requireTokenPermits: the token\'s package and allowed actions only, naming why', () => {
  requireTokenPermits(principal('oidc', ['publish']), 'publish', 'tool');
  requireTokenPermits(principal('oidc', ['stage']), 'stage', 'tool');
  refusal(() => requireTokenPermits(principal('oidc', ['publish', 'stage']), 'publish', 'other'), /issued for tool; it cannot be used for other/);
  refusal(() => requireTokenPermits(principal('oidc', ['publish']), 'stage', 'tool'), /does not allow npm stage publish/);
  refusal(() => requireTokenPermits(principal('oidc', ['stage']), 'publish', 'tool'), /does not allow npm publish/);
});

test('by construction: every check but a publish or stage of its package refuses the token; it reads what anyone may', () => {
  const p = principal('oidc', ['publish', 'stage']);
  refusal(() => requireUser(p), /may only publish tool/);
  refusal(() => requirePackageWriter(p, pkg('tool')), /may only publish tool/);
  assert.equal(requirePackageWriter(p, pkg('tool'), 'publish'), p);
  assert.equal(requirePackageWriter(p, pkg('tool', 'restricted'), 'stage'), p);
  refusal(() => requirePackageWriter(p, pkg('other'), 'publish'), /cannot be used for other/);
  assert.equal(canRead(p, pkg('tool', 'restricted')), false);
  assert.equal(canRead(p, pkg('tool')), true);
});
