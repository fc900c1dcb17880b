// Passkeys (issue #17) in process: the policy and the HTTP shapes around them. The ceremonies
// themselves (real signatures from an authenticator) are in test/browser/passkeys.test.ts; here
// keys are put in the store as the registration would, to test who is asked for what.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { passkeyRegistrationOptions } from '../../src/core/accounts/passkeys.ts';
import { generateRecoveryCodes, hashRecoveryCode } from '../../src/core/accounts/recovery-codes.ts';
import { isDomainError } from '../../src/core/errors.ts';
import type { Passkey } from '../../src/core/ports.ts';
import { createServer, passkeyNotice } from '../../src/server.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';
import { webBrowser } from '../support/web-browser.ts';

const key = (userId: number, id: string): Passkey => ({ id, userId, name: 'Laptop', publicKey: 'pQECAyYgASFYIA', counter: 3, transports: ['internal'], multiDevice: false, backedUp: false, createdAt: new Date().toISOString(), lastUsedAt: null });
const on = { mode: 'auth-and-writes' as const, pending: false, secret: null, lastStep: null, lastStepKey: null };

describe('an account with passkeys only', () => {
  let t: TestApp;
  let token: string;
  let codes: string[];
  before(async () => {
    t = await startApp();
    token = await t.signUp('alice');
    const alice = (await t.deps.store.users.findByName('alice'))!;
    codes = generateRecoveryCodes();
    await t.deps.store.passkeys.add(key(alice.id, 'cred-alice'), { tfa: on, recoveryHashes: codes.map(hashRecoveryCode) });
  });
  after(() => t.close());

  test('has 2FA on for npm profile get (tfa field) and every policy', async () => {
    const res = await t.request({ url: '/-/npm/v1/user', token });
    assert.deepEqual(res.json().tfa, { mode: 'auth-and-writes', pending: false });
  });

  test('is offered the browser approval on every npm write (npm-auth-type sent), even with the setting off', async () => {
    for (const authType of ['web', 'legacy']) {
      const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-auth-type': authType, 'npm-command': 'profile' }, payload: { fullname: 'Alice' } });
      assert.equal(res.statusCode, 401, res.body);
      assert.match(res.json().authUrl, /^http:\/\/registry\.test\/-\/web\/otp\/[A-Za-z0-9_-]{43}$/);
      assert.match(res.json().doneUrl, /\/-\/v1\/otp-done\?authId=/);
    }
    // A client that is not npm (no npm-auth-type) gets the plain challenge.
    const plain = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { fullname: 'Alice' } });
    assert.equal(plain.statusCode, 401);
    assert.equal(plain.json().authUrl, undefined);
  });

  test('a TOTP code never passes (there is no secret); a recovery code does, once', async () => {
    const code = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': '123456' }, payload: { fullname: 'Alice' } });
    assert.equal(code.statusCode, 401);
    const recovery = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codes[0] }, payload: { fullname: 'Alice' } });
    assert.equal(recovery.statusCode, 200, recovery.body);
    assert.equal(recovery.json().fullname, 'Alice');
    const again = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codes[0] }, payload: { fullname: 'Bob' } });
    assert.equal(again.statusCode, 401);
  });

  test('npm profile disable-2fa cannot remove passkeys (they go one by one on the web page)', async () => {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codes[1] }, payload: { tfa: { mode: 'disable', password: 'violet kettle orbit 42' } } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().error, /passkeys/);
    assert.equal((await t.deps.store.passkeys.list((await t.deps.store.users.findByName('alice'))!.id)).length, 1);
  });

  test('the passkey JSON endpoints answer a malformed or missing answer with a 4xx, never a 5xx', async () => {
    const web = webBrowser(t);
    await web.get('/-/web/login');
    const bad = ['', 'not json', '[]', '{"id":"x"}', '{"id":"x","type":"public-key","response":{"clientDataJSON":"@@"}}', `{"id":"${'a'.repeat(40000)}"}`];
    for (const assertion of bad) {
      const res = await web.post('/-/web/login/passwordless', { assertion, next: '/-/web/' });
      assert.equal(res.statusCode, 400, `${assertion.slice(0, 40)}: ${res.statusCode}`);
      assert.match(res.body, /passkey answer is malformed/);
    }
    // A well-formed answer to a challenge that was never issued.
    const client = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'AAAA', origin: 'http://registry.test' })).toString('base64url');
    const unknown = await web.post('/-/web/login/passwordless', { assertion: JSON.stringify({ id: 'cred-alice', type: 'public-key', response: { clientDataJSON: client } }), next: '/-/web/' });
    assert.equal(unknown.statusCode, 401);
    assert.match(unknown.body, /expired, was used already/);
    const alice = (await t.deps.store.users.findByName('alice'))!;
    const log = await t.deps.store.events.list(alice.id, { limit: 5 });
    assert.equal(log[0].type, 'passkey-failed', 'a refused answer is logged like a wrong code');
    assert.equal(log[0].detail?.reason, 'challenge');
  });

  test('the options endpoints need a session or a sign-in in progress, and answer JSON', async () => {
    const web = webBrowser(t);
    await web.get('/-/web/login');
    const reg = await web.post('/-/web/passkeys/options', {});
    assert.equal(reg.statusCode, 401);
    assert.match(reg.json().error, /sign in/);
    const second = await web.post('/-/web/login/passkey/options', {});
    assert.equal(second.statusCode, 401);
    const passwordless = await web.post('/-/web/login/passwordless/options', {});
    assert.equal(passwordless.statusCode, 200);
    assert.equal(passwordless.json().userVerification, 'required', 'passwordless sign-in requires user verification');
    assert.equal(passwordless.json().rpId, 'registry.test');
    assert.deepEqual(passwordless.json().allowCredentials, []);
  });
});

describe('moving from TOTP to passkeys', () => {
  test('with a passkey registered, turning TOTP off keeps 2FA on with the passkeys and the recovery codes; codes then no longer pass', async () => {
    const clock = new TestClock(Date.now());
    const t = await startApp({}, clock);
    try {
      const token = await t.signUp('dana');
      const { secret, codes } = await enrol(t, token, clock);
      const dana = (await t.deps.store.users.findByName('dana'))!;
      // As the registration does for an account with 2FA on already: no new 2FA state, no new codes.
      await t.deps.store.passkeys.add(key(dana.id, 'cred-dana'));
      const off = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codeAt(secret, clock) }, payload: { tfa: { mode: 'disable', password: PASSWORD } } });
      assert.equal(off.statusCode, 200, off.body);
      assert.deepEqual(off.json().tfa, { mode: 'auth-and-writes', pending: false }, '2FA stays on');
      const after = (await t.deps.store.users.findById(dana.id))!;
      assert.equal(after.tfa?.secret, null, 'the TOTP secret is gone');
      assert.equal((await t.deps.store.users.unusedRecoveryCodes(dana.id)).length, 10, 'the recovery codes stay');
      assert.equal((await t.deps.store.events.list(dana.id, { limit: 1 }))[0].type, 'totp-removed');
      clock.advanceSeconds(30);
      const code = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codeAt(secret, clock), 'npm-auth-type': 'web' }, payload: { fullname: 'D' } });
      assert.equal(code.statusCode, 401, 'a code from the removed app is refused');
      const recovery = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-otp': codes[0] }, payload: { fullname: 'D' } });
      assert.equal(recovery.statusCode, 200, recovery.body);
    } finally {
      await t.close();
    }
  });
});

describe('the passkey policy (twoFactorMethods) and the public URL', () => {
  test('webauthn: a new TOTP set-up (npm profile enable-2fa) is refused; totp: a new passkey is refused', async () => {
    const t = await startApp({ 'two-factor-methods': 'webauthn' });
    try {
      const token = await t.signUp('alice');
      const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { tfa: { mode: 'auth-and-writes', password: PASSWORD } } });
      assert.equal(res.statusCode, 403);
      assert.match(res.json().error, /only passkeys and security keys/);
    } finally {
      await t.close();
    }
    const clock = new TestClock(Date.now());
    const t2 = await startApp({ 'two-factor-methods': 'totp' }, clock);
    try {
      const token = await t2.signUp('bob');
      await enrol(t2, token, clock);
      const bob = (await t2.deps.store.users.findByName('bob'))!;
      await assert.rejects(passkeyRegistrationOptions(t2.deps, bob, 'session'), (e) => isDomainError(e) && e.code === 'FORBIDDEN');
      const profile = await t2.request({ url: '/-/npm/v1/user', token });
      assert.deepEqual(profile.json().tfa, { mode: 'auth-and-writes', pending: false }, 'existing TOTP set-ups work under any policy');
    } finally {
      await t2.close();
    }
  });

  test('an IP address public URL turns passkeys off with an explanation; webauthn-only there is a start-up error', async () => {
    const config = (flags: Record<string, string>) => loadConfig({ flags: { data: '/nonexistent-tessera', upstream: 'none', ...flags }, env: {} });
    assert.match(passkeyNotice(config({ url: 'http://127.0.0.1:4873/' }))!, /passkeys and security keys are off.*host name \(localhost included\)/);
    assert.match(passkeyNotice(config({ host: '127.0.0.1', port: '4873' }))!, /IP address/);
    assert.equal(passkeyNotice(config({ url: 'http://localhost:4873/' })), null);
    assert.equal(passkeyNotice(config({ url: 'http://[::1]:4873/', 'two-factor-methods': 'totp' })), null);
    await assert.rejects(createServer(config({ url: 'http://[::1]:4873/', 'two-factor-methods': 'webauthn' })), /twoFactorMethods is "webauthn".*IP address/);

    const t = await startApp({ url: 'http://127.0.0.1:4873/' });
    try {
      const token = await t.signUp('carol');
      const carol = (await t.deps.store.users.findByName('carol'))!;
      await assert.rejects(passkeyRegistrationOptions(t.deps, carol, 'session'), (e) => isDomainError(e) && e.code === 'BAD_REQUEST' && /host name/.test(e.message));
      const web = webBrowser(t, 'http://127.0.0.1:4873');
      await web.get('/-/web/login');
      await web.post('/-/web/login', { name: 'carol', password: PASSWORD, next: '/-/web/' });
      const page = await web.get('/-/web/passkeys');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /id="passkeys-unavailable"[^>]*>Passkeys are off on this registry/);
      assert.doesNotMatch((await web.get('/-/web/login')).body, /Sign in with a passkey/);
      assert.ok(token);
    } finally {
      await t.close();
    }
  });
});
