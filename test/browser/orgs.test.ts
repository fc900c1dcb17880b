// In Chromium: an owner with 2FA creates an org, invites a user who accepts on their own
// Organizations page, makes a team and adds them, then turns on the org's 2FA requirement
// (the lockout preview first, then the confirmation). Screenshots of each page (docs/orgs.md
// shows them, copied from test-results/screenshots/ into docs/img/ by scripts/docs-screenshots.mjs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type Codes, enrolOverApi, launchBrowser, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let owner: Browser;
let member: Browser;
let codes: Codes;

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  owner = await launchBrowser();
  member = await launchBrowser();
  codes = await enrolOverApi(reg, await signUp(reg, 'olga'));
  await signUp(reg, 'pete');
});
after(async () => {
  await owner?.close();
  await member?.close();
  await reg?.close();
});

test('an owner creates an org, a user accepts the invitation, a team is made, the 2FA requirement previews its lockouts', { skip, timeout: 180_000 }, async () => {
  const page = owner.page;
  await page.goto(`${reg.url}-/web/orgs`);
  await page.waitForURL(/\/-\/web\/login\?next=/);
  await signInWithKeyboard(page, 'olga');
  await page.waitForURL(`${reg.url}-/web/login/otp`);
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(`${reg.url}-/web/orgs`), page.getByRole('button', { name: 'Verify', exact: true }).click()]);

  await page.fill('#org-name', 'globex');
  await page.fill('#org-otp', await codes.again());
  await Promise.all([page.waitForURL(/\/-\/web\/org\/globex\?done=created/), page.getByRole('button', { name: 'Create organization' }).click()]);
  assert.match((await page.textContent('main'))!, /Organization created/);

  await page.fill('#inv-user', 'pete');
  await page.selectOption('#inv-role', 'admin');
  await page.fill('#inv-otp', await codes.again());
  await Promise.all([page.waitForURL(/done=invited/), page.getByRole('button', { name: 'Invite', exact: true }).click()]);

  const mp = member.page;
  await mp.goto(`${reg.url}-/web/orgs`);
  await signInWithKeyboard(mp, 'pete');
  await mp.waitForURL(`${reg.url}-/web/orgs`);
  assert.match((await mp.textContent('#invites + *'))!, /globex/);
  await screenshot(mp, 'org-invitation');
  await Promise.all([mp.waitForURL(/\/-\/web\/org\/globex\?done=accepted/), mp.getByRole('button', { name: 'Accept the invitation to globex' }).click()]);
  assert.match((await mp.textContent('main'))!, /Your role: admin/);

  await page.goto(`${reg.url}-/web/org/globex`);
  await page.fill('#team-name', 'platform');
  await page.fill('#team-desc', 'Builds and ships the platform');
  await page.fill('#team-otp', await codes.again());
  await Promise.all([page.waitForURL(/\/team\/platform\?done=team/), page.getByRole('button', { name: 'Create team' }).click()]);
  await page.selectOption('#add-user', 'pete');
  await page.fill('#add-otp', await codes.again());
  await Promise.all([page.waitForURL(/done=added/), page.getByRole('button', { name: 'Add to team' }).click()]);
  assert.match((await page.textContent('main'))!, /Members \(1\)\s*pete/);
  await screenshot(page, 'org-team');

  await page.goto(`${reg.url}-/web/org/globex`);
  assert.match((await page.textContent('#lockouts'))!, /Would be locked out if it were on: pete/);
  await page.fill('#tfa-otp', await codes.again());
  await page.getByRole('button', { name: 'Require 2FA' }).click();
  await page.waitForSelector('text=Turning it on locks out pete');
  await screenshot(page, 'org-2fa-preview');
  await page.fill('#tfa-otp', await codes.again());
  await Promise.all([page.waitForURL(/done=settings/), page.getByRole('button', { name: 'Confirm: require 2FA' }).click()]);
  assert.match((await page.textContent('#lockouts'))!, /Locked out now: pete/);
  assert.match((await page.textContent('main'))!, /org-settings/);
  await screenshot(page, 'org-page');

  // pete, without 2FA, is now refused when managing the org's teams, and told why.
  await mp.goto(`${reg.url}-/web/org/globex`);
  await mp.fill('#team-name', 'shadow');
  await mp.getByRole('button', { name: 'Create team' }).click();
  await mp.waitForSelector('text=requires its members to use two-factor authentication');
});

test('the org page fits a phone-width screen, without sideways scrolling', { skip, timeout: 60_000 }, async () => {
  const page = owner.page;
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.equal(overflow, 0);
  await screenshot(page, 'org-page-phone');
});
