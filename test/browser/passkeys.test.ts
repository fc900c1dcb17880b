// Passkeys and security keys (issue #17) in Chromium with a virtual authenticator from the
// DevTools protocol (WebAuthn.enable / addVirtualAuthenticator): enrol, sign out and in with
// it, `npm publish` from a real npm process (on a terminal) waiting on the web approval while
// the browser approves with the passkey, a passkey-only account logging in with `npm login`
// (web login), passwordless sign-in, removal; and the refusals: a challenge used twice, an
// assertion from another user's key, a counter that went backwards, another origin, a removed key.
// Tessera's public URL is on `localhost`: an IP address cannot be an RP ID.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CDPSession, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.ts';
import { createServer, type Server } from '../../src/server.ts';
import { type Browser, enrolOverApi, launchBrowser, PASSWORD, type Registry, screenshot, signInWithKeyboard, skip, signUp as harnessSignUp } from './harness.ts';


let server: Server;
let url: string;
let data: string;
let browser: Browser;
let cdp: CDPSession;
let authenticatorId: string;

before(async () => {
  if (skip) return;
  data = mkdtempSync(join(tmpdir(), 'tessera-passkeys-'));
  server = await createServer(loadConfig({ flags: { data, host: 'localhost', port: '0', upstream: 'none', 'password-failures-per-address': '1000000', 'signups-per-hour': '1000000', 'logins-per-hour': '1000000' }, env: {} }));
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://localhost:${(server.app.server.address() as AddressInfo).port}/`;
  server.deps.settings.publicUrl = url;
  browser = await launchBrowser();
  cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  authenticatorId = (
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
  ).authenticatorId;
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (data) rmSync(data, { recursive: true, force: true });
});

const signUp = (name: string): Promise<string> => harnessSignUp({ url }, name);

async function signOut(page: Page) {
  await Promise.all([page.waitForURL(/\/-\/web\/login/), page.getByRole('button', { name: /Sign out/ }).click()]);
}

async function signInWithPasskey(page: Page, name: string) {
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, name);
  await page.waitForSelector('#login-passkey');
  await Promise.all([page.waitForURL(`${url}-/web/`), page.getByRole('button', { name: 'Use your passkey' }).click()]);
}

async function enrol(page: Page, name: string, keyName: string): Promise<string[]> {
  await page.goto(`${url}-/web/passkeys`);
  await page.fill('#passkey-name', keyName);
  await page.fill('#passkey-password', PASSWORD);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  // The answer to the POST: the recovery codes (first key), or the list again.
  await page.waitForSelector('#recovery-codes, .notice');
  return page.locator('#recovery-codes li').allTextContents();
}

/** In the page: options from `optionsUrl` (the page's CSRF token), then the authenticator's answer, as JSON text. */
async function assertionIn(page: Page, optionsUrl: string, tamper?: { allow?: string }): Promise<{ answer: string; csrf: string }> {
  // A string, run in the page (this file is type-checked without the DOM library).
  const script = `(async () => {
    const csrf = document.querySelector('input[name="_csrf"]').value;
    const res = await fetch(${JSON.stringify(optionsUrl)}, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }) });
    const options = await res.json();
    if (!res.ok) throw new Error(JSON.stringify(options));
    const allow = ${JSON.stringify(tamper?.allow ?? null)};
    if (allow) options.allowCredentials = [{ id: allow, type: 'public-key' }];
    return { answer: JSON.stringify(await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: options })), csrf };
  })()`;
  return (await page.evaluate(script)) as { answer: string; csrf: string };
}

/** A form POST from outside the browser with the browser's cookies (as a replaying attacker would). */
async function postAs(page: Page, path: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
  const cookies = (await page.context().cookies(url)).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(`${url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: cookies, origin: url.slice(0, -1), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, body: await res.text() };
}

/** npm on a terminal (script(1)), so that it follows the web approval (npm lib/utils/auth.js otplease). */
function npmOnTerminal(dir: string, args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|tessera_)/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, { HOME: dir, npm_config_userconfig: join(dir, 'npmrc'), npm_config_cache: join(dir, 'cache'), npm_config_globalconfig: join(dir, 'none'), NO_COLOR: '1' });
  const cmd = ['npm', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, output: () => out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''), exit };
}

async function waitFor(read: () => string, re: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() > end) throw new Error(`no ${re} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function npmDir(token?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-npm-pk-'));
  const lines = [`registry=${url}`, 'update-notifier=false', 'audit=false', 'fund=false', 'fetch-retries=0', 'color=false', 'progress=false', 'browser=false'];
  if (token) lines.push(`//${new URL(url).host}/:_authToken=${token}`);
  writeFileSync(join(dir, 'npmrc'), `${lines.join('\n')}\n`);
  return dir;
}

test('enrol a passkey, sign out and in with it, approve npm publish with it, passwordless sign-in', { skip, timeout: 240_000 }, async () => {
  const token = await signUp('alice');
  const { page } = browser;
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'alice');
  await page.waitForURL(`${url}-/web/`);

  // Enrolment: the first key turns 2FA on (auth-and-writes) and shows 10 recovery codes once.
  await page.goto(`${url}-/web/passkeys`);
  await screenshot(page, 'passkeys-empty');
  const codes = await enrol(page, 'alice', 'Work laptop');
  assert.equal(codes.length, 10);
  assert.match(codes[0], /^[0-9a-f]{64}$/);
  await page.goto(`${url}-/web/passkeys`);
  assert.match((await page.textContent('#passkeys'))!, /Work laptop/);
  assert.equal(await page.textContent('#tfa-state'), 'on');
  await screenshot(page, 'passkeys-enrolment');
  const profile = (await (await fetch(`${url}-/npm/v1/user`, { headers: { authorization: `Bearer ${token}` } })).json()) as { tfa: unknown };
  assert.deepEqual(profile.tfa, { mode: 'auth-and-writes', pending: false });

  // Sign out, sign in with the password and the passkey (no code).
  await signOut(page);
  await signInWithPasskey(page, 'alice');
  assert.match((await page.textContent('nav'))!, /Sign out alice/);
  await page.goto(`${url}-/web/passkeys`);
  assert.doesNotMatch((await page.textContent('#passkeys'))!, /never/, 'the key shows its last use');

  // npm publish: the account has passkeys only, so npm is sent to the web approval and polls.
  const dir = npmDir(token);
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'pk-pkg', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), 'module.exports = 1;\n');
  const npm = npmOnTerminal(dir, ['publish', pkg]);
  try {
    const [authUrl] = await waitFor(npm.output, /http:\/\/localhost:\d+\/-\/web\/otp\/[A-Za-z0-9_-]{43}/);
    await page.goto(authUrl);
    const facts = (await page.textContent('#otp-request'))!;
    assert.match(facts, /npm publish/);
    assert.match(facts, /pk-pkg@1\.0\.0/);
    assert.match(facts, /PUT \/pk-pkg/);
    await screenshot(page, 'passkeys-approval');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Approve with your passkey' }).click()]);
    await page.waitForSelector('text=Approved');
    assert.equal(await npm.exit, 0, npm.output());
    assert.match(npm.output(), /\+ pk-pkg@1\.0\.0/);
  } finally {
    try {
      process.kill(-npm.child.pid!, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }

  // Passwordless: a discoverable passkey with user verification, no password.
  await signOut(page);
  await page.goto(`${url}-/web/login`);
  await Promise.all([page.waitForURL(`${url}-/web/`), page.getByRole('button', { name: 'Sign in with a passkey' }).click()]);
  assert.match((await page.textContent('nav'))!, /Sign out alice/);

  // The account's other changes are confirmed with the passkey too (no code typed): a mode change.
  await page.goto(`${url}-/web/2fa`);
  await page.click('#action-mode summary');
  await page.check('input[name="mode"][value="auth-only"]');
  await page.fill('#mode-password', PASSWORD);
  await Promise.all([page.waitForURL(/2fa\?done=mode/), page.locator('form[action$="2fa/mode"] button[type="submit"]').click()]);
  assert.match((await page.textContent('main'))!, /mode auth-only/);

  // A second key (a spare on another authenticator): the account has passkeys only, so the
  // browser first confirms with the existing key, then creates the new one.
  const spare = (
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
  ).authenticatorId;
  try {
    await page.goto(`${url}-/web/passkeys`);
    await page.fill('#passkey-name', 'Spare key');
    await page.fill('#passkey-password', PASSWORD);
    await Promise.all([page.waitForURL(/passkeys\?done=added/), page.getByRole('button', { name: 'Add a passkey' }).click()]);
    assert.match((await page.textContent('#passkeys'))!, /Spare key/);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: spare });
    assert.equal(credentials.length, 1, 'the new key was made on the spare authenticator');
  } finally {
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: spare });
  }
  // The screenshots docs/security.md shows: scripts/docs-screenshots.mjs copies them to docs/img/.
});

test('a passkey-only account logs in with npm login (web login)', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  const dir = npmDir();
  const npm = npmOnTerminal(dir, ['login']);
  try {
    const [loginUrl] = await waitFor(npm.output, /http:\/\/localhost:\d+\/-\/web\/cli-login\/[A-Za-z0-9_-]+/);
    await page.goto(loginUrl);
    await page.getByRole('button', { name: /Approve|Log in|Allow/ }).first().click();
    assert.equal(await npm.exit, 0, npm.output());
    const who = npmOnTerminal(dir, ['whoami']);
    assert.equal(await who.exit, 0);
    assert.match(who.output(), /alice/);
  } finally {
    try {
      process.kill(-npm.child.pid!, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refused: a challenge used twice, another user\'s key, another origin, a counter gone backwards, a removed key', { skip, timeout: 180_000 }, async () => {
  const { page } = browser;
  await signOut(page);

  // A challenge answered twice: the first answer signs in, the replay is refused.
  await page.goto(`${url}-/web/login`);
  const once = await assertionIn(page, `${url}-/web/login/passwordless/options`);
  const first = await postAs(page, '-/web/login/passwordless', { _csrf: once.csrf, assertion: once.answer, next: '/-/web/' });
  assert.equal(first.status, 303, first.body);
  const replay = await postAs(page, '-/web/login/passwordless', { _csrf: once.csrf, assertion: once.answer, next: '/-/web/' });
  assert.equal(replay.status, 401);
  assert.match(replay.body, /expired, was used already/);

  // Bob enrols his own key; an answer from Alice's key to Bob's challenge is refused.
  await signUp('bob');
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'bob');
  await page.waitForURL(`${url}-/web/`);
  await enrol(page, 'bob', 'Bob key');
  await signOut(page);
  const alice = (await server.deps.store.passkeys.list((await server.deps.store.users.findByName('alice'))!.id))[0];
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'bob');
  await page.waitForSelector('#login-passkey');
  const foreign = await assertionIn(page, `${url}-/web/login/passkey/options`, { allow: alice.id });
  const wrongUser = await postAs(page, '-/web/login/passkey', { _csrf: foreign.csrf, assertion: foreign.answer });
  assert.equal(wrongUser.status, 401);
  assert.match(wrongUser.body, /not registered to this account/);

  // Another origin: the same kind of answer, its client data naming another site.
  const good = await assertionIn(page, `${url}-/web/login/passkey/options`);
  const parsed = JSON.parse(good.answer);
  const client = JSON.parse(Buffer.from(parsed.response.clientDataJSON, 'base64url').toString());
  client.origin = 'http://localhost.evil.example:8080';
  parsed.response.clientDataJSON = Buffer.from(JSON.stringify(client)).toString('base64url');
  const wrongOrigin = await postAs(page, '-/web/login/passkey', { _csrf: good.csrf, assertion: JSON.stringify(parsed) });
  assert.equal(wrongOrigin.status, 401);
  assert.match(wrongOrigin.body, /origin/i);

  // A cloned authenticator: Alice's key put back with its counter at 0.
  await page.goto(`${url}-/web/login`);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  const aliceCred = credentials.find((c) => Buffer.from(c.credentialId, 'base64').toString('base64url') === alice.id)!;
  assert.ok(aliceCred, 'the authenticator holds Alice\'s key');
  await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: aliceCred.credentialId });
  await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...aliceCred, signCount: 0 } });
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'alice');
  await page.waitForSelector('#login-passkey');
  await page.getByRole('button', { name: 'Use your passkey' }).click();
  await page.waitForSelector('text=went backwards');
  const aliceId = (await server.deps.store.users.findByName('alice'))!.id;
  const events = await server.deps.store.events.list(aliceId, { limit: 20 });
  assert.ok(events.some((e) => e.type === 'passkey-counter-regressed'), 'the regression is in the security log');

  // A removed key: Bob removes his with a passkey answer; an answer from it then is refused.
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'bob');
  await page.waitForSelector('#login-passkey');
  await Promise.all([page.waitForURL(`${url}-/web/`), page.getByRole('button', { name: 'Use your passkey' }).click()]);
  const bobKey = (await server.deps.store.passkeys.list((await server.deps.store.users.findByName('bob'))!.id))[0];
  await page.goto(`${url}-/web/passkeys`);
  await page.locator('summary', { hasText: 'Remove' }).click();
  await Promise.all([page.waitForURL(/passkeys\?done=off/), page.getByRole('button', { name: 'Remove with a passkey' }).click()]);
  assert.equal(await page.textContent('#tfa-state'), 'off');
  await signOut(page);
  const removed = await assertionIn(page, `${url}-/web/login/passwordless/options`, { allow: bobKey.id });
  const gone = await postAs(page, '-/web/login/passwordless', { _csrf: removed.csrf, assertion: removed.answer, next: '/-/web/' });
  assert.equal(gone.status, 401);
  assert.match(gone.body, /not registered/);
});

test('moving from TOTP to passkeys: add a key with a code, then remove the app confirming with the key', { skip, timeout: 180_000 }, async () => {
  const { page } = browser;
  await page.context().clearCookies();
  const token = await signUp('carol');
  const codes = await enrolOverApi({ url } as Registry, token);
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'carol');
  await page.waitForSelector('#otp');
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(`${url}-/web/`), page.keyboard.press('Enter')]);

  await page.goto(`${url}-/web/passkeys`);
  await page.fill('#passkey-name', 'Carol laptop');
  await page.fill('#passkey-password', PASSWORD);
  await page.fill('#passkey-otp', await codes.next());
  await Promise.all([page.waitForURL(/passkeys\?done=added/), page.getByRole('button', { name: 'Add a passkey' }).click()]);
  assert.match((await page.textContent('main'))!, /with passkeys and an authenticator app/, 'no new recovery codes: the account has them');

  await page.goto(`${url}-/web/2fa`);
  await page.click('#action-off summary');
  await page.fill('#off-password', PASSWORD);
  await Promise.all([page.waitForURL(/2fa\?done=app-removed/), page.getByRole('button', { name: 'Remove the authenticator app' }).click()]);
  const carol = (await server.deps.store.users.findByName('carol'))!;
  assert.equal(carol.tfa?.secret, null, 'the TOTP secret is gone');
  assert.equal(carol.tfa?.pending, false, '2FA stays on with the passkey');
  assert.equal((await server.deps.store.users.unusedRecoveryCodes(carol.id)).length, 10);
  const profile = (await (await fetch(`${url}-/npm/v1/user`, { headers: { authorization: `Bearer ${token}` } })).json()) as { tfa: unknown };
  assert.deepEqual(profile.tfa, { mode: 'auth-and-writes', pending: false });
});
