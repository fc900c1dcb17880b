// Sign-in hardening: Basic credentials under 2FA, password limits under real concurrency (argon2
// is real), per-network (IPv6 /64) counting and pruning, budgets of unauthenticated work, and the
// user document that names cannot be probed through.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
before(async () => {
  // The real limits: these tests are the limits' own.
  t = await startApp({}, clock, { defaultLimits: true });
});
after(() => t.close());

const basic = (name: string, password: string) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
const count = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
const couchLogin = (app: TestApp, name: string, password: string, ip: string, headers: Record<string, string> = {}) =>
  app.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { name, password }, remoteAddress: ip, headers });

test('Basic credentials of a 2FA account are a login: the OTP is required on every route that takes them', async () => {
  const session = await t.signUp('basic2fa');
  const { secret } = await enrol(t, session, clock, 'auth-only');
  const auth = basic('basic2fa', PASSWORD);
  const ip = '10.20.0.1';
  // The reviewer's input: GET and POST /-/npm/v1/user with the password alone.
  const get = await t.request({ url: '/-/npm/v1/user', headers: { authorization: auth }, remoteAddress: ip });
  assert.equal(get.statusCode, 401, get.body);
  assert.equal(get.headers['www-authenticate'], 'otp');
  assert.doesNotMatch(get.body, /basic2fa@example/);
  const post = await t.request({ method: 'POST', url: '/-/npm/v1/user', headers: { authorization: auth }, payload: { fullname: 'pwned by basic' }, remoteAddress: ip });
  assert.equal(post.statusCode, 401);
  assert.equal(post.headers['www-authenticate'], 'otp');
  const tokenCreate = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', headers: { authorization: auth }, payload: { password: PASSWORD, readonly: true, cidr_whitelist: [] }, remoteAddress: ip });
  assert.equal(tokenCreate.statusCode, 401);
  assert.equal(tokenCreate.headers['www-authenticate'], 'otp');
  const doc = await t.request({ url: '/-/user/org.couchdb.user:basic2fa', headers: { authorization: auth }, remoteAddress: ip });
  assert.equal(doc.statusCode, 401);
  assert.equal(doc.headers['www-authenticate'], 'otp');
  const profile = (await t.request({ url: '/-/npm/v1/user', token: session })).json();
  assert.equal(profile.fullname, '', 'nothing changed');

  // With the code (as npm's otplease retries): one code serves the whole request, once.
  const code = codeAt(secret, clock);
  const withOtp = await t.request({ method: 'POST', url: '/-/npm/v1/user', headers: { authorization: auth, 'npm-otp': code }, payload: { fullname: 'Ada' }, remoteAddress: ip });
  assert.equal(withOtp.statusCode, 200, withOtp.body);
  assert.equal(withOtp.json().fullname, 'Ada');
  const replay = await t.request({ url: '/-/npm/v1/user', headers: { authorization: auth, 'npm-otp': code }, remoteAddress: ip });
  assert.equal(replay.statusCode, 401, 'the code was used up by the Basic sign-in');
  clock.advanceSeconds(30);
  const read = await t.request({ url: '/-/npm/v1/user', headers: { authorization: auth, 'npm-otp': codeAt(secret, clock) }, remoteAddress: ip });
  assert.equal(read.statusCode, 200);
  clock.advanceSeconds(30);

  // Without 2FA, Basic still works as before (npm's enable-2fa reads the profile with it).
  await t.signUp('basicplain');
  const plain = await t.request({ url: '/-/npm/v1/user', headers: { authorization: basic('basicplain', PASSWORD) }, remoteAddress: ip });
  assert.equal(plain.statusCode, 200);
  assert.equal(plain.json().email, 'basicplain@example.com');
});

test('60 wrong passwords at once from one address: 9 are checked, the rest get 429 uncounted', async () => {
  await t.signUp('race1');
  const ip = '10.30.0.1';
  const results = await Promise.all(Array.from({ length: 60 }, () => couchLogin(t, 'race1', 'wrong guess in a burst', ip)));
  assert.deepEqual(count(results.map((r) => r.statusCode)), { 401: 9, 429: 51 });
  const refused = results.find((r) => r.statusCode === 429)!;
  assert.ok(Number(refused.headers['retry-after']) > 0);
  assert.equal((await t.deps.store.counters.get('login-ip:10.30.0.1'))?.count, 9, 'refusals are not counted');
  // The owner, from elsewhere, still signs in (the account allows 10 failures before a delay).
  assert.equal((await couchLogin(t, 'race1', PASSWORD, '10.30.9.9')).statusCode, 201);
});

test('parallel guesses against one account from many addresses: 10 checked, then the delay', async () => {
  await t.signUp('race2');
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => couchLogin(t, 'race2', 'wrong guess spread out', `10.31.${i}.1`)));
  assert.deepEqual(count(results.map((r) => r.statusCode)), { 401: 10, 429: 30 });
  clock.advanceSeconds(31);
  assert.equal((await couchLogin(t, 'race2', PASSWORD, '10.31.99.1')).statusCode, 201, 'never a lock-out');
});

test('the same limits hold for Basic credentials and the web sign-in, in parallel', async () => {
  await t.signUp('race3');
  await t.signUp('race4');
  const basicBurst = await Promise.all(Array.from({ length: 30 }, () => t.request({ url: '/-/npm/v1/user', headers: { authorization: basic('race3', 'wrong basic password!') }, remoteAddress: '10.32.0.1' })));
  assert.deepEqual(count(basicBurst.map((r) => r.statusCode)), { 401: 9, 429: 21 });
  const page = await t.request({ url: '/-/web/login', remoteAddress: '10.33.0.1' });
  const cookie = String(page.headers['set-cookie']).split(';')[0];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const webBurst = await Promise.all(
    Array.from({ length: 30 }, () =>
      t.request({
        method: 'POST',
        url: '/-/web/login',
        remoteAddress: '10.33.0.1',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, name: 'race4', password: 'wrong web password!!' }).toString(),
      }),
    ),
  );
  const statuses = webBurst.map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s === 429).length, 21, statuses.join());
  assert.equal(statuses.filter((s) => s === 401).length, 9, statuses.join());
});

test('password checks inside the account (token create, 2FA set-up, password change) are throttled like a login', async () => {
  // Review 1 finding 11: a stolen session of an account without 2FA was an unlimited oracle.
  const session = await t.signUp('oracle');
  const ip = '10.34.0.1';
  const tokenBurst = await Promise.all(
    Array.from({ length: 20 }, () => t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, remoteAddress: ip, payload: { password: 'wrong token password', readonly: true, cidr_whitelist: [] } })),
  );
  assert.deepEqual(count(tokenBurst.map((r) => r.statusCode)), { 401: 9, 429: 11 });
  // From other addresses the account's own count holds: one more failure, then the delay.
  const tfa = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: session, remoteAddress: '10.34.0.2', payload: { tfa: { mode: 'auth-only', password: 'wrong tfa password!!' } } });
  assert.equal(tfa.statusCode, 401);
  const change = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: session, remoteAddress: '10.34.0.3', payload: { password: { old: 'wrong old password!!', new: 'a brand new passphrase 77' } } });
  assert.equal(change.statusCode, 429);
  clock.advanceSeconds(31);
  const right = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, remoteAddress: '10.34.0.4', payload: { password: PASSWORD, readonly: true, cidr_whitelist: [] } });
  assert.equal(right.statusCode, 201, right.body);
});

test('the password is checked before the OTP: a credential without it cannot spend the OTP budget', async () => {
  const session = await t.signUp('pwfirst');
  await enrol(t, session, clock);
  const user = await t.deps.store.users.findByName('pwfirst');
  const attempts = [
    t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, remoteAddress: '10.35.0.1', payload: { password: 'not the password!!', readonly: true, cidr_whitelist: [] }, headers: { 'npm-otp': '000000' } }),
    t.request({ method: 'POST', url: '/-/npm/v1/user', token: session, remoteAddress: '10.35.0.2', payload: { tfa: { mode: 'disable', password: 'not the password!!' } }, headers: { 'npm-otp': '000000' } }),
    t.request({ method: 'POST', url: '/-/npm/v1/user', token: session, remoteAddress: '10.35.0.3', payload: { tfa: { mode: 'auth-only', password: 'not the password!!' } }, headers: { 'npm-otp': '000000' } }),
    t.request({ method: 'POST', url: '/-/tessera/v1/recovery-codes', token: session, remoteAddress: '10.35.0.4', payload: { password: 'not the password!!' }, headers: { 'npm-otp': '000000' } }),
    t.request({ method: 'POST', url: '/-/npm/v1/user', token: session, remoteAddress: '10.35.0.5', payload: { password: { old: 'not the password!!', new: 'a brand new passphrase 78' } }, headers: { 'npm-otp': '000000' } }),
  ];
  for (const res of await Promise.all(attempts)) {
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().code, 'BAD_LOGIN');
  }
  const events = await t.deps.store.events.list(user!.id, { limit: 100 });
  assert.equal(events.filter((e) => e.type === 'otp-failed').length, 0, 'no OTP was tried');
  clock.advanceSeconds(31);
});

test('a right password is never refused because other right passwords are being checked at once', async () => {
  await t.signUp('team');
  const results = await Promise.all(Array.from({ length: 20 }, () => couchLogin(t, 'team', PASSWORD, '10.36.0.1')));
  assert.deepEqual(count(results.map((r) => r.statusCode)), { 201: 20 });
  // ...nor because a few wrong ones from the same address are in flight.
  const mixed = await Promise.all([...Array.from({ length: 5 }, () => couchLogin(t, 'team', 'a wrong one in flight', '10.36.0.2')), couchLogin(t, 'team', PASSWORD, '10.36.0.2')]);
  assert.deepEqual(mixed.map((r) => r.statusCode), [401, 401, 401, 401, 401, 201]);
});

test('per-address limits count an IPv6 /64 as one network, IPv4-mapped addresses as IPv4; expired rows are pruned', async () => {
  const proxied = await startApp({ 'trusted-proxies': '127.0.0.1' }, clock, { defaultLimits: true });
  try {
    await proxied.signUp('v6victim');
    const via = (ip: string, name = 'v6victim') => couchLogin(proxied, name, 'wrong guess from v6', '127.0.0.1', { 'x-forwarded-for': ip });
    // The reviewer's input: 40 addresses of one /64 (different user names).
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await via(`2001:db8:1:3::${(i + 1).toString(16)}`, `sprayed${i}`)).statusCode);
    assert.deepEqual(count(statuses), { 401: 9, 429: 31 });
    assert.equal((await via('2001:db8:1:3:ffff:ffff:ffff:ffff')).statusCode, 429, 'the whole /64');
    assert.equal((await via('2001:0DB8:0001:0003:0:0:0:1')).statusCode, 429, 'any spelling');
    assert.equal((await via('2001:db8:1:4::1')).statusCode, 401, 'the next /64 is another network');
    // IPv4-mapped IPv6 is the IPv4 address.
    for (let i = 0; i < 9; i++) await via('10.40.0.1');
    assert.equal((await via('::ffff:10.40.0.1')).statusCode, 429);
    assert.equal((await via('::ffff:a28:1')).statusCode, 429);
    const rows = () => (proxied.deps.store.counters.get('login-ip:2001:db8:1:3::/64'));
    assert.equal((await rows())?.count, 9);
    // A day later every window has passed: the next update prunes the old rows.
    clock.advanceSeconds(25 * 3600);
    assert.equal((await via('2001:db8:9::1', 'someone')).statusCode, 401);
    assert.equal(await rows(), null);
    assert.equal(await proxied.deps.store.counters.get('login-ip:10.40.0.1'), null);
    assert.equal(await proxied.deps.store.counters.get('login-user:v6victim'), null);
  } finally {
    await proxied.close();
  }
});

test('unauthenticated work that creates state has a per-address budget: 429 JSON with Retry-After', async () => {
  const app = await startApp({}, clock, { defaultLimits: true });
  try {
    // The reviewer's input: a flood of POST /-/v1/login from one client.
    const starts: number[] = [];
    let last;
    for (let i = 0; i < 310; i++) {
      last = await app.request({ method: 'POST', url: '/-/v1/login', payload: {}, headers: { 'npm-auth-type': 'web' }, remoteAddress: '10.50.0.1' });
      starts.push(last.statusCode);
    }
    assert.deepEqual(count(starts), { 200: 300, 429: 10 });
    assert.equal(last!.json().code, 'TOO_MANY_ATTEMPTS');
    assert.ok(Number(last!.headers['retry-after']) > 0 && Number(last!.headers['retry-after']) <= 3600);
    // The couch login shares the budget, so does the web sign-in; another address is free.
    assert.equal((await couchLogin(app, 'anyone', PASSWORD, '10.50.0.1')).statusCode, 429);
    assert.equal((await app.request({ method: 'POST', url: '/-/v1/login', payload: {}, headers: { 'npm-auth-type': 'web' }, remoteAddress: '10.50.0.2' })).statusCode, 200);
    // Reads are never budgeted.
    assert.equal((await app.request({ url: '/-/ping', remoteAddress: '10.50.0.1' })).statusCode, 200);

    // Sign-ups: 30 an hour per network (couch and web share it).
    const signups: number[] = [];
    for (let i = 0; i < 32; i++) {
      const name = `flood${i}`;
      signups.push((await app.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, remoteAddress: '10.51.0.1', payload: { name, password: PASSWORD, email: `${name}@example.com` } })).statusCode);
    }
    assert.deepEqual(count(signups), { 201: 30, 429: 2 });
    const page = await app.request({ url: '/-/web/signup', remoteAddress: '10.51.0.1' });
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const web = await app.request({
      method: 'POST',
      url: '/-/web/signup',
      remoteAddress: '10.51.0.1',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, name: 'webflood', email: 'webflood@example.com', password: PASSWORD, password2: PASSWORD }).toString(),
    });
    assert.equal(web.statusCode, 429);
    assert.ok(Number(web.headers['retry-after']) > 0);
    // An hour after the window began, the address may sign up again.
    clock.advanceSeconds(3601);
    assert.equal((await app.request({ method: 'PUT', url: '/-/user/org.couchdb.user:flood99', remoteAddress: '10.51.0.1', payload: { name: 'flood99', password: PASSWORD, email: 'flood99@example.com' } })).statusCode, 201);
  } finally {
    await app.close();
  }
});

test('the user document: credentials always checked, the same answer for every name, e-mail only to its owner', async () => {
  const session = await t.signUp('docowner');
  const other = await t.signUp('docother');
  const ip = '10.60.0.1';
  // The reviewer's input: any Basic header, even x:y, gave every user's e-mail.
  const xy = await t.request({ url: '/-/user/org.couchdb.user:docowner', headers: { authorization: 'Basic eDp5' }, remoteAddress: ip });
  assert.equal(xy.statusCode, 401);
  assert.doesNotMatch(xy.body, /example\.com/);
  const known = await t.request({ url: '/-/user/org.couchdb.user:docowner', remoteAddress: ip });
  const unknown = await t.request({ url: '/-/user/org.couchdb.user:nosuchuser', remoteAddress: ip });
  assert.equal(known.statusCode, 200);
  assert.equal(unknown.statusCode, 200);
  assert.deepEqual(known.json(), { _id: 'org.couchdb.user:docowner', name: 'docowner' });
  assert.deepEqual(unknown.json(), { _id: 'org.couchdb.user:nosuchuser', name: 'nosuchuser' });
  // Another user sees no e-mail, for known and unknown names alike; the owner sees their own.
  assert.deepEqual((await t.request({ url: '/-/user/org.couchdb.user:docowner', token: other })).json(), { _id: 'org.couchdb.user:docowner', name: 'docowner' });
  assert.deepEqual((await t.request({ url: '/-/user/org.couchdb.user:nosuch2', token: other })).json(), { _id: 'org.couchdb.user:nosuch2', name: 'nosuch2' });
  assert.equal((await t.request({ url: '/-/user/org.couchdb.user:docowner', token: session })).json().email, 'docowner@example.com');
  const right = await t.request({ url: '/-/user/org.couchdb.user:docowner', headers: { authorization: basic('docowner', PASSWORD) }, remoteAddress: ip });
  assert.equal(right.json().email, 'docowner@example.com');
  const wrongUser = await t.request({ url: '/-/user/org.couchdb.user:nosuchuser', headers: { authorization: basic('nosuchuser', PASSWORD) }, remoteAddress: ip });
  assert.equal(wrongUser.statusCode, 401);
});
