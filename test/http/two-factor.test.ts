import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { resetTwoFactor } from '../../src/core/accounts/admin.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
before(async () => {
  t = await startApp({ 'registry-name': 'Tessera Test' }, clock);
});
after(() => t.close());

const otpHeaders = (otp?: string) => (otp ? { 'npm-otp': otp } : {});
const publish = (token: string, name: string, version: string, otp?: string) =>
  t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token, payload: publishBody(name, version), headers: otpHeaders(otp) });
const login = (name: string, otp?: string, password = PASSWORD) =>
  t.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { name, password }, headers: otpHeaders(otp) });
const profileSet = (token: string, body: object, otp?: string) => t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: body, headers: otpHeaders(otp) });

function assertOtpChallenge(res: { statusCode: number; headers: Record<string, unknown>; json(): any }) {
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['www-authenticate'], 'otp');
  assert.match(res.json().error, /one-time pass/);
}

test('enable-2fa: otpauth URL, pending until confirmed, then ten 64-hex recovery codes', async () => {
  const token = await t.signUp('enrol');
  const start = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: { mode: 'auth-and-writes', password: PASSWORD } } });
  assert.equal(start.statusCode, 200);
  const url = new URL(start.json().tfa);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.host, 'totp');
  assert.equal(decodeURIComponent(url.pathname), '/Tessera Test:enrol');
  assert.equal(url.searchParams.get('issuer'), 'Tessera Test');
  assert.equal(url.searchParams.get('algorithm'), 'SHA1');
  assert.equal(url.searchParams.get('digits'), '6');
  assert.equal(url.searchParams.get('period'), '30');
  const secret = url.searchParams.get('secret')!;
  assert.match(secret, /^[A-Z2-7]{32}$/, '160 bits of base32');

  // Pending: shown as pending, not enforced.
  const profile = (await t.request({ url: '/-/npm/v1/user', token })).json();
  assert.deepEqual(profile.tfa, { mode: 'auth-and-writes', pending: true });
  assert.equal((await publish(token, 'pending-pkg', '1.0.0')).statusCode, 201);

  const wrong = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: ['000000'] } });
  assert.equal(wrong.statusCode, 400);
  assert.match(wrong.json().error, /did not match/);
  assert.deepEqual((await t.request({ url: '/-/npm/v1/user', token })).json().tfa, { mode: 'auth-and-writes', pending: true });

  const confirm = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: [codeAt(secret, clock)] } });
  assert.equal(confirm.statusCode, 200);
  const codes = confirm.json().tfa;
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[0-9a-f]{64}$/);
  assert.deepEqual((await t.request({ url: '/-/npm/v1/user', token })).json().tfa, { mode: 'auth-and-writes', pending: false });
  const left = (await t.request({ url: '/-/tessera/v1/recovery-codes', token })).json();
  assert.deepEqual(left, { remaining: 10, enabled: true });
});

test('a pending set-up can be reset without an OTP (npm does that unprompted)', async () => {
  const token = await t.signUp('resetter');
  await profileSet(token, { tfa: { mode: 'auth-only', password: PASSWORD } });
  const reset = await profileSet(token, { tfa: { mode: 'disable', password: PASSWORD } });
  assert.equal(reset.statusCode, 200);
  assert.equal(reset.json().tfa, false);
});

test('auth-and-writes: package writes and profile changes need an OTP; --otp succeeds', async () => {
  const token = await t.signUp('writer');
  assert.equal((await publish(token, 'aw-pkg', '1.0.0')).statusCode, 201);
  const { secret } = await enrol(t, token, clock);
  assertOtpChallenge(await publish(token, 'aw-pkg', '1.1.0'));
  assertOtpChallenge(await publish(token, 'aw-pkg', '1.1.0', '123456'));
  assert.equal((await publish(token, 'aw-pkg', '1.1.0', codeAt(secret, clock))).statusCode, 201);
  assertOtpChallenge(await publish(token, 'aw-new-pkg', '1.0.0'));
  const tag = (otp?: string) => t.request({ method: 'PUT', url: '/-/package/aw-pkg/dist-tags/beta', token, payload: '"1.0.0"', headers: { 'content-type': 'application/json', ...otpHeaders(otp) } });
  assertOtpChallenge(await tag());
  clock.advanceSeconds(30);
  assert.equal((await tag(codeAt(secret, clock))).statusCode, 201);
  assertOtpChallenge(await profileSet(token, { fullname: 'W. Riter' }));
  clock.advanceSeconds(30);
  const set = await profileSet(token, { fullname: 'W. Riter' }, codeAt(secret, clock));
  assert.equal(set.statusCode, 200);
  assert.equal(set.json().fullname, 'W. Riter');
  // A resend of unchanged fields changes nothing and needs nothing.
  assert.equal((await profileSet(token, { fullname: 'W. Riter', email: 'writer@example.com', homepage: null })).statusCode, 200);
  // Reads, whoami, search, profile and token reads are never challenged.
  for (const url of ['/aw-pkg', '/-/whoami', '/-/v1/search?text=aw', '/-/npm/v1/user', '/-/package/aw-pkg/dist-tags']) {
    assert.equal((await t.request({ url, token })).statusCode, 200, url);
  }
  clock.advanceSeconds(30);
});

test('auth-only: publishing stays free, login and identity changes are guarded', async () => {
  const token = await t.signUp('authonly');
  const { secret } = await enrol(t, token, clock, 'auth-only');
  assert.equal((await publish(token, 'ao-pkg', '1.0.0')).statusCode, 201);
  assert.equal((await profileSet(token, { fullname: 'Free Field' })).statusCode, 200);
  assertOtpChallenge(await profileSet(token, { email: 'new@example.com' }));
  assertOtpChallenge(await login('authonly'));
  const ok = await login('authonly', codeAt(secret, clock));
  assert.equal(ok.statusCode, 201);
  clock.advanceSeconds(30);
});

test('login: the password is checked first, then the OTP; a recovery code works once', async () => {
  const token = await t.signUp('loginer');
  const { secret, codes } = await enrol(t, token, clock);
  const wrongPw = await login('loginer', undefined, 'a wrong password for sure');
  assert.equal(wrongPw.statusCode, 401);
  assert.match(String(wrongPw.headers['www-authenticate']), /^Basic/);
  assert.doesNotMatch(wrongPw.body, /one-time pass/);
  assertOtpChallenge(await login('loginer'));
  const withCode = await login('loginer', codeAt(secret, clock));
  assert.equal(withCode.statusCode, 201);
  const withRecovery = await login('loginer', codes[0]);
  assert.equal(withRecovery.statusCode, 201);
  assertOtpChallenge(await login('loginer', codes[0]));
  const spaced = await login('loginer', ` ${codes[1].toUpperCase().slice(0, 32)} ${codes[1].toUpperCase().slice(32)} `);
  assert.equal(spaced.statusCode, 201, 'whitespace and case are normalised');
  assert.deepEqual((await t.request({ url: '/-/tessera/v1/recovery-codes', token })).json(), { remaining: 8, enabled: true });
  const log = (await t.request({ url: '/-/tessera/v1/security-log', token })).json().objects.map((e: any) => e.type);
  assert.ok(log.includes('recovery-code-used'));
  assert.ok(log.includes('login-failed'));
  clock.advanceSeconds(30);
});

test('a TOTP code is accepted once per account; only the token that used it may use it again', async () => {
  const a = await t.signUp('replay');
  const { secret } = await enrol(t, a, clock);
  const b = (await login('replay', codeAt(secret, clock))).json().token as string;
  // The login consumed this step; the session it created may present it again.
  const code = codeAt(secret, clock);
  assert.equal((await publish(b, 'replay-pkg', '1.0.0', code)).statusCode, 201);
  assertOtpChallenge(await publish(a, 'replay-pkg', '1.0.1', code));
  assert.equal((await publish(b, 'replay-pkg', '1.0.1', code)).statusCode, 201);
  // An older step is refused once a newer one was used.
  clock.advanceSeconds(30);
  assert.equal((await publish(a, 'replay-pkg', '1.0.2', codeAt(secret, clock))).statusCode, 201);
  assertOtpChallenge(await publish(b, 'replay-pkg', '1.0.3', codeAt(secret, clock, -1)));
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token: a })).json().objects.map((e: any) => e.type);
  assert.ok(types.includes('otp-replayed'));
  clock.advanceSeconds(30);
});

test('a failed write does not consume the step: the same code works on retry', async () => {
  const token = await t.signUp('retrier');
  const { secret } = await enrol(t, token, clock);
  const other = await login('retrier', codeAt(secret, clock));
  clock.advanceSeconds(30);
  const code = codeAt(secret, clock);
  await publish(other.json().token, 'retry-pkg', '1.0.0', code);
  const token2 = other.json().token as string;
  const dup = await publish(token2, 'retry-pkg', '1.0.0', code);
  assert.equal(dup.statusCode, 403, 'republishing is refused after the OTP check');
  clock.advanceSeconds(30);
});

test('ten wrong codes lock the second factor: 429 with Retry-After, even for a right code, uncounted', async () => {
  const token = await t.signUp('locked');
  const { secret } = await enrol(t, token, clock);
  for (let i = 0; i < 10; i++) assertOtpChallenge(await publish(token, 'lock-pkg', '1.0.0', '000000'));
  const locked = await publish(token, 'lock-pkg', '1.0.0', codeAt(secret, clock));
  assert.equal(locked.statusCode, 429);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.match(locked.json().error, /Too many/);
  assert.equal((await publish(token, 'lock-pkg', '1.0.0', '000000')).statusCode, 429, 'refusals during the lock are not counted');
  // The failures were charged to that token: the password sign-in keeps its own budget.
  assert.equal((await t.deps.store.users.findByName('locked'))!.otpFailures, 0);
  assert.equal((await login('locked', codeAt(secret, clock))).statusCode, 201);
  clock.advanceSeconds(31);
  assert.equal((await publish(token, 'lock-pkg', '1.0.0', codeAt(secret, clock))).statusCode, 201);
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token })).json().objects.map((e: any) => e.type);
  assert.ok(types.includes('otp-locked'));
  assert.ok(types.includes('otp-refused-locked'));
  clock.advanceSeconds(30);
});

test('switching mode and disabling need the password and an OTP', async () => {
  const token = await t.signUp('switcher');
  const { secret } = await enrol(t, token, clock);
  assertOtpChallenge(await profileSet(token, { tfa: { mode: 'auth-only', password: PASSWORD } }));
  const wrongPw = await profileSet(token, { tfa: { mode: 'auth-only', password: 'not my password at all' } }, codeAt(secret, clock));
  assert.equal(wrongPw.statusCode, 401);
  assert.doesNotMatch(wrongPw.body, /one-time pass/);
  clock.advanceSeconds(30);
  const sw = await profileSet(token, { tfa: { mode: 'auth-only', password: PASSWORD } }, codeAt(secret, clock));
  assert.equal(sw.statusCode, 200);
  assert.deepEqual(sw.json().tfa, { mode: 'auth-only', pending: false });
  assertOtpChallenge(await profileSet(token, { tfa: { mode: 'disable', password: PASSWORD } }));
  clock.advanceSeconds(30);
  const off = await profileSet(token, { tfa: { mode: 'disable', password: PASSWORD } }, codeAt(secret, clock));
  assert.equal(off.statusCode, 200);
  assert.equal(off.json().tfa, false);
  assert.equal((await login('switcher')).statusCode, 201);
});

test('bad 2FA input is a 400 and changes nothing', async () => {
  const token = await t.signUp('badinput');
  const { secret } = await enrol(t, token, clock);
  for (const tfa of [{ mode: 'sometimes', password: PASSWORD }, { mode: 'auth-only' }, 'auth-only', ['1', '2'], [123456], { mode: 'auth-only', password: PASSWORD, extra: 1 }]) {
    const res = await profileSet(token, { tfa }, codeAt(secret, clock));
    assert.equal(res.statusCode, 400, JSON.stringify(tfa));
  }
  for (const otp of ['12345', '1234567', 'abc', 'x'.repeat(200), 'f'.repeat(63)]) {
    const res = await publish(token, 'bad-otp-pkg', '1.0.0', otp);
    assert.equal(res.statusCode, 400, otp);
    assert.match(res.json().error, /npm-otp/);
  }
  assert.deepEqual((await t.request({ url: '/-/npm/v1/user', token })).json().tfa, { mode: 'auth-and-writes', pending: false });
  assert.equal(await t.deps.store.packages.get('bad-otp-pkg'), null);
  clock.advanceSeconds(30);
});

test('changing the password checks the current one and ends the other sessions only', async () => {
  const token = await t.signUp('pwchanger');
  const other = (await login('pwchanger')).json().token as string;
  const wrong = await profileSet(token, { password: { old: 'this is not it at all', new: 'a brand new passphrase' } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().error, 'Incorrect password.');
  const ok = await profileSet(token, { password: { old: PASSWORD, new: 'a brand new passphrase' } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().password, undefined);
  assert.equal((await t.request({ url: '/-/whoami', token })).statusCode, 200);
  assert.equal((await t.request({ url: '/-/whoami', token: other })).statusCode, 401);
  assert.equal((await login('pwchanger', undefined, 'a brand new passphrase')).statusCode, 201);
});

test('profile set validates values: e-mail shape, http(s) URLs, unknown keys', async () => {
  const token = await t.signUp('validator');
  assert.equal((await profileSet(token, { email: 'nope' })).statusCode, 400);
  assert.equal((await profileSet(token, { homepage: 'javascript:alert(1)' })).statusCode, 400);
  assert.equal((await profileSet(token, { name: 'other' })).statusCode, 400);
  assert.equal((await profileSet(token, { email_verified: true })).statusCode, 400);
  const ok = await profileSet(token, { homepage: 'https://example.com/me', github: 'me', twitter: 'me', freenode: 'me', email: 'v2@example.com' });
  assert.equal(ok.statusCode, 200);
  const p = ok.json();
  assert.equal(p.homepage, 'https://example.com/me');
  assert.equal(p.email, 'v2@example.com');
  assert.equal(p.email_verified, false);
});

test('TOTP secrets are encrypted at rest under a 0600 server key, and rotation keeps codes working', async () => {
  const token = await t.signUp('atrest');
  const { secret } = await enrol(t, token, clock);
  const keyFile = join(t.dataDir, 'server.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  const db = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
  const row = db.prepare('SELECT tfa_secret FROM users WHERE name = ?').get('atrest') as { tfa_secret: string };
  db.close();
  assert.ok(!row.tfa_secret.includes(secret));
  assert.match(row.tfa_secret, /^v1\./);

  // A second server on the same data with a new current key and the old one kept.
  const oldSpec = readFileSync(keyFile, 'utf8').trim();
  const rotated = await startApp({ data: t.dataDir, 'totp-keys': `new1:${Buffer.alloc(32, 7).toString('base64')},${oldSpec}` }, clock);
  try {
    const res = await rotated.request({ method: 'PUT', url: '/-/user/org.couchdb.user:atrest', payload: { name: 'atrest', password: PASSWORD }, headers: { 'npm-otp': codeAt(secret, clock) } });
    assert.equal(res.statusCode, 201);
    const db2 = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
    const after = db2.prepare('SELECT tfa_secret FROM users WHERE name = ?').get('atrest') as { tfa_secret: string };
    db2.close();
    assert.match(after.tfa_secret, /^v1\.new1\./, 'resealed under the current key');
  } finally {
    await rotated.app.close();
  }
  clock.advanceSeconds(30);
});

test('the package mfa setting: an OTP for every owner with 2FA, 403 for owners without', async () => {
  const withTfa = await t.signUp('mfaowner');
  const { secret } = await enrol(t, withTfa, clock, 'auth-only');
  assert.equal((await publish(withTfa, 'mfa-guarded', '1.0.0')).statusCode, 201);
  const set = await t.request({ method: 'POST', url: '/-/package/mfa-guarded/access', token: withTfa, payload: { publish_requires_tfa: true, automation_token_overrides_tfa: false } });
  assert.equal(set.statusCode, 200, 'auth-only: settings changes need no OTP');
  assertOtpChallenge(await publish(withTfa, 'mfa-guarded', '1.1.0'));
  assert.equal((await publish(withTfa, 'mfa-guarded', '1.1.0', codeAt(secret, clock))).statusCode, 201);
  const without = await t.signUp('mfaplain');
  const doc = (await t.request({ url: '/mfa-guarded' })).json();
  clock.advanceSeconds(30);
  const addOwner = await t.request({ method: 'PUT', url: `/mfa-guarded/-rev/${doc._rev}`, token: withTfa, headers: { 'npm-otp': codeAt(secret, clock) }, payload: { _id: 'mfa-guarded', _rev: doc._rev, maintainers: [{ name: 'mfaowner' }, { name: 'mfaplain' }] } });
  assert.equal(addOwner.statusCode, 200);
  const refused = await publish(without, 'mfa-guarded', '1.2.0');
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().error, /enable two-factor/);
  clock.advanceSeconds(30);
});

test('an administrator can reset a lost second factor; it shows in the security log', async () => {
  const token = await t.signUp('lostit');
  await enrol(t, token, clock);
  assertOtpChallenge(await login('lostit'));
  await resetTwoFactor(t.deps, 'lostit');
  const res = await login('lostit');
  assert.equal(res.statusCode, 201);
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token: res.json().token })).json().objects.map((e: any) => e.type);
  assert.ok(types.includes('tfa-reset-by-admin'));
});

test('recovery codes can be regenerated with password and OTP; the old set dies', async () => {
  const token = await t.signUp('regen');
  const { secret, codes } = await enrol(t, token, clock);
  assertOtpChallenge(await t.request({ method: 'POST', url: '/-/tessera/v1/recovery-codes', token, payload: { password: PASSWORD } }));
  const res = await t.request({ method: 'POST', url: '/-/tessera/v1/recovery-codes', token, payload: { password: PASSWORD }, headers: { 'npm-otp': codeAt(secret, clock) } });
  assert.equal(res.statusCode, 200);
  const fresh = res.json().codes as string[];
  assert.equal(fresh.length, 10);
  assertOtpChallenge(await login('regen', codes[0]));
  assert.equal((await login('regen', fresh[0])).statusCode, 201);
  clock.advanceSeconds(30);
});
