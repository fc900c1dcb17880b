// Web forms confirmed with a passkey, in process: a software authenticator (a P-256 key made
// here, signing as WebAuthn L3 6.3.3 and 7.2 describe) answers the options of one form's
// action; that answer confirms that form and is refused by every other form (the challenge is
// bound to the session and the action, core/accounts/passkey-assertion.ts). And the npm-notice
// of an OTP challenge for a passkey-only account names what it has.

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setAdmin } from '../../src/core/accounts/admin.ts';
import { generateRecoveryCodes, hashRecoveryCode } from '../../src/core/accounts/recovery-codes.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { webBrowser, type WebBrowser } from '../support/web-browser.ts';

const ORIGIN = 'http://registry.test';
const b64u = (b: Buffer) => b.toString('base64url');

/** A platform authenticator holding one P-256 key; its counter grows with each signature. */
class SoftKey {
  readonly id = b64u(Buffer.from('soft-key-credential-0001'));
  private readonly priv: KeyObject;
  readonly cose: string;
  private counter = 0;
  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.priv = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    const y = Buffer.from(jwk.y!, 'base64url');
    // COSE_Key (RFC 9053): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, in CBOR.
    this.cose = b64u(Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]));
  }
  /** The JSON @simplewebauthn/browser's startAuthentication gives for these options. */
  answer(options: { challenge: string; rpId: string }): string {
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ORIGIN, crossOrigin: false }));
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(++this.counter);
    // rpIdHash, flags UP|UV, signCount.
    const authData = Buffer.concat([createHash('sha256').update(options.rpId).digest(), Buffer.from([0x05]), counter]);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), this.priv);
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature) },
      clientExtensionResults: {},
    });
  }
}

describe('a passkey answer confirms only the form it was made for', () => {
  let t: TestApp;
  let web: WebBrowser;
  let token: string;
  const key = new SoftKey();

  before(async () => {
    t = await startApp();
    token = await t.signUp('pia');
    await t.signUp('bo');
    web = webBrowser(t);
    await web.get('/-/web/login');
    assert.equal((await web.post('/-/web/login', { name: 'pia', password: PASSWORD, next: '/-/web/' })).statusCode, 303);
    // Passkeys only, as the first registration leaves an account (no authenticator app).
    const pia = (await t.deps.store.users.findByName('pia'))!;
    const tfa = { mode: 'auth-and-writes' as const, pending: false, secret: null, lastStep: null, lastStepKey: null };
    const passkey = { id: key.id, userId: pia.id, name: 'Soft', publicKey: key.cose, counter: 0, transports: ['internal'], multiDevice: false, backedUp: false, createdAt: new Date().toISOString(), lastUsedAt: null };
    await t.deps.store.passkeys.add(passkey, { tfa, recoveryHashes: generateRecoveryCodes().map(hashRecoveryCode) });
    await setAdmin(t.deps, 'pia', true);
  });
  after(() => t.close());

  /** The answer of the authenticator to the options of `action` (this session). */
  const answerFor = async (action: string): Promise<string> => {
    const res = await web.post(`/-/web/passkeys/assert-options?action=${action}`, {});
    assert.equal(res.statusCode, 200, res.body);
    return key.answer(res.json());
  };
  const tokenNames = async () => ((await t.request({ url: '/-/npm/v1/tokens', token })).json() as { objects: Array<{ name: string | null }> }).objects.map((o) => o.name);

  test('the pages offer the passkey on each form, with its own action', async () => {
    const page = await web.get('/-/web/tokens');
    assert.match(page.body, /action="\/-\/web\/tokens" data-passkey="get" data-passkey-unless="otp" data-get-options="\/-\/web\/passkeys\/assert-options\?action=token-create"/);
    assert.match(page.body, /Leave empty to confirm with your passkey, or give a recovery code\./);
    assert.match(page.body, /<script src="\/-\/web\/static\/webauthn\.js\?v=[^"]+" defer><\/script>\n<script src="\/-\/web\/static\/passkeys\.js\?v=[^"]+" defer><\/script>/);
    assert.equal(page.body.match(/static\/passkeys\.js/g)?.length, 1, 'the scripts are loaded once');
    const profile = await web.get('/-/web/profile');
    assert.match(profile.body, /assert-options\?action=profile-save"/);
    assert.match(profile.body, /assert-options\?action=password-change"/);
    const admin = await web.get('/-/web/admin/users/bo');
    assert.match(admin.body, /assert-options\?action=admin-disable"/);
  });

  test('an answer made for token revocation is refused by token creation, the profile and an admin action; the right one passes', async () => {
    await web.get('/-/web/tokens');
    const refused = await web.post('/-/web/tokens', { name: 'wrong-form', password: PASSWORD, assertion: await answerFor('token-revoke') });
    assert.equal(refused.statusCode, 401, refused.body);
    assert.match(refused.body, /made for something else/);
    assert.ok(!(await tokenNames()).includes('wrong-form'));

    await web.get('/-/web/profile');
    const profile = await web.post('/-/web/profile', { email: 'pia@example.com', fullname: 'Wrong', assertion: await answerFor('token-create') });
    assert.equal(profile.statusCode, 401, profile.body);
    assert.notEqual((await t.request({ url: '/-/npm/v1/user', token })).json().fullname, 'Wrong');

    await web.get('/-/web/admin/users/bo');
    const admin = await web.post('/-/web/admin/users/bo/disable', { assertion: await answerFor('admin-delete') });
    assert.equal(admin.statusCode, 401, admin.body);
    assert.equal((await t.deps.store.users.findByName('bo'))!.status, 'active');

    // Nor does a form pass without any factor.
    await web.get('/-/web/tokens');
    const none = await web.post('/-/web/tokens', { name: 'no-factor', password: PASSWORD });
    assert.equal(none.statusCode, 401, none.body);

    await web.get('/-/web/tokens');
    const created = await web.post('/-/web/tokens', { name: 'right-form', password: PASSWORD, assertion: await answerFor('token-create') });
    assert.equal(created.statusCode, 201, created.body);
    assert.ok((await tokenNames()).includes('right-form'));
    await web.get('/-/web/admin/users/bo');
    const disabled = await web.post('/-/web/admin/users/bo/disable', { assertion: await answerFor('admin-disable') });
    assert.equal(disabled.statusCode, 303, disabled.body);
    assert.equal((await t.deps.store.users.findByName('bo'))!.status, 'disabled');
  });

  test('an answer is used once: the same answer again is refused', async () => {
    await web.get('/-/web/profile');
    const answer = await answerFor('profile-save');
    const first = await web.post('/-/web/profile', { email: 'pia@example.com', fullname: 'Pia', assertion: answer });
    assert.equal(first.statusCode, 303, first.body);
    await web.get('/-/web/profile');
    const again = await web.post('/-/web/profile', { email: 'pia@example.com', fullname: 'Pia Again', assertion: answer });
    assert.equal(again.statusCode, 401, again.body);
  });

  test('a malformed passkey answer on a form is a 400 naming it, and changes nothing', async () => {
    for (const assertion of ['not json', '[]', '{"id":"x"}', `{"id":"${'a'.repeat(40000)}"}`]) {
      await web.get('/-/web/tokens');
      const res = await web.post('/-/web/tokens', { name: 'malformed', password: PASSWORD, assertion });
      assert.equal(res.statusCode, 400, `${assertion.slice(0, 20)}: ${res.statusCode}`);
      assert.match(res.body, /passkey answer is malformed/);
    }
    assert.ok(!(await tokenNames()).includes('malformed'));
  });

  test('the options endpoint refuses an action no form has', async () => {
    await web.get('/-/web/tokens');
    const res = await web.post('/-/web/passkeys/assert-options?action=token-create-everything', {});
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error, /Unknown passkey action/);
  });

  test('the npm-notice of an OTP challenge names the passkey approval or a recovery code, not an authenticator app', async () => {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, payload: { fullname: 'X' } });
    assert.equal(res.statusCode, 401, res.body);
    const notice = String(res.headers['npm-notice']);
    assert.match(notice, /approve it with your passkey at the browser link npm shows, or give one of your recovery codes/);
    assert.doesNotMatch(notice, /authenticator app/);
    const web2 = await t.request({ method: 'POST', url: '/-/npm/v1/user', token, headers: { 'npm-auth-type': 'web', 'npm-command': 'profile' }, payload: { fullname: 'X' } });
    assert.equal(web2.statusCode, 401);
    assert.match(String(web2.headers['npm-notice']), /^This operation requires your second factor: approve it with your passkey/);
  });
});
