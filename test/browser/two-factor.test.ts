// In Chromium: sign up, turn on 2FA (QR code and secret on the page, confirm with a code,
// recovery codes shown once and downloadable), then sign in with a code and with a recovery code.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { totpCode } from '../../src/core/accounts/totp.ts';
import { type Browser, Codes, launchBrowser, PASSWORD, type Registry, screenshot, signInWithKeyboard, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let codes: Codes;
let recovery: string[] = [];

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await reg?.close();
});

test('2FA enrolment in the browser: QR code and secret, confirmation, recovery codes once', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.goto(`${reg.url}-/web/signup`);
  assert.equal(await page.getAttribute('#name', 'autocomplete'), 'username');
  assert.equal(await page.getAttribute('#password', 'autocomplete'), 'new-password');
  await page.fill('#name', 'ada');
  await page.fill('#email', 'ada@example.com');
  await page.fill('#password', PASSWORD);
  await page.fill('#password2', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${reg.url}-/web/`);
  assert.match((await page.textContent('main'))!, /Two-factor\s*off/);

  await page.getByRole('link', { name: 'Two-factor', exact: true }).click();
  await page.check('input[name=mode][value=auth-and-writes]');
  assert.equal(await page.getAttribute('#on-password', 'autocomplete'), 'current-password');
  await page.fill('#on-password', PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForSelector('img.qr');
  assert.match((await page.getAttribute('img.qr', 'src'))!, /^data:image\/png;base64,/);
  assert.ok(await page.$eval('img.qr', (img) => (img as unknown as { naturalWidth: number }).naturalWidth > 100), 'the QR code is drawn');
  const secret = (await page.textContent('#totp-secret'))!.trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(await page.getAttribute('#code', 'autocomplete'), 'one-time-code');
  assert.ok(!page.url().includes(secret));
  await screenshot(page, 'two-factor-setup');

  codes = new Codes(secret);
  const step = Math.floor(Date.now() / 30000);
  codes.used(step);
  await page.fill('#code', totpCode(secret, step));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForSelector('#recovery-codes');
  recovery = await page.$$eval('#recovery-codes li', (lis) => lis.map((li) => li.textContent!.trim()));
  assert.equal(recovery.length, 10);
  for (const c of recovery) assert.match(c, /^[0-9a-f]{64}$/);
  assert.ok(!recovery.some((c) => page.url().includes(c)), 'no code in the URL');
  await screenshot(page, 'two-factor-recovery-codes');

  // The download is made in the page (a Blob): the codes never travel in a URL.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-download]')]);
  assert.match(download.suggestedFilename(), /recovery-codes\.txt$/);
  assert.equal(readFileSync((await download.path())!, 'utf8'), `${recovery.join('\n')}\n`);
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(reg.url).origin });
  await page.getByRole('button', { name: 'Copy' }).click();
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), recovery.join('\n'));

  await page.getByRole('link', { name: 'I have saved them' }).click();
  assert.match((await page.textContent('main'))!, /is on, mode auth-and-writes/);
  assert.equal((await page.textContent('#recovery-left'))!.trim(), '10');
  // Each change is folded: its password and code fields show only once it is opened.
  assert.equal(await page.isVisible('#mode-password'), false);
  await page.click('#action-mode summary');
  assert.equal(await page.isVisible('#mode-password'), true);
  assert.equal(await page.isVisible('#off-password'), false, 'one action asks, not four');
  await screenshot(page, 'two-factor-on');
  // Shown once: the 2FA page no longer has them.
  assert.ok(!(await page.content()).includes(recovery[0]));
});

test('sign-in with a one-time password, using the keyboard only', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Sign out ada' }).click();
  await page.waitForURL(`${reg.url}-/web/login`);
  await signInWithKeyboard(page, 'ada');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  assert.equal(await page.getAttribute('#otp', 'autocomplete'), 'one-time-code');
  // The code field has the focus; type and press Enter.
  await page.keyboard.type(await codes.next());
  await Promise.all([page.waitForURL(`${reg.url}-/web/`), page.keyboard.press('Enter')]);
  assert.match((await page.textContent('main'))!, /Two-factor\s*on \(auth-and-writes\)/);
  await screenshot(page, 'sign-in-with-otp');
});

test('sign-in with a recovery code; it is spent and shows in the security log', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Sign out ada' }).click();
  await page.fill('#name', 'ada');
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  await page.click('summary');
  await page.fill('#recovery', recovery[0]);
  await screenshot(page, 'sign-in-recovery-code-form');
  await Promise.all([page.waitForURL(`${reg.url}-/web/`), page.getByRole('button', { name: 'Verify recovery code' }).click()]);

  await page.getByRole('link', { name: 'Two-factor', exact: true }).click();
  assert.equal((await page.textContent('#recovery-left'))!.trim(), '9');
  await page.getByRole('link', { name: 'Security log' }).click();
  const log = (await page.textContent('#security-log'))!;
  assert.match(log, /recovery-code-used/);
  assert.match(log, /tfa-enabled/);
  assert.match(log, /login/);
  await screenshot(page, 'security-log');

  // The same recovery code does not work twice.
  await page.getByRole('button', { name: 'Sign out ada' }).click();
  await page.fill('#name', 'ada');
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.click('summary');
  await page.fill('#recovery', recovery[0]);
  await page.getByRole('button', { name: 'Verify recovery code' }).click();
  assert.match((await page.textContent('[role=alert]'))!, /wrong or expired/);
  assert.ok(page.url().endsWith('/-/web/login/otp'));
  await screenshot(page, 'sign-in-recovery-code-reused');
});
