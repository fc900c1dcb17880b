// Administrators (issue #20 item 1): the web admin pages, each action behind the
// administrator's second factor and recorded in the user's log and the instance log; a
// disabled account refused on every path (tokens on the routes and on the read fast path,
// npm's legacy login, Basic credentials, web sign-in and sessions, npm's web login), its
// packages still readable; deletion keeps the name reserved.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setAdmin } from '../../src/core/accounts/admin.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { getOverSocket } from '../support/cli.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';
import { webBrowser, type WebBrowser } from '../support/web-browser.ts';

let t: TestApp;
let clock: TestClock;
let port: number;
let adminSecret: string;
let admin: WebBrowser;

const viaSocket = (url: string, token?: string) => getOverSocket(port, url, token);

async function signIn(b: WebBrowser, name: string, otp?: string, password = PASSWORD) {
  await b.get('/-/web/login');
  let res = await b.post('/-/web/login', { name, password, next: '/-/web/' });
  if (otp !== undefined && res.headers.location === '/-/web/login/otp') {
    await b.get('/-/web/login/otp');
    res = await b.post('/-/web/login/otp', { otp });
  }
  return res;
}

/**
 * A user with a published package; returns a granular token (npm token create), which
 * disabling keeps (refused) where it deletes sessions.
 */
async function userWithPackage(name: string): Promise<string> {
  const session = await t.signUp(name);
  const res = await t.request({ method: 'PUT', url: `/${name}-pkg`, token: session, payload: publishBody(`${name}-pkg`, '1.0.0') });
  assert.equal(res.statusCode, 201, res.body);
  const created = await t.request({
    method: 'POST',
    url: '/-/npm/v1/tokens',
    token: session,
    payload: { name: 'ci', password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' },
  });
  assert.equal(created.statusCode, 201, created.body);
  return created.json().token as string;
}

/** The administrator's next unused code (each action consumes a step from another credential's view). */
function nextCode(): string {
  clock.advanceSeconds(30);
  return codeAt(adminSecret, clock);
}

async function action(user: string, name: string, fields: Record<string, string> = {}) {
  await admin.get(`/-/web/admin/users/${user}`);
  return admin.post(`/-/web/admin/users/${user}/${name}`, fields);
}

before(async () => {
  clock = new TestClock();
  t = await startApp({}, clock);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
  const token = await t.signUp('root');
  await setAdmin(t.deps, 'root', true);
  adminSecret = (await enrol(t, token, clock)).secret;
  admin = webBrowser(t);
  const res = await signIn(admin, 'root', codeAt(adminSecret, clock));
  assert.equal(res.statusCode, 303, res.body);
});
after(() => t.close());

test('the admin pages are for administrators: others get 403, anonymous readers the sign-in page', async () => {
  await t.signUp('plain');
  const b = webBrowser(t);
  assert.equal((await b.get('/-/web/admin')).statusCode, 303);
  assert.equal((await signIn(b, 'plain')).statusCode, 303);
  for (const url of ['/-/web/admin', '/-/web/admin/events', '/-/web/admin/proxy', '/-/web/admin/users/plain']) {
    const page = await b.get(url);
    assert.equal(page.statusCode, 403, url);
    assert.match(page.body, /for administrators/);
  }
  assert.doesNotMatch((await b.get('/-/web/')).body, /href="\/-\/web\/admin"/, 'no Admin link for a user');
  const home = await admin.get('/-/web/');
  assert.match(home.body, /href="\/-\/web\/admin"/, 'the Admin link for an administrator');
  const list = await admin.get('/-/web/admin');
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /<a href="\/-\/web\/admin\/users\/plain">plain<\/a>/);
  assert.match(list.body, /administrator/);
  const proxy = await admin.get('/-/web/admin/proxy');
  assert.equal(proxy.statusCode, 200);
  assert.match(proxy.body, /No version is blocked/);
});

test('an admin action needs the administrator\'s code: none or a wrong one changes nothing; a right one disables at once', async () => {
  const token = await userWithPackage('dora');
  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 200);

  let res = await action('dora', 'disable');
  assert.equal(res.statusCode, 401, 'no code');
  assert.match(res.body, /one-time password/);
  res = await action('dora', 'disable', { otp: '000000' === codeAt(adminSecret, clock) ? '111111' : '000000' });
  assert.equal(res.statusCode, 401, 'a wrong code');
  assert.equal((await t.deps.store.users.findByName('dora'))!.status, 'active', 'nothing changed');

  res = await action('dora', 'disable', { otp: nextCode() });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/-/web/admin/users/dora?done=disabled');
  assert.match((await admin.get('/-/web/admin/users/dora')).body, /<dd id="status">disabled<\/dd>/);

  // Refused on the routes and on the read fast path (a socket), at once.
  const who = await t.request({ url: '/-/whoami', token });
  assert.equal(who.statusCode, 403);
  assert.equal(who.json().error, 'The account dora is disabled: ask an administrator.');
  const read = await viaSocket('/dora-pkg', token);
  assert.equal(read.status, 403, read.body);
  // Its packages stay readable by others.
  assert.equal((await viaSocket('/dora-pkg')).status, 200);
  assert.equal((await t.request({ url: '/dora-pkg' })).statusCode, 200);

  // Recorded in dora's log (naming the administrator) and in the instance log.
  const [event] = await t.deps.store.events.list((await t.deps.store.users.findByName('dora'))!.id, { limit: 1 });
  assert.equal(event.type, 'admin-disabled');
  assert.equal(event.detail?.by, 'root');
  const log = await admin.get('/-/web/admin/events');
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /<a href="\/-\/web\/admin\/users\/dora">dora<\/a><\/td><td data-label="Event"><code>admin-disabled<\/code>/);

  res = await action('dora', 'enable', { otp: codeAt(adminSecret, clock) });
  assert.equal(res.statusCode, 303, 'the same session may use the same code again within its step');
  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 200, 'enabled: the token works again');
  assert.equal((await viaSocket('/dora-pkg', token)).status, 200);
});

test('a disabled account is refused on every path: password logins, Basic, web sign-in and session, npm web login', async () => {
  const token = await userWithPackage('eve');
  const eve = webBrowser(t);
  assert.equal((await signIn(eve, 'eve')).statusCode, 303);
  assert.equal((await eve.get('/-/web/profile')).statusCode, 200);
  // A web login started by npm and approved before the account is disabled.
  const started = await t.request({ method: 'POST', url: '/-/v1/login', headers: { 'npm-auth-type': 'web' }, payload: {} });
  assert.equal(started.statusCode, 200, started.body);
  const { loginUrl, doneUrl } = started.json() as { loginUrl: string; doneUrl: string };
  const approvePath = new URL(loginUrl).pathname;
  await eve.get(approvePath);
  assert.equal((await eve.post(approvePath, {})).statusCode, 200);

  assert.equal((await action('eve', 'disable', { otp: nextCode() })).statusCode, 303);

  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 403, 'token');
  const done = await t.request({ url: new URL(doneUrl).pathname + new URL(doneUrl).search });
  assert.equal(done.statusCode, 403, `npm's poll gets no session: ${done.body}`);
  const web = await eve.get('/-/web/profile');
  assert.equal(web.statusCode, 303, 'the web session is gone');
  const again = await signIn(webBrowser(t), 'eve');
  assert.equal(again.statusCode, 403, 'web sign-in');
  assert.match(again.body, /disabled/);
  const legacy = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:eve', payload: { _id: 'org.couchdb.user:eve', name: 'eve', password: PASSWORD, type: 'user', roles: [] } });
  assert.equal(legacy.statusCode, 403, `npm login --auth-type=legacy: ${legacy.body}`);
  assert.equal(legacy.json().error, 'The account eve is disabled: ask an administrator.');
  const basic = await t.request({ url: '/-/npm/v1/user', headers: { authorization: `Basic ${Buffer.from(`eve:${PASSWORD}`).toString('base64')}` } });
  assert.equal(basic.statusCode, 403, 'Basic');
  const wrong = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:eve', payload: { name: 'eve', password: 'not the password at all!', type: 'user' } });
  assert.equal(wrong.statusCode, 401, 'a wrong password learns nothing of the status');
});

test('administrator role, password and 2FA reset from the web; an administrator cannot lock themselves out here', async () => {
  const token = await t.signUp('fay');
  await enrol(t, token, clock);
  assert.equal((await action('fay', 'grant-admin', { otp: nextCode() })).statusCode, 303);
  assert.equal((await t.deps.store.users.findByName('fay'))!.admin, true);
  assert.equal((await action('fay', 'revoke-admin', { otp: codeAt(adminSecret, clock) })).statusCode, 303);
  assert.equal((await t.deps.store.users.findByName('fay'))!.admin, false);

  let res = await action('fay', 'password', { otp: codeAt(adminSecret, clock), password: 'short' });
  assert.equal(res.statusCode, 400, 'the password policy applies');
  res = await action('fay', 'password', { otp: codeAt(adminSecret, clock), password: 'a brand new passphrase for fay' });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 401, 'her session ended');
  assert.equal((await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:fay', payload: { name: 'fay', password: 'a brand new passphrase for fay', type: 'user' } })).statusCode, 401, 'the new password works (2FA still asks a code)');

  assert.equal((await action('fay', 'reset-2fa', { otp: codeAt(adminSecret, clock) })).statusCode, 303);
  assert.equal((await t.deps.store.users.findByName('fay'))!.tfa, null);

  for (const a of ['disable', 'delete', 'revoke-admin']) {
    const self = await action('root', a, { otp: codeAt(adminSecret, clock) });
    assert.equal(self.statusCode, 403, a);
    assert.match(self.body, /your own account/);
  }
  const types = (await t.deps.store.events.list((await t.deps.store.users.findByName('fay'))!.id, { limit: 20 })).map((e) => e.type);
  for (const type of ['admin-granted', 'admin-revoked', 'admin-password-set', 'tfa-reset-by-admin']) assert.ok(types.includes(type), type);
});

test('an administrator without a second factor cannot act', async () => {
  await t.signUp('nofactor');
  await setAdmin(t.deps, 'nofactor', true);
  const b = webBrowser(t);
  assert.equal((await signIn(b, 'nofactor')).statusCode, 303);
  assert.equal((await b.get('/-/web/admin')).statusCode, 200, 'reading is fine');
  await b.get('/-/web/admin/users/plain');
  const res = await b.post('/-/web/admin/users/plain/disable', { otp: '123456' });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /turn on two-factor authentication first/);
  assert.equal((await t.deps.store.users.findByName('plain'))!.status, 'active');
});

test('delete: tokens gone, packages readable, the name and scope stay reserved', async () => {
  const token = await userWithPackage('gus');
  assert.equal((await action('gus', 'delete', { otp: nextCode() })).statusCode, 303);
  const gus = (await t.deps.store.users.findByName('gus'))!;
  assert.equal(gus.status, 'deleted');
  assert.deepEqual(await t.deps.store.tokens.listForUser(gus.id), []);
  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 401, 'the token is gone');
  assert.equal((await t.request({ url: '/gus-pkg' })).statusCode, 200, 'the package stays readable');
  const signup = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:gus', payload: { _id: 'org.couchdb.user:gus', name: 'gus', password: PASSWORD, email: 'x@example.com', type: 'user', roles: [] } });
  assert.notEqual(signup.statusCode, 201, 'the name cannot be taken again');
  const other = await t.signUp('hal');
  const publish = await t.request({ method: 'PUT', url: '/gus-pkg', token: other, payload: publishBody('gus-pkg', '2.0.0') });
  assert.equal(publish.statusCode, 403, 'nobody else publishes to the deleted user\'s package');
  const scoped = await t.request({ method: 'PUT', url: '/@gus%2fthing', token: other, payload: publishBody('@gus/thing', '1.0.0') });
  assert.equal(scoped.statusCode, 403, 'nor into their scope');
  const page = await admin.get('/-/web/admin/users/gus');
  assert.match(page.body, /<dd id="status">deleted<\/dd>/);
  assert.doesNotMatch(page.body, /action="\/-\/web\/admin\/users\/gus\//, 'no actions on a deleted account');
});

test('unknown users and actions answer 404', async () => {
  assert.equal((await admin.get('/-/web/admin/users/nobody-here')).statusCode, 404);
  await admin.get('/-/web/admin/users/plain');
  assert.equal((await admin.post('/-/web/admin/users/plain/frobnicate', { otp: codeAt(adminSecret, clock) })).statusCode, 404);
  assert.equal((await admin.post('/-/web/admin/users/nobody-here/disable', { otp: codeAt(adminSecret, clock) })).statusCode, 404);
});
