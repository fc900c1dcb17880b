import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startApp();
});
after(() => t.close());

const login = (name: string, password: string, extra: Record<string, unknown> = {}) =>
  t.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { name, password, ...extra } });

test('adduser creates an account and answers 201 with a token', async () => {
  const res = await login('ann', PASSWORD, { email: 'ann@example.com' });
  assert.equal(res.statusCode, 201);
  assert.match(res.json().token, /^tsr_[0-9A-Za-z]{36}$/);
  const who = await t.request({ url: '/-/whoami', token: res.json().token });
  assert.deepEqual(who.json(), { username: 'ann' });
});

test('login with the right password answers 201; a wrong one 401 Basic without OTP wording', async () => {
  await t.signUp('bob');
  const ok = await login('bob', PASSWORD);
  assert.equal(ok.statusCode, 201);
  const bad = await login('bob', 'not the right password at all');
  assert.equal(bad.statusCode, 401);
  assert.match(String(bad.headers['www-authenticate']), /^Basic realm=/);
  assert.doesNotMatch(bad.body, /one-time pass/);
});

test('login as an unknown user is the same 401 as a wrong password (no enumeration)', async () => {
  const res = await login('nobody-here', PASSWORD);
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error, 'Incorrect user name or password.');
});

test('a login for an existing user never changes its e-mail', async () => {
  await t.signUp('carl');
  const res = await login('carl', PASSWORD, { email: 'evil@example.com' });
  assert.equal(res.statusCode, 201);
  const doc = await t.request({ url: '/-/user/org.couchdb.user:carl', token: res.json().token });
  assert.equal(doc.json().email, 'carl@example.com');
});

test('client-supplied roles are ignored', async () => {
  const res = await login('dora', PASSWORD, { email: 'dora@example.com', roles: ['_admin'] });
  assert.equal(res.statusCode, 201);
  const doc = await t.request({ url: '/-/user/org.couchdb.user:dora' });
  assert.deepEqual(doc.json(), { _id: 'org.couchdb.user:dora', name: 'dora' });
});

test('the Basic-auth fallback: GET ?write=true and PUT /-rev/REV log in', async () => {
  await t.signUp('erin');
  const basic = `Basic ${Buffer.from(`erin:${PASSWORD}`).toString('base64')}`;
  const get = await t.request({ url: '/-/user/org.couchdb.user:erin?write=true', headers: { authorization: basic } });
  assert.equal(get.statusCode, 200);
  assert.equal(get.json().name, 'erin');
  assert.equal(get.json().password, undefined);
  const put = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:erin/-rev/undefined',
    headers: { authorization: basic },
    payload: { _id: 'org.couchdb.user:erin', name: 'erin', password: PASSWORD },
  });
  assert.equal(put.statusCode, 201);
  assert.match(put.json().token, /^tsr_/);
  const wrong = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:erin/-rev/undefined',
    headers: { authorization: `Basic ${Buffer.from('erin:wrong password given here').toString('base64')}` },
    payload: { _id: 'org.couchdb.user:erin', name: 'erin' },
  });
  assert.equal(wrong.statusCode, 401);
});

test('POST /-/v1/login starts a web login: absolute loginUrl and doneUrl; the poll waits with 202', async () => {
  const res = await t.request({ method: 'POST', url: '/-/v1/login', payload: { create: true }, headers: { 'npm-auth-type': 'web' } });
  assert.equal(res.statusCode, 200);
  const { loginUrl, doneUrl } = res.json();
  assert.match(loginUrl, /^http:\/\/registry\.test\/-\/web\/cli-login\/[A-Za-z0-9_-]{43}$/);
  assert.match(doneUrl, /^http:\/\/registry\.test\/-\/v1\/done\?authId=[A-Za-z0-9_-]{43}$/);
  const poll = await t.request({ url: doneUrl.slice('http://registry.test'.length) });
  assert.equal(poll.statusCode, 202);
  assert.equal(poll.headers['retry-after'], '1');
  assert.deepEqual(poll.json(), {});
  const unknown = await t.request({ url: '/-/v1/done?authId=nope' });
  assert.equal(unknown.statusCode, 404);
});

test('logout kills the token at once, and is idempotent', async () => {
  const token = await t.signUp('fay');
  const out = await t.request({ method: 'DELETE', url: `/-/user/token/${token}`, token });
  assert.equal(out.statusCode, 200);
  const who = await t.request({ url: '/-/whoami', token });
  assert.equal(who.statusCode, 401);
  assert.match(String(who.headers['www-authenticate']), /^Bearer realm=/);
  const again = await t.request({ method: 'DELETE', url: `/-/user/token/${token}` });
  assert.equal(again.statusCode, 200);
});

test('a dead token reading a public package is anonymous, with an npm-notice', async () => {
  const res = await t.request({ url: '/-/ping', token: 'tsr_000000000000000000000000000000000000' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['npm-notice']), /expired or revoked/);
});

test('user names and e-mails are validated as npm does, and nothing is created', async () => {
  for (const [name, email] of [
    ['Upper', 'u@example.com'],
    ['.dot', 'd@example.com'],
    ["it's", 'i@example.com'],
    ['sp ace', 's@example.com'],
    ['okname', 'not-an-email'],
    ['x'.repeat(215), 'x@example.com'],
  ]) {
    const res = await login(name, PASSWORD, { email });
    assert.equal(res.statusCode, 400, `${name} / ${email}`);
    assert.equal(typeof res.json().error, 'string');
    assert.equal(await t.deps.store.users.findByName(name), null);
  }
});

test('a short or common password is refused at sign-up with the reason', async () => {
  const res = await login('gus', 'short', { email: 'gus@example.com' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error, /15|characters/);
});

test('a name already taken cannot be signed up again', async () => {
  await t.signUp('hal');
  const res = await login('hal', 'another good long passphrase', { email: 'hal2@example.com' });
  assert.equal(res.statusCode, 401);
});

test('passwords are stored as argon2id hashes only', async () => {
  await t.signUp('ivy');
  const user = await t.deps.store.users.findByName('ivy');
  assert.match(user!.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
});

test('sign-up can be closed by config', async () => {
  const closed = await startApp({ signup: 'closed' });
  try {
    const res = await closed.request({ method: 'PUT', url: '/-/user/org.couchdb.user:jo', payload: { name: 'jo', password: PASSWORD, email: 'jo@example.com' } });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().error, /Registration is disabled/);
  } finally {
    await closed.close();
  }
});
