// The web OTP challenge with the real npm CLI and Chromium: a user who turned on browser
// approval runs `npm publish` without --otp; npm prints the approval link (no terminal), the
// person approves in the browser with a code, and the value from the done URL finishes it.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Codes, enrolOverApi, launchBrowser, makeNpm, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await reg?.close();
});

test('npm publish approved in the browser (web OTP challenge)', { skip, timeout: 180_000 }, async () => {
  const token = await signUp(reg, 'approver');
  const codes: Codes = await enrolOverApi(reg, token);
  const { page } = browser;

  // Sign in and turn browser approval on (it needs a code).
  await page.goto(`${reg.url}-/web/login`);
  await signInWithKeyboard(page, 'approver');
  await page.waitForSelector('#otp');
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(`${reg.url}-/web/`), page.keyboard.press('Enter')]);
  await page.goto(`${reg.url}-/web/2fa`);
  await page.click('#action-approval summary');
  await page.check('#web-approval');
  await page.fill('#approval-otp', await codes.next());
  await Promise.all([page.waitForURL(/2fa\?done=approval/), page.locator('form[action$="2fa/web-approval"] button').click()]);
  assert.ok(await page.isChecked('#web-approval'));

  // npm without a terminal: the challenge is printed with its links.
  const npm = makeNpm(reg.url);
  appendFileSync(join(npm.dir, 'npmrc'), `//${new URL(reg.url).host}/:_authToken=${token}\n`);
  const pkg = join(npm.dir, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'approved-pkg', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(pkg, 'index.js'), 'module.exports = 1;\n');
  const first = await npm.run(['publish', pkg]);
  assert.notEqual(first.code, 0);
  const authUrl = /(http:\/\/127\.0\.0\.1:\d+\/-\/web\/otp\/[A-Za-z0-9_-]{43})/.exec(first.output)?.[1];
  const doneUrl = /(http:\/\/127\.0\.0\.1:\d+\/-\/v1\/otp-done\?authId=[A-Za-z0-9_-]{43})/.exec(first.output)?.[1];
  assert.ok(authUrl && doneUrl, `npm printed the links:\n${first.output}`);
  assert.equal((await fetch(doneUrl)).status, 202);

  // The approval page shows the request and takes a fresh code.
  await page.goto(authUrl);
  assert.match((await page.textContent('#otp-request'))!, /PUT \/approved-pkg/);
  await screenshot(page, 'web-otp-approval');
  await page.fill('#approve-otp', await codes.next());
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Approve', exact: true }).click()]);
  assert.match((await page.textContent('main'))!, /Approved/);
  await screenshot(page, 'web-otp-approved');

  const done = await fetch(doneUrl);
  assert.equal(done.status, 200);
  const value = ((await done.json()) as { token: string }).token;
  const second = await npm.run(['publish', pkg, `--otp=${value}`]);
  assert.equal(second.code, 0, second.output);
  assert.match(second.output, /\+ approved-pkg@1\.0\.0/);
  npm.cleanup();
});
