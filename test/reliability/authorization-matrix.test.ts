// One table-driven test of every write endpoint against every kind of caller.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { disableUser } from '../../src/core/accounts/admin.ts';
import { after, before, test } from 'node:test';
import { generateTokenSecret, hashToken, SHOWN_PREFIX_LENGTH } from '../../src/core/tokens/format.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { type Caller, callers, type Endpoint, endpoints, expected, matrixMarkdown } from './matrix.ts';

const clock = new TestClock();
let t: TestApp;
let up: TestUpstream;
let secret: string;
let ownerSetup: string;
let ownerCell: string;
let plain: string;
let goneId: number;
let other: string;
const tokens: Partial<Record<Caller, string>> = {};

const json = { 'content-type': 'application/json' };
function freshOtp(): string {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
}

/** A token, or 'Basic …' for an Authorization header as sent. */
async function call(method: string, url: string, token: string | undefined, payload?: unknown, otp?: string) {
  const basic = token?.startsWith('Basic ') ? { authorization: token } : {};
  return t.request({ method: method as 'PUT', url, token: basic.authorization ? undefined : token, payload: payload as object, headers: { ...json, ...basic, ...(otp ? { 'npm-otp': otp } : {}) } });
}

async function mustSucceed(res: Awaited<ReturnType<typeof call>>) {
  assert.ok(res.statusCode < 300, `setup failed: ${res.statusCode} ${res.body}`);
  return res;
}

let n = 0;
/** A fresh package with two versions, owned by the owner of the caller's column. */
async function freshPackage(caller: Caller, restricted = false): Promise<string> {
  const byPlain = caller === 'owner, no 2FA';
  const name = restricted ? `@${byPlain ? 'mxplain' : 'mxowner'}/mx-${++n}` : `mx-${++n}`;
  for (const v of ['1.0.0', '1.1.0']) {
    const body = publishBody(name, v, { access: restricted ? 'restricted' : null });
    await mustSucceed(await call('PUT', `/${name.replace('/', '%2f')}`, byPlain ? plain : ownerSetup, body, byPlain ? undefined : freshOtp()));
  }
  // The disabled owner's column: that account owns the package too (added in the store).
  if (caller === 'disabled owner') await t.deps.store.packages.commit(name, { type: 'owners', add: [goneId], remove: [] });
  return name;
}

/** The credential a caller uses, and whether it sends an OTP. */
function credential(caller: Caller): { token?: string; otp?: boolean } {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'other user':
      return { token: other };
    case 'owner, no 2FA':
      return { token: plain };
    case 'owner, 2FA, no OTP':
      return { token: ownerCell };
    case 'owner, 2FA, OTP':
      return { token: ownerCell, otp: true };
    case 'Basic password, 2FA':
      return { token: `Basic ${Buffer.from(`mxowner:${PASSWORD}`).toString('base64')}` };
    default:
      return { token: tokens[caller] };
  }
}

async function tokenOf(session: string, body: object, otp?: string): Promise<{ token: string; key: string }> {
  return (await mustSucceed(await call('POST', '/-/npm/v1/tokens', session, body, otp))).json();
}

const tokenBody = { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' };

/** A trusted-publishing token of the package (what an OIDC exchange hands out), allowed to publish and stage. */
async function trustedToken(pkg: string): Promise<string> {
  const secret = generateTokenSecret();
  const owner = (await t.deps.store.users.findByName('mxowner'))!;
  const trusted = { package: pkg, configId: 'c', type: 'github', permissions: ['publish' as const, 'stage' as const], workflow: 'github:acme/x/.github/workflows/ci.yml@refs/heads/main' };
  await t.deps.store.tokens.create({
    key: hashToken(secret),
    userId: owner.id,
    kind: 'oidc',
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    name: null,
    description: null,
    readonly: false,
    cidr: [],
    limits: { packages: [pkg], scopes: [], packagesAll: false, permission: 'read-write', trusted },
    bypass2fa: false,
    createdAt: clock.iso(),
    expiresAt: new Date(clock.ms + 15 * 60_000).toISOString(),
    lastUsedAt: null,
  });
  return secret;
}

const trustBody = [{ type: 'github', claims: { repository: 'acme/x', workflow_ref: { file: 'ci.yml' } }, permissions: ['createPackage'] }];

async function run(endpoint: Endpoint, caller: Caller) {
  const cred = credential(caller);
  const otp = () => (cred.otp ? freshOtp() : undefined);
  const pkg = endpoint.startsWith('profile') || endpoint.startsWith('token') || endpoint.startsWith('org') || endpoint.startsWith('team') || endpoint === 'publish a new package' || endpoint === 'star a proxied package' ? null : await freshPackage(caller, endpoint === 'publish to a restricted package');
  const p = pkg ?? '';
  if (caller === 'trusted-publishing token') cred.token = await trustedToken(pkg ?? 'mx-elsewhere');
  switch (endpoint) {
    case 'publish a new version':
      return call('PUT', `/${p}`, cred.token, publishBody(p, '2.0.0'), otp());
    case 'publish to a restricted package':
      return call('PUT', `/${p.replace('/', '%2f')}`, cred.token, publishBody(p, '2.0.0'), otp());
    case 'publish a new package': {
      const name = `mx-new-${++n}`;
      return call('PUT', `/${name}`, cred.token, publishBody(name, '1.0.0'), otp());
    }
    case 'dist-tag add':
      return call('PUT', `/-/package/${p}/dist-tags/beta`, cred.token, '"1.0.0"', otp());
    case 'dist-tag rm': {
      const byPlain = caller === 'owner, no 2FA';
      await mustSucceed(await call('PUT', `/-/package/${p}/dist-tags/beta`, byPlain ? plain : ownerSetup, '"1.0.0"', byPlain ? undefined : freshOtp()));
      return call('DELETE', `/-/package/${p}/dist-tags/beta`, cred.token, undefined, otp());
    }
    case 'deprecate': {
      const doc = (await t.request({ url: `/${p}?write=true`, token: ownerSetup })).json();
      doc.versions['1.0.0'].deprecated = 'old';
      return call('PUT', `/${p}`, cred.token, doc, otp());
    }
    case 'unpublish a version': {
      const doc = (await t.request({ url: `/${p}?write=true`, token: ownerSetup })).json();
      delete doc.versions['1.1.0'];
      return call('PUT', `/${p}/-rev/${doc._rev}`, cred.token, doc, otp());
    }
    case 'unpublish the package': {
      const doc = (await t.request({ url: `/${p}?write=true`, token: ownerSetup })).json();
      return call('DELETE', `/${p}/-rev/${doc._rev}`, cred.token, undefined, otp());
    }
    case 'owner add': {
      const doc = (await t.request({ url: `/${p}` })).json();
      const names = [...doc.maintainers.map((m: { name: string }) => m.name), 'mxother'];
      return call('PUT', `/${p}/-rev/${doc._rev}`, cred.token, { _id: p, _rev: doc._rev, maintainers: names.map((name) => ({ name })) }, otp());
    }
    case 'access set status':
      // Unscoped packages are always public; "public" is a valid (idempotent) setting.
      return call('POST', `/-/package/${p}/access`, cred.token, { access: 'public' }, otp());
    case 'access set mfa':
      return call('POST', `/-/package/${p}/access`, cred.token, { publish_requires_tfa: false }, otp());
    case 'profile set':
      return call('POST', '/-/npm/v1/user', cred.token, { fullname: `Name ${++n}` }, otp());
    case 'token create':
      return call('POST', '/-/npm/v1/tokens', cred.token, tokenBody, otp());
    case 'star': {
      // What npm star sends: the packument's users map with the caller's own entry set.
      const doc = (await t.request({ url: `/${p}?write=true`, token: ownerSetup })).json();
      const me = caller === 'other user' ? 'mxother' : caller === 'owner, no 2FA' ? 'mxplain' : 'mxowner';
      return call('PUT', `/${p}`, cred.token, { _id: p, _rev: doc._rev, users: { ...doc.users, [me]: true } }, otp());
    }
    case 'star a proxied package': {
      const name = `mx-upstream-${++n}`;
      up.addVersion(name, '1.0.0', Buffer.from(name));
      const doc = (await t.request({ url: `/${name}?write=true`, token: ownerSetup })).json();
      const me = caller === 'other user' ? 'mxother' : caller === 'owner, no 2FA' ? 'mxplain' : 'mxowner';
      return call('PUT', `/${name}`, cred.token, { _id: name, users: { ...doc.users, [me]: true } }, otp());
    }
    case 'org member set':
    case 'team create': {
      // a fresh org owned by the owner of the caller's column
      const ownerName = caller === 'owner, no 2FA' ? 'mxplain' : 'mxowner';
      const org = `mxorg-${++n}`;
      await t.deps.store.orgs.create(org, (await t.deps.store.users.findByName(ownerName))!.id);
      return endpoint === 'org member set'
        ? call('PUT', `/-/org/${org}/user`, cred.token, { user: 'mxother', role: 'developer' }, otp())
        : call('PUT', `/-/org/${org}/team`, cred.token, { name: 'core' }, otp());
    }
    case 'trust add':
      return call('POST', `/-/package/${p}/trust`, cred.token, trustBody, otp());
    case 'trust revoke': {
      const byPlain = caller === 'owner, no 2FA';
      const owner = (await t.deps.store.users.findByName(byPlain ? 'mxplain' : 'mxowner'))!;
      const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      await t.deps.store.trust.add([{ id, package: p, type: 'github', claims: trustBody[0]!.claims, permissions: ['publish'], createdBy: owner.id, createdAt: clock.iso() }]);
      return call('DELETE', `/-/package/${p}/trust/${id}`, cred.token, undefined, otp());
    }
    case 'stage publish':
      return call('POST', `/-/stage/package/${p}`, cred.token, publishBody(p, '2.0.0'), otp());
    case 'stage approve':
    case 'stage reject': {
      // staged by the owner of the caller's column, with that owner's setup credential
      const byPlain = caller === 'owner, no 2FA';
      const id = (await mustSucceed(await call('POST', `/-/stage/package/${p}`, byPlain ? plain : ownerSetup, publishBody(p, '2.0.0')))).json().stageId;
      return endpoint === 'stage approve' ? call('POST', `/-/stage/${id}/approve`, cred.token, undefined, otp()) : call('DELETE', `/-/stage/${id}`, cred.token, undefined, otp());
    }
    case 'token revoke': {
      const victim = caller === 'owner, no 2FA' ? await tokenOf(plain, tokenBody) : await tokenOf(ownerSetup, tokenBody, freshOtp());
      return call('DELETE', `/-/npm/v1/tokens/token/${victim.key}`, cred.token, undefined, otp());
    }
  }
}

function outcome(res: Awaited<ReturnType<typeof call>>): string {
  if (res.statusCode < 300) return '2xx';
  if (res.statusCode === 401 && res.headers['www-authenticate'] === 'otp') return '401*';
  if (res.statusCode === 401 && res.headers['www-authenticate'] === 'ipaddress') return '401ip';
  return String(res.statusCode);
}

before(async () => {
  up = await startUpstream();
  t = await startApp({ 'max-tokens': '1000', upstream: up.url }, clock);
  ownerSetup = await t.signUp('mxowner');
  ({ secret } = await enrol(t, ownerSetup, clock));
  ownerCell = (await mustSucceed(await call('PUT', '/-/user/org.couchdb.user:mxowner', undefined, { name: 'mxowner', password: PASSWORD }, freshOtp()))).json().token;
  plain = await t.signUp('mxplain');
  other = await t.signUp('mxother');
  const write = { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' };
  tokens['read-only token'] = (await tokenOf(ownerSetup, tokenBody, freshOtp())).token;
  tokens['token outside its CIDR'] = (await tokenOf(ownerSetup, { ...write, cidr_whitelist: ['10.0.0.0/8'] }, freshOtp())).token;
  tokens['bypass-2FA token'] = (await tokenOf(ownerSetup, { ...write, bypass_2fa: true }, freshOtp())).token;
  const revoked = await tokenOf(ownerSetup, write, freshOtp());
  await mustSucceed(await call('DELETE', `/-/npm/v1/tokens/token/${revoked.key}`, ownerSetup, undefined, freshOtp()));
  tokens['revoked token'] = revoked.token;
  // An expired token: written straight to the store with an expiry in the past.
  const made = await tokenOf(ownerSetup, write, freshOtp());
  const rec = (await t.deps.store.tokens.findWithUser(made.key))!.token;
  await t.deps.store.tokens.delete(made.key);
  await t.deps.store.tokens.create({ ...rec, key: hashToken(made.token), expiresAt: new Date(clock.ms - 1000).toISOString() });
  tokens['expired token'] = made.token;
  // A read-write token of an account that is then disabled by an administrator.
  const gone = await t.signUp('mxgone');
  tokens['disabled owner'] = (await tokenOf(gone, write)).token;
  goneId = (await t.deps.store.users.findByName('mxgone'))!.id;
  await disableUser(t.deps, 'mxgone');
});
after(async () => {
  await t.close();
  await up.close();
});

for (const endpoint of endpoints) {
  test(`authorisation matrix: ${endpoint}`, async () => {
    const seen: Record<string, string> = {};
    for (const caller of callers) {
      const want = expected[endpoint][caller];
      if (want === '—') continue;
      seen[caller] = outcome((await run(endpoint, caller))!);
    }
    const wanted = Object.fromEntries(callers.filter((c) => expected[endpoint][c] !== '—').map((c) => [c, expected[endpoint][c]]));
    assert.deepEqual(seen, wanted);
  });
}

test('docs/security.md shows the same authorisation matrix', () => {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(matrixMarkdown()), 'the matrix in docs/security.md differs from test/reliability/matrix.ts');
});
