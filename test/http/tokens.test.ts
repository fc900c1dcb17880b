import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
before(async () => {
  t = await startApp({ 'max-tokens': '15' }, clock);
});
after(() => t.close());

type Res = Awaited<ReturnType<TestApp['request']>>;
const create = (token: string, body: object, headers: Record<string, string> = {}) => t.request({ method: 'POST', url: '/-/npm/v1/tokens', token, payload: body, headers });
const publish = (token: string, name: string, version: string, extra: { ip?: string; otp?: string } = {}) =>
  t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token, payload: publishBody(name, version), remoteAddress: extra.ip, headers: extra.otp ? { 'npm-otp': extra.otp } : {} });
const granular = (extra: object) => ({ name: null, password: PASSWORD, ...extra });
const readOnlyAll = granular({ packages_all: true, packages_and_scopes_permission: 'read-only' });
const writeAll = granular({ packages_all: true, packages_and_scopes_permission: 'read-write' });

function assertError(res: Res, status: number, pattern: RegExp) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(res.json().error, pattern);
}

test('legacy body: a classic token with the defaults; the secret is shown once and stored hashed', async () => {
  const session = await t.signUp('legacy');
  const res = await create(session, { password: PASSWORD, readonly: false, cidr_whitelist: [] });
  assert.equal(res.statusCode, 201);
  const body = res.json();
  assert.match(body.token, /^tsr_[0-9A-Za-z]{36}$/);
  assert.match(body.key, /^[0-9a-f]{64}$/);
  assert.equal(body.readonly, false);
  assert.equal(Date.parse(body.expires) - clock.ms, 7 * 86_400_000);
  const ro = (await create(session, { password: PASSWORD, readonly: true })).json();
  assert.equal(Date.parse(ro.expires) - clock.ms, 30 * 86_400_000);
  const list = (await t.request({ url: '/-/npm/v1/tokens', token: session })).json();
  assert.equal(list.total, 2, 'the login session is not listed');
  for (const o of list.objects) {
    assert.equal(o.token.length, 12);
    assert.ok([body.token, ro.token].some((secret: string) => secret.startsWith(o.token)), 'the listed token is a real prefix');
    assert.equal(JSON.stringify(o).includes(body.token), false);
  }
  const stored = await t.deps.store.tokens.listForUser((await t.deps.store.users.findByName('legacy'))!.id);
  assert.ok(stored.every((s) => !JSON.stringify(s).includes(body.token)));
});

test('npm 11 granular body: a read-only token for everything; no permission is a 400 naming the flags', async () => {
  const session = await t.signUp('granular');
  assertError(await create(session, granular({})), 400, /--packages-all --packages-and-scopes-permission=/);
  const res = await create(session, { ...readOnlyAll, description: 'laptop' });
  assert.equal(res.statusCode, 201);
  const b = res.json();
  assert.match(b.name, /^token-\d{4}-\d\d-\d\d-/);
  assert.equal(b.readonly, true);
  assert.equal(b.description, 'laptop');
  assert.equal(b.packages_all, true);
});

test('bad fields are 400s that name them, and nothing is created', async () => {
  const session = await t.signUp('badfields');
  const cases: Array<[object, RegExp]> = [
    [{ ...writeAll, cidr_whitelist: ['10.0.0.0'] }, /cidr_whitelist/],
    [{ ...writeAll, cidr_whitelist: ['300.1.1.1/8'] }, /cidr_whitelist/],
    [{ ...writeAll, expires: null }, /expires/],
    [{ ...writeAll, expires: 0 }, /expires/],
    [{ ...writeAll, expires: 91 }, /expires.*90/],
    [{ ...readOnlyAll, expires: 366 }, /expires.*365/],
    [{ ...writeAll, orgs: ['acme'] }, /orgs_permission/],
    [{ ...writeAll, orgs_permission: 'read-only' }, /orgs/],
    [{ ...writeAll, orgs: ['acme'], orgs_permission: 'admin' }, /orgs_permission/],
    [{ ...writeAll, orgs: ['Bad Org'], orgs_permission: 'read-only' }, /orgs/],
    [{ ...writeAll, orgs: [''], orgs_permission: 'read-only' }, /orgs/],
    [granular({ packages_all: true, packages_and_scopes_permission: 'admin' }), /packages_and_scopes_permission/],
    [granular({ packages: ['Bad Name'], packages_and_scopes_permission: 'read-write' }), /packages/],
    [granular({ scopes: ['@@x'], packages_and_scopes_permission: 'read-write' }), /scopes/],
    [{ ...readOnlyAll, bypass_2fa: true }, /bypass_2fa/],
    [{ ...writeAll, colour: 'red' }, /colour/],
    [{ password: PASSWORD, readonly: 'yes' }, /readonly/],
  ];
  for (const [body, error] of cases) assertError(await create(session, body), 400, error);
  assertError(await create(session, { ...writeAll, password: 'not the password at all' }), 401, /Incorrect password/);
  assertError(await create(session, { ...writeAll, password: undefined }), 400, /password/);
  assert.equal((await t.request({ url: '/-/npm/v1/tokens', token: session })).json().total, 0);
});

test('a read-only token reads but cannot write: publish, dist-tag, profile, tokens', async () => {
  const session = await t.signUp('reader');
  assert.equal((await publish(session, 'ro-pkg', '1.0.0')).statusCode, 201);
  const ro = (await create(session, readOnlyAll)).json().token;
  assert.equal((await t.request({ url: '/ro-pkg', token: ro })).statusCode, 200);
  assert.equal((await t.request({ url: '/-/whoami', token: ro })).statusCode, 200);
  assertError(await publish(ro, 'ro-pkg', '1.1.0'), 403, /read-only/);
  assertError(await publish(ro, 'ro-new-pkg', '1.0.0'), 403, /read-only/);
  assertError(await t.request({ method: 'PUT', url: '/-/package/ro-pkg/dist-tags/beta', token: ro, payload: '"1.0.0"', headers: { 'content-type': 'application/json' } }), 403, /read-only/);
  assertError(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: ro, payload: { fullname: 'x' } }), 403, /read-only/);
  assertError(await create(ro, writeAll), 403, /read-only/);
  const legacyRo = (await create(session, { password: PASSWORD, readonly: true })).json().token;
  assertError(await publish(legacyRo, 'ro-pkg', '1.1.0'), 403, /read-only/);
});

test('a package- or scope-limited token writes only there, and reads restricted packages only there', async () => {
  const session = await t.signUp('limited');
  for (const name of ['lim-a', 'lim-b']) assert.equal((await publish(session, name, '1.0.0')).statusCode, 201);
  assert.equal((await t.request({ method: 'PUT', url: '/@limited%2fsecret', token: session, payload: publishBody('@limited/secret', '1.0.0', { access: 'restricted' }) })).statusCode, 201);
  const onlyA = (await create(session, granular({ packages: ['lim-a'], packages_and_scopes_permission: 'read-write' }))).json().token;
  assert.equal((await publish(onlyA, 'lim-a', '1.1.0')).statusCode, 201);
  assertError(await publish(onlyA, 'lim-b', '1.1.0'), 403, /may not be used for the package lim-b/);
  assert.equal((await t.request({ url: '/lim-b', token: onlyA })).statusCode, 200, 'public reads stay open');
  assert.equal((await t.request({ url: '/@limited%2fsecret', token: onlyA })).statusCode, 404);
  assert.equal((await t.request({ url: '/@limited%2fsecret', token: session })).statusCode, 200);
  const scoped = (await create(session, granular({ scopes: ['limited'], packages_and_scopes_permission: 'read-write' }))).json().token;
  assert.equal((await t.request({ url: '/@limited%2fsecret', token: scoped })).statusCode, 200);
  assert.equal((await t.request({ method: 'PUT', url: '/@limited%2fsecret', token: scoped, payload: publishBody('@limited/secret', '1.1.0') })).statusCode, 201);
  assertError(await publish(scoped, 'lim-a', '1.2.0'), 403, /may not be used/);
  // "a,b" as npm 11 sends --packages=a,b: both are covered.
  const both = (await create(session, granular({ packages: ['lim-a,lim-b'], packages_and_scopes_permission: 'read-write' }))).json();
  assert.deepEqual(both.packages, ['lim-a', 'lim-b']);
  assertError(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: onlyA, payload: { fullname: 'x' } }), 403, /Granular/);
});

test('an expired token is anonymous on public reads (with a notice) and 401 on writes', async () => {
  const session = await t.signUp('expiring');
  await publish(session, 'exp-pkg', '1.0.0');
  const tok = (await create(session, { ...writeAll, expires: 1 })).json().token;
  assert.equal((await publish(tok, 'exp-pkg', '1.1.0')).statusCode, 201);
  clock.advanceSeconds(86_400 + 1);
  const read = await t.request({ url: '/exp-pkg', token: tok });
  assert.equal(read.statusCode, 200);
  assert.match(String(read.headers['npm-notice']), /expired or revoked/);
  const write = await publish(tok, 'exp-pkg', '1.2.0');
  assert.equal(write.statusCode, 401);
  assert.match(String(write.headers['www-authenticate']), /^Bearer/);
  assert.equal((await t.request({ url: '/-/whoami', token: tok })).statusCode, 401);
});

test('revoke by key prefix or by value takes effect at once; others cannot revoke mine', async () => {
  const session = await t.signUp('revoker');
  const other = await t.signUp('stranger');
  const a = (await create(session, writeAll)).json();
  const b = (await create(session, writeAll)).json();
  assert.equal((await t.request({ url: '/-/whoami', token: a.token })).statusCode, 200);
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${a.key.slice(0, 8)}`, token: other })).statusCode, 404);
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${a.token}`, token: other })).statusCode, 404);
  const del = await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${a.key.slice(0, 8)}`, token: session });
  assert.equal(del.statusCode, 204);
  assert.equal((await t.request({ url: '/-/whoami', token: a.token })).statusCode, 401);
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${b.token}`, token: session })).statusCode, 204);
  assert.equal((await t.request({ url: '/-/whoami', token: b.token })).statusCode, 401);
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${'f'.repeat(64)}`, token: session })).statusCode, 404);
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token: session })).json().objects.map((e: any) => e.type);
  assert.equal(types.filter((x: string) => x === 'token-revoked').length, 2);
  assert.equal(types.filter((x: string) => x === 'token-created').length, 2);
});

test('a CIDR-limited token is refused outside its ranges on every request: 401 ipaddress', async () => {
  const session = await t.signUp('cidr');
  await publish(session, 'cidr-pkg', '1.0.0');
  const outside = (await create(session, { ...writeAll, cidr_whitelist: ['10.0.0.0/8'] })).json().token;
  const inside = (await create(session, { ...writeAll, cidr_whitelist: ['127.0.0.0/8'] })).json().token;
  const v6 = (await create(session, { ...writeAll, cidr_whitelist: ['::1/128'] })).json().token;
  for (const res of [await t.request({ url: '/cidr-pkg', token: outside }), await publish(outside, 'cidr-pkg', '1.1.0'), await t.request({ url: '/-/whoami', token: outside })]) {
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['www-authenticate'], 'ipaddress');
    assert.match(res.json().error, /may not be used from 127\.0\.0\.1/);
  }
  assert.equal((await publish(inside, 'cidr-pkg', '1.1.0')).statusCode, 201);
  assert.equal((await publish(inside, 'cidr-pkg', '1.2.0', { ip: '::ffff:127.0.0.1' })).statusCode, 201, 'mapped addresses are IPv4');
  assert.equal((await t.request({ url: '/-/whoami', token: v6, remoteAddress: '::1' })).statusCode, 200);
  assert.equal((await t.request({ url: '/-/whoami', token: v6, remoteAddress: '127.0.0.1' })).statusCode, 401);
  assert.equal((await t.request({ url: '/-/whoami', token: inside, remoteAddress: '::1' })).statusCode, 401);
});

test('X-Forwarded-For counts only from a configured trusted proxy', async () => {
  const proxied = await startApp({ 'trusted-proxies': '127.0.0.1' }, clock);
  try {
    const session = await proxied.signUp('proxied');
    const tok = (await proxied.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, payload: { ...writeAll, cidr_whitelist: ['10.0.0.0/8'] } })).json().token;
    const via = (ip: string, remoteAddress: string) => proxied.request({ url: '/-/whoami', token: tok, remoteAddress, headers: { 'x-forwarded-for': ip } });
    assert.equal((await via('10.1.2.3', '127.0.0.1')).statusCode, 200);
    assert.equal((await via('192.0.2.1', '127.0.0.1')).statusCode, 401);
    assert.equal((await via('10.1.2.3', '127.0.0.2')).statusCode, 401, 'an untrusted peer cannot claim an address');
  } finally {
    await proxied.close();
  }
  const plain = await t.signUp('unproxied');
  const tok = (await create(plain, { ...writeAll, cidr_whitelist: ['10.0.0.0/8'] })).json().token;
  assert.equal((await t.request({ url: '/-/whoami', token: tok, headers: { 'x-forwarded-for': '10.1.2.3' } })).statusCode, 401);
});

test('the list is paginated with absolute urls.next, and urls is present on the last page', async () => {
  const session = await t.signUp('pager');
  for (let i = 0; i < 12; i++) assert.equal((await create(session, { ...readOnlyAll, name: `t${i}` })).statusCode, 201);
  const first = (await t.request({ url: '/-/npm/v1/tokens?perPage=5', token: session })).json();
  assert.equal(first.objects.length, 5);
  assert.equal(first.total, 12);
  assert.equal(first.urls.next, 'http://registry.test/-/npm/v1/tokens?page=1&perPage=5');
  const last = (await t.request({ url: '/-/npm/v1/tokens?page=2&perPage=5', token: session })).json();
  assert.equal(last.objects.length, 2);
  assert.deepEqual(Object.keys(last.urls), ['prev']);
  const all = (await t.request({ url: '/-/npm/v1/tokens', token: session })).json();
  assert.deepEqual(all.urls, { next: 'http://registry.test/-/npm/v1/tokens?page=1&perPage=10' });
  assert.equal((await t.request({ url: '/-/npm/v1/tokens?page=-1', token: session })).statusCode, 400);
  // The limit of the account (15 here) is enforced.
  for (let i = 12; i < 15; i++) assert.equal((await create(session, readOnlyAll)).statusCode, 201);
  assertError(await create(session, readOnlyAll), 403, /most this registry allows/);
});

test('last use is shown from memory at once and written in batches', async () => {
  const session = await t.signUp('usage');
  const tok = (await create(session, readOnlyAll)).json();
  assert.equal((await t.request({ url: '/-/npm/v1/tokens', token: session })).json().objects[0].last_used, null);
  await t.request({ url: '/-/whoami', token: tok.token });
  assert.equal((await t.request({ url: '/-/npm/v1/tokens', token: session })).json().objects[0].last_used, new Date(clock.ms).toISOString());
  await t.deps.usage.flush();
  const stored = (await t.deps.store.tokens.findWithUser(tok.key))!.token;
  assert.equal(stored.lastUsedAt, new Date(clock.ms).toISOString());
});

test('with 2FA, creating and revoking tokens need an OTP (auth-only too)', async () => {
  const session = await t.signUp('tfatokens');
  const { secret } = await enrol(t, session, clock, 'auth-only');
  const res = await create(session, writeAll);
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'otp');
  const made = await create(session, writeAll, { 'npm-otp': codeAt(secret, clock) });
  assert.equal(made.statusCode, 201);
  const key = made.json().key;
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${key}`, token: session })).statusCode, 401);
  clock.advanceSeconds(30);
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${key}`, token: session, headers: { 'npm-otp': codeAt(secret, clock) } })).statusCode, 204);
  // A token may always revoke itself (that is how `npm logout` cleans up a token).
  const self = (await create(session, writeAll, { 'npm-otp': codeAt(secret, clock) })).json();
  assert.equal((await t.request({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${self.key}`, token: self.token })).statusCode, 204);
  clock.advanceSeconds(30);
});

test('bypass_2fa: content writes without an OTP, never governance, accounts or tokens; mfa=publish stops it', async () => {
  const session = await t.signUp('bypasser');
  await t.signUp('bypassfriend');
  const { secret } = await enrol(t, session, clock);
  assert.equal((await publish(session, 'bp-pkg', '1.0.0', { otp: codeAt(secret, clock) })).statusCode, 201);
  clock.advanceSeconds(30);
  const bypass = (await create(session, { ...writeAll, bypass_2fa: true }, { 'npm-otp': codeAt(secret, clock) })).json();
  assert.equal(bypass.bypass_2fa, true);
  clock.advanceSeconds(30);
  assert.equal((await publish(bypass.token, 'bp-pkg', '1.1.0')).statusCode, 201);
  const tag = await t.request({ method: 'PUT', url: '/-/package/bp-pkg/dist-tags/beta', token: bypass.token, payload: '"1.0.0"', headers: { 'content-type': 'application/json' } });
  assert.equal(tag.statusCode, 201);
  const doc = (await t.request({ url: '/bp-pkg' })).json();
  assertError(await t.request({ method: 'PUT', url: `/bp-pkg/-rev/${doc._rev}`, token: bypass.token, payload: { _id: 'bp-pkg', _rev: doc._rev, maintainers: [{ name: 'bypasser' }, { name: 'bypassfriend' }] } }), 403, /bypass/);
  assertError(await t.request({ method: 'POST', url: '/-/package/bp-pkg/access', token: bypass.token, payload: { publish_requires_tfa: false } }), 403, /bypass/);
  assertError(await create(bypass.token, writeAll), 403, /bypass/);
  assertError(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: bypass.token, payload: { fullname: 'x' } }), 403, /bypass/);
  // A new name establishes ownership: the bypass does not apply.
  assert.equal((await publish(bypass.token, 'bp-new', '1.0.0')).statusCode, 401);
  // mfa=publish: an interactive OTP even with the bypass token; mfa=automation: not.
  const setMfa = (body: object) => t.request({ method: 'POST', url: '/-/package/bp-pkg/access', token: session, payload: body, headers: { 'npm-otp': codeAt(secret, clock) } });
  assert.equal((await setMfa({ publish_requires_tfa: true, automation_token_overrides_tfa: false })).statusCode, 200);
  clock.advanceSeconds(30);
  assert.equal((await publish(bypass.token, 'bp-pkg', '1.2.0')).statusCode, 401);
  assert.equal((await setMfa({ publish_requires_tfa: true, automation_token_overrides_tfa: true })).statusCode, 200);
  clock.advanceSeconds(30);
  assert.equal((await publish(bypass.token, 'bp-pkg', '1.2.0')).statusCode, 201);
});
