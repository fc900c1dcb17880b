// core/orgs/policy.ts: roles, the org's 2FA requirement, and what each kind of credential may
// do to an org's membership and teams (the --orgs limits plug in at granularOrgPermission).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserPrincipal } from '../../src/core/access/principal.ts';
import { isDomainError } from '../../src/core/errors.ts';
import type { Org } from '../../src/core/orgs/model.ts';
import { orgCredentialPermission, orgRequirementBlocks, pendingLockouts, requireOrgAction, roleAllows } from '../../src/core/orgs/policy.ts';
import type { TokenRecord, User } from '../../src/core/ports.ts';

const org: Org = { id: 1, name: 'acme', requireTfa: false, developersAccess: 'read-write', createdAt: '2026-01-01T00:00:00.000Z' };
const user = (tfa: boolean): User =>
  ({ id: 1, name: 'u', tfa: tfa ? { mode: 'auth-only', pending: false, secret: 's', lastStep: null, lastStepKey: null } : null }) as unknown as User;
const token = (over: Partial<TokenRecord>): TokenRecord =>
  ({ key: 'k', userId: 1, kind: 'session', prefix: 'p', name: null, description: null, readonly: false, cidr: [], limits: null, bypass2fa: false, createdAt: '', expiresAt: null, lastUsedAt: null, ...over }) as TokenRecord;
const principal = (t: TokenRecord | null, tfa = false): UserPrincipal => ({ kind: 'user', user: user(tfa), token: t, via: 'token' });
const code = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    assert.ok(isDomainError(e));
    return e.code;
  }
};

test('roles: owners manage members and teams, admins teams, developers only read', () => {
  assert.deepEqual(
    (['owner', 'admin', 'developer'] as const).map((r) => [roleAllows(r, 'read'), roleAllows(r, 'manage-teams'), roleAllows(r, 'manage-members')]),
    [
      [true, true, true],
      [true, true, false],
      [true, false, false],
    ],
  );
  assert.equal(roleAllows(null, 'read'), false);
});

test('the 2FA requirement blocks members without a confirmed second factor only while it is on', () => {
  assert.equal(orgRequirementBlocks(org, user(false)), false);
  assert.equal(orgRequirementBlocks({ requireTfa: true }, user(false)), true);
  assert.equal(orgRequirementBlocks({ requireTfa: true }, user(true)), false);
  const pending = { tfa: { mode: 'auth-only', pending: true, secret: 's', lastStep: null, lastStepKey: null } } as Pick<User, 'tfa'>;
  assert.equal(orgRequirementBlocks({ requireTfa: true }, pending), true, 'a set-up not yet confirmed does not count');
  assert.deepEqual(pendingLockouts([{ name: 'a', hasTfa: true }, { name: 'b', hasTfa: false }]).map((m) => m.name), ['b']);
  assert.equal(code(() => requireOrgAction(principal(null), { ...org, requireTfa: true }, 'owner', 'manage-teams')), 'TFA_REQUIRED');
  assert.equal(code(() => requireOrgAction(principal(null), { ...org, requireTfa: true }, 'developer', 'read')), null, 'reading stays open');
});

test('credentials: sessions act with the roles, read-only and bypass tokens read, granular tokens need --orgs naming the org', () => {
  assert.equal(orgCredentialPermission(null, 'acme'), 'read-write');
  assert.equal(orgCredentialPermission(token({ kind: 'session' }), 'acme'), 'read-write');
  assert.equal(orgCredentialPermission(token({ kind: 'web' }), 'acme'), 'read-write');
  assert.equal(orgCredentialPermission(token({ kind: 'legacy', readonly: true }), 'acme'), 'read-only');
  assert.equal(orgCredentialPermission(token({ kind: 'legacy', bypass2fa: true }), 'acme'), 'read-only');
  const limits = { packages: [], scopes: [], packagesAll: true, permission: 'read-write' as const };
  assert.equal(orgCredentialPermission(token({ kind: 'granular', limits }), 'acme'), 'no-access');
  const withOrgs = (orgs: string[], orgsPermission: string) => token({ kind: 'granular', limits: { ...limits, orgs, orgsPermission } as unknown as TokenRecord['limits'] });
  assert.equal(orgCredentialPermission(withOrgs(['acme'], 'read-only'), 'acme'), 'read-only');
  assert.equal(orgCredentialPermission(withOrgs(['@acme'], 'read-write'), 'acme'), 'read-write');
  assert.equal(orgCredentialPermission(withOrgs(['other'], 'read-write'), 'acme'), 'no-access', 'a token limited to another org');
  assert.equal(orgCredentialPermission(withOrgs(['acme'], 'no-access'), 'acme'), 'no-access');
  assert.equal(code(() => requireOrgAction(principal(withOrgs(['acme'], 'read-only')), org, 'owner', 'manage-teams')), 'READ_ONLY_TOKEN');
  assert.equal(code(() => requireOrgAction(principal(withOrgs(['other'], 'read-write')), org, 'owner', 'read')), 'FORBIDDEN');
  assert.equal(code(() => requireOrgAction(principal(null), org, null, 'read')), 'FORBIDDEN');
  assert.equal(code(() => requireOrgAction(principal(null), org, 'admin', 'manage-members')), 'FORBIDDEN');
  assert.equal(requireOrgAction(principal(null), org, 'admin', 'manage-teams'), 'admin');
});
