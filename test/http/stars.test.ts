// npm star / unstar / stars over HTTP, as npm 11 sends them (lib/commands/star.js: GET
// /PKG?write=true, then PUT /PKG {_id, _rev, users} without an OTP; stars.js: GET
// /-/_view/starredByUser?key="USER"), and the refusals.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let alice: string; // owner, with 2FA auth-and-writes
let bob: string;
let carol: string;
let secret: string;

const json = { 'content-type': 'application/json' };
const otp = () => {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
};

before(async () => {
  t = await startApp({}, clock);
  alice = await t.signUp('alice');
  bob = await t.signUp('bob');
  carol = await t.signUp('carol');
  await t.signUp('constructor');
  ({ secret } = await enrol(t, alice, clock));
  for (const name of ['star-pkg', 'star-two']) {
    const res = await t.request({ method: 'PUT', url: `/${name}`, token: alice, payload: publishBody(name, '1.0.0'), headers: { 'npm-otp': otp() } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const res = await t.request({ method: 'PUT', url: '/@alice%2fhidden', token: alice, payload: publishBody('@alice/hidden', '1.0.0', { access: 'restricted' }), headers: { 'npm-otp': otp() } });
  assert.equal(res.statusCode, 201, res.body);
});
after(() => t.close());

/** What npm star / unstar does: read with ?write=true, flip the caller's entry, PUT it back. */
async function npmStar(token: string | undefined, name: string, user: string, on: boolean, edit?: (users: Record<string, boolean>) => void) {
  const url = `/${name.replace('/', '%2f')}`;
  const doc = (await t.request({ url: `${url}?write=true`, token })).json();
  const body = { _id: doc._id, _rev: doc._rev, users: doc.users ?? {} };
  if (on) body.users[user] = true;
  else delete body.users[user];
  edit?.(body.users);
  return t.request({ method: 'PUT', url, token, payload: body, headers: json });
}

const users = async (name: string) => (await t.request({ url: `/${name}` })).json().users;
const starred = async (user: string, token?: string) =>
  (await t.request({ url: `/-/_view/starredByUser?key=${encodeURIComponent(JSON.stringify(user))}`, token })).json();

test('any signed-in user stars and unstars a package, without an OTP and without a revision bump', async () => {
  const rev = (await t.request({ url: '/star-pkg' })).json()._rev;
  let res = await npmStar(bob, 'star-pkg', 'bob', true);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().rev, rev);
  // The owner with auth-and-writes 2FA is never challenged for a star.
  res = await npmStar(alice, 'star-pkg', 'alice', true);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await users('star-pkg'), { alice: true, bob: true });
  assert.equal((await t.request({ url: '/star-pkg' })).json()._rev, rev, 'stars do not change _rev');
  // A publish with the _rev read before the star still works (no conflict).
  res = await t.request({ method: 'PUT', url: '/star-pkg', token: alice, payload: publishBody('star-pkg', '1.1.0'), headers: { 'npm-otp': otp() } });
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(await starred('bob'), { rows: [{ key: 'bob', value: 'star-pkg' }] });
  res = await npmStar(bob, 'star-pkg', 'bob', false);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await users('star-pkg'), { alice: true });
  assert.deepEqual(await starred('bob'), { rows: [] });
  // The abbreviated packument (installs) carries no users.
  const abbr = (await t.request({ url: '/star-pkg', headers: { accept: 'application/vnd.npm.install-v1+json' } })).json();
  assert.equal(abbr.users, undefined);
});

test('a user changes only their own star: other users\' entries in the body are ignored', async () => {
  assert.equal((await npmStar(carol, 'star-two', 'carol', true)).statusCode, 200);
  // Bob sends carol's entry removed and dave's added, with his own star.
  const res = await npmStar(bob, 'star-two', 'bob', true, (u) => {
    delete u.carol;
    u.dave = true;
    u.alice = true;
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await users('star-two'), { bob: true, carol: true });
  // Bob unstarring with a body that still names carol leaves carol alone.
  assert.equal((await npmStar(bob, 'star-two', 'bob', false)).statusCode, 200);
  assert.deepEqual(await users('star-two'), { carol: true });
});

test('a user named after an Object.prototype member ("constructor") stars and unstars correctly', async () => {
  const token = (await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:constructor', payload: { name: 'constructor', password: PASSWORD } })).json().token;
  // The body npm sends for an unstar has no own "constructor" entry: that is an unstar, not a star.
  let res = await t.request({ method: 'PUT', url: '/star-two', token, payload: { _id: 'star-two', users: {} }, headers: json });
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(!Object.hasOwn(await users('star-two'), 'constructor'));
  res = await npmStar(token, 'star-two', 'constructor', true);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await users('star-two')).constructor, true);
  assert.deepEqual(await starred('constructor'), { rows: [{ key: 'constructor', value: 'star-two' }] });
  assert.equal((await npmStar(token, 'star-two', 'constructor', false)).statusCode, 200);
  assert.ok(!Object.hasOwn(await users('star-two'), 'constructor'));
});

test('refusals: anonymous 401, unknown and hidden packages 404, read-only and other-package tokens 403, malformed bodies 400', async () => {
  let res = await t.request({ method: 'PUT', url: '/star-pkg', payload: { _id: 'star-pkg', users: { bob: true } }, headers: json });
  assert.equal(res.statusCode, 401);
  res = await t.request({ method: 'PUT', url: '/no-such-pkg', token: bob, payload: { _id: 'no-such-pkg', users: { bob: true } }, headers: json });
  assert.equal(res.statusCode, 404);
  // A restricted package: the same 404 as a read, for starring and in the lists.
  res = await t.request({ method: 'PUT', url: '/@alice%2fhidden', token: bob, payload: { _id: '@alice/hidden', users: { bob: true } }, headers: json });
  assert.equal(res.statusCode, 404);
  assert.equal((await t.request({ url: '/@alice%2fhidden', token: bob })).statusCode, 404);
  // Its owner may star it; nobody else sees it in the owner's list.
  res = await npmStar(alice, '@alice/hidden', 'alice', true);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual((await starred('alice', alice)).rows.map((r: { value: string }) => r.value), ['@alice/hidden', 'star-pkg']);
  assert.deepEqual((await starred('alice', bob)).rows.map((r: { value: string }) => r.value), ['star-pkg']);
  assert.deepEqual((await starred('alice')).rows.map((r: { value: string }) => r.value), ['star-pkg']);

  // Tokens: read-only is refused (a star is a write of the user's data), a granular token
  // limited to other packages too; a read-write token covering the package may.
  const create = async (body: object) => (await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: bob, payload: { password: PASSWORD, name: null, ...body }, headers: json })).json().token as string;
  const readOnly = await create({ packages_all: true, packages_and_scopes_permission: 'read-only' });
  const legacyReadOnly = (await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: bob, payload: { password: PASSWORD, readonly: true }, headers: json })).json().token as string;
  const otherPkg = await create({ packages: ['star-two'], packages_and_scopes_permission: 'read-write' });
  const thisPkg = await create({ packages: ['star-pkg'], packages_and_scopes_permission: 'read-write' });
  for (const token of [readOnly, legacyReadOnly]) {
    res = await npmStar(token, 'star-pkg', 'bob', true);
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code, 'READ_ONLY_TOKEN');
  }
  res = await npmStar(otherPkg, 'star-pkg', 'bob', true);
  assert.equal(res.statusCode, 403, res.body);
  res = await npmStar(thisPkg, 'star-pkg', 'bob', true);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await users('star-pkg')).bob, true);

  for (const payload of [
    { _id: 'star-pkg', users: [] },
    { _id: 'star-pkg', users: null },
    { _id: 'star-pkg', users: 'bob' },
    { _id: 'other-name', users: { bob: true } },
    { _id: 'star-pkg', _rev: 7, users: { bob: true } },
    { _id: 'star-pkg', users: { bob: 'yes' } },
    { _id: 'star-pkg', users: { bob: false } },
  ]) {
    res = await t.request({ method: 'PUT', url: '/star-pkg', token: bob, payload, headers: json });
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.statusCode} ${res.body}`);
    assert.ok(res.json().error);
  }
  assert.equal((await users('star-pkg')).bob, true, 'refused bodies changed nothing');
});

test('npm stars: a bad key is a 400, an unknown user has no stars', async () => {
  for (const key of ['', 'alice', '"', '1', '{"a":1}', '""']) {
    const res = await t.request({ url: `/-/_view/starredByUser?key=${encodeURIComponent(key)}` });
    assert.equal(res.statusCode, 400, `${key}: ${res.body}`);
  }
  assert.equal((await t.request({ url: '/-/_view/starredByUser' })).statusCode, 400);
  assert.deepEqual(await starred('nobody-here'), { rows: [] });
});
