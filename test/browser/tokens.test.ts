// In Chromium: create a CIDR-limited token (the account has 2FA, so with a code), see the
// registry refuse it from 127.0.0.1, revoke it; and the pages fit a phone-width screen.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type Codes, enrolOverApi, launchBrowser, PASSWORD, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let codes: Codes;
let token = '';

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
  codes = await enrolOverApi(reg, await signUp(reg, 'tom'));
});
after(async () => {
  await browser?.close();
  await reg?.close();
});

const whoami = (t: string) => fetch(`${reg.url}-/whoami`, { headers: { authorization: `Bearer ${t}` } });

test('a token limited to 10.0.0.0/8, created in the browser, is refused from 127.0.0.1', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.goto(`${reg.url}-/web/tokens`);
  await page.waitForURL(/\/-\/web\/login\?next=/);
  await signInWithKeyboard(page, 'tom');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(`${reg.url}-/web/tokens`), page.getByRole('button', { name: 'Verify', exact: true }).click()]);

  await page.fill('#tk-name', 'ci-deploy');
  await page.fill('#tk-desc', 'deploys from the build network');
  await page.check('input[name=permission][value=read-write]');
  await page.check('input[name=coverage][value=all]');
  await page.fill('#tk-expires', '30');
  await page.fill('#tk-cidr', '10.0.0.0/8');
  await page.fill('#tk-password', PASSWORD);
  // The same session may present the code it signed in with again.
  await page.fill('#tk-otp', await codes.again());
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.waitForSelector('#new-token');
  token = (await page.textContent('#new-token'))!.trim();
  assert.match(token, /^tsr_[0-9A-Za-z]{36}$/);
  assert.ok(!page.url().includes(token), 'the token is not in the URL');
  assert.match((await page.textContent('main'))!, /Allowed from\s*10\.0\.0\.0\/8/);
  // The Copy button (the page's one script) puts exactly the token on the clipboard.
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(reg.url).origin });
  await page.getByRole('button', { name: 'Copy' }).click();
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), token);
  await screenshot(page, 'token-created');

  const res = await whoami(token);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'ipaddress');

  await page.getByRole('link', { name: 'Back to your tokens' }).click();
  const card = page.locator('article', { hasText: 'ci-deploy' });
  const text = (await card.textContent())!;
  assert.match(text, new RegExp(token.slice(0, 8)));
  assert.match(text, /read-write: all packages/);
  assert.match(text, /10\.0\.0\.0\/8/);
  assert.match(text, /Last used\s*never/);
  assert.match(text, /Expires\s*20\d\d-/);
  assert.ok(!(await page.content()).includes(token), 'shown once: the list has only the prefix');
  await screenshot(page, 'tokens-list');
});

test('the token list fits a phone-width screen, without sideways scrolling', { skip, timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.equal(overflow, 0);
  await screenshot(page, 'tokens-list-phone');
  await page.setViewportSize({ width: 1000, height: 800 });
});

test('revoking the token in the browser ends it at once', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  const card = page.locator('article', { hasText: 'ci-deploy' });
  await card.locator('input[name=otp]').fill(await codes.again());
  await card.getByRole('button', { name: /Revoke/ }).click();
  await page.waitForURL(`${reg.url}-/web/tokens?done=revoked`);
  assert.match((await page.textContent('[role=status]'))!, /Token revoked/);
  assert.equal(await page.locator('article', { hasText: 'ci-deploy' }).count(), 0);
  await screenshot(page, 'token-revoked');

  const res = await whoami(token);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
});
