// `npm login --auth-type=web` and `npm adduser --auth-type=web` end to end: the real npm CLI
// (no terminal: it prints the login URL and polls the done URL) while Chromium signs in, with
// 2FA, or signs up, and approves; then `npm whoami` works with the token npm received.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type Codes, enrolOverApi, launchBrowser, makeNpm, PASSWORD, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let codes: Codes;
const cleanups: Array<() => void> = [];

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
  codes = await enrolOverApi(reg, await signUp(reg, 'cleo'));
});
after(async () => {
  for (const c of cleanups) c();
  await browser?.close();
  await reg?.close();
});

const LOGIN_URL = /(http:\/\/127\.0\.0\.1:\d+\/-\/web\/cli-login\/[A-Za-z0-9_-]{43})/;

test('npm login --auth-type=web: sign in with 2FA in the browser, approve, npm whoami works', { skip, timeout: 180_000 }, async () => {
  const npm = makeNpm(reg.url);
  cleanups.push(npm.cleanup);
  const login = npm.start(['login', '--auth-type=web']);
  const [, loginUrl] = await login.waitFor(LOGIN_URL);

  const { page } = browser;
  await page.goto(loginUrl);
  await page.waitForURL(/\/-\/web\/login\?next=/);
  await signInWithKeyboard(page, 'cleo');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(loginUrl), page.getByRole('button', { name: 'Verify', exact: true }).click()]);
  assert.match((await page.textContent('h1'))!, /Approve npm login/);
  assert.match((await page.textContent('#cli-request'))!, /127\.0\.0\.1/);
  assert.match((await page.textContent('#cli-request'))!, /npm\/\d+/);
  await screenshot(page, 'cli-login-approve');
  assert.ok(!login.output().includes('Logged in'), 'npm waits for the approval');

  await page.getByRole('button', { name: 'Approve this login' }).click();
  await page.waitForSelector('text=You can close this page');
  await screenshot(page, 'cli-login-approved');

  assert.equal(await login.exit(), 0, login.output());
  assert.match(login.output(), /Logged in/);
  const who = await npm.run(['whoami']);
  assert.equal(who.code, 0, who.output);
  assert.equal(who.output.trim(), 'cleo');

  // The login link is used up.
  await page.goto(loginUrl);
  assert.match((await page.textContent('main'))!, /expired or was already used/);
});

test('npm adduser --auth-type=web: create the account in the browser, approve, npm whoami works', { skip, timeout: 180_000 }, async () => {
  const npm = makeNpm(reg.url);
  cleanups.push(npm.cleanup);
  const adduser = npm.start(['adduser', '--auth-type=web']);
  const [, loginUrl] = await adduser.waitFor(LOGIN_URL);

  const { page } = browser;
  await page.getByRole('button', { name: 'Sign out cleo' }).click();
  await page.goto(loginUrl);
  await page.waitForURL(/\/-\/web\/login\?next=/);
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.fill('#name', 'dora');
  await page.fill('#email', 'dora@example.com');
  await page.fill('#password', PASSWORD);
  await page.fill('#password2', PASSWORD);
  await Promise.all([page.waitForURL(loginUrl), page.getByRole('button', { name: 'Create account' }).click()]);
  assert.match((await page.textContent('h1'))!, /Approve npm adduser/);
  await page.getByRole('button', { name: 'Approve this login' }).click();
  await page.waitForSelector('text=You can close this page');
  await screenshot(page, 'cli-adduser-approved');

  assert.equal(await adduser.exit(), 0, adduser.output());
  const who = await npm.run(['whoami']);
  assert.equal(who.code, 0, who.output);
  assert.equal(who.output.trim(), 'dora');
});
