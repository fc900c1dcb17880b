// In Chromium: an administrator (with 2FA) signs in, opens Admin, disables a user with a code
// from their authenticator (the user's token is refused at once), reads the instance log and
// the proxy page and a package's page; screenshots of each page go to test-results/screenshots/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setAdmin } from '../../src/core/accounts/admin.ts';
import { publishBody } from '../support/tarball.ts';
import { type Browser, type Codes, enrolOverApi, launchBrowser, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let codes: Codes;
let victim = '';
let adaToken = '';

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
  adaToken = await signUp(reg, 'ada');
  codes = await enrolOverApi(reg, adaToken);
  await setAdmin(reg.server.deps, 'ada', true);
  victim = await signUp(reg, 'mallory');
});
after(async () => {
  await browser?.close();
  await reg?.close();
});

const whoami = (t: string) => fetch(`${reg.url}-/whoami`, { headers: { authorization: `Bearer ${t}` } });

test('an administrator disables a user from the Admin pages with their code', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.goto(`${reg.url}-/web/admin`);
  await page.waitForURL(/\/-\/web\/login\?next=/);
  await signInWithKeyboard(page, 'ada');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(`${reg.url}-/web/admin`), page.getByRole('button', { name: 'Verify', exact: true }).click()]);
  assert.ok(await page.getByRole('link', { name: 'Admin', exact: true }).isVisible(), 'the Admin link in the menu');
  await screenshot(page, 'admin-users');

  await page.getByRole('link', { name: 'mallory' }).click();
  await page.waitForURL(`${reg.url}-/web/admin/users/mallory`);
  await screenshot(page, 'admin-user');
  assert.equal((await whoami(victim)).status, 200);
  // The session may present the code it signed in with again.
  await page.fill('#otp-disable', await codes.again());
  await Promise.all([page.waitForURL(/done=disabled/), page.locator('#form-disable').getByRole('button', { name: 'Disable' }).click()]);
  assert.equal((await page.textContent('#status'))?.trim(), 'disabled');
  assert.match((await page.textContent('main'))!, /The account is disabled/);
  assert.equal((await whoami(victim)).status, 401, 'her session is gone at once');

  await page.goto(`${reg.url}-/web/admin/events`);
  assert.match((await page.textContent('#instance-log'))!, /mallory\s*admin-disabled/);
  await screenshot(page, 'admin-instance-log');
  await page.goto(`${reg.url}-/web/admin/proxy`);
  assert.match((await page.textContent('main'))!, /No version is blocked/);
  await screenshot(page, 'admin-proxy');

  // A package, as the Packages page shows it to administrators (docs/admin.md).
  const published = await fetch(`${reg.url}left-behind`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adaToken}`, 'content-type': 'application/json', 'npm-otp': await codes.next() },
    body: JSON.stringify(publishBody('left-behind', '1.0.0')),
  });
  assert.equal(published.status, 201, await published.text());
  await page.goto(`${reg.url}-/web/admin/packages?name=left-behind`);
  assert.match((await page.textContent('main'))!, /ada/);
  await screenshot(page, 'admin-packages');
  // Without a name: every package, a page at a time.
  await page.goto(`${reg.url}-/web/admin/packages`);
  assert.match((await page.textContent('#packages'))!, /left-behind\s*1\s*public/);
  await screenshot(page, 'admin-package-list');
});
