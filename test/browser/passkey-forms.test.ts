// Web forms confirmed with a passkey (no authenticator app): an account whose only second
// factor is a passkey creates and revokes a token, saves its profile, creates an organization and invites to it and,
// as an administrator, disables an account, each confirmed by its passkey (Chromium with a
// virtual authenticator from the DevTools protocol) and no code: its recovery codes stay unused.
// Tessera's public URL is on `localhost`: an IP address cannot be an RP ID.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.ts';
import { setAdmin } from '../../src/core/accounts/admin.ts';
import { createServer, type Server } from '../../src/server.ts';
import { type Browser, launchBrowser, PASSWORD, signInWithKeyboard, skip, signUp as harnessSignUp } from './harness.ts';

let server: Server;
let url: string;
let data: string;
let browser: Browser;

before(async () => {
  if (skip) return;
  data = mkdtempSync(join(tmpdir(), 'tessera-pkforms-'));
  server = await createServer(loadConfig({ flags: { data, host: 'localhost', port: '0', upstream: 'none', 'password-failures-per-address': '1000000', 'signups-per-hour': '1000000', 'logins-per-hour': '1000000' }, env: {} }));
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://localhost:${(server.app.server.address() as AddressInfo).port}/`;
  server.deps.settings.publicUrl = url;
  browser = await launchBrowser();
  const cdp = await browser.context.newCDPSession(browser.page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (data) rmSync(data, { recursive: true, force: true });
});

const signUp = (name: string): Promise<string> => harnessSignUp({ url }, name);

/** The form is one a passkey confirms: passkeys.js will ask the authenticator on submit. */
async function assertPasskeyForm(page: Page, selector: string, action: string) {
  const form = page.locator(selector);
  assert.equal(await form.getAttribute('data-passkey'), 'get');
  assert.match((await form.getAttribute('data-get-options'))!, new RegExp(`assert-options\\?action=${action}$`));
  assert.match((await form.textContent())!, /Leave empty to confirm with your passkey, or give a recovery code\./);
}

async function recoveryLeft(page: Page): Promise<string> {
  await page.goto(`${url}-/web/2fa`);
  return (await page.textContent('#recovery-left'))!;
}

test('a passkey-only account confirms token, profile and admin forms with its passkey', { skip, timeout: 180_000 }, async () => {
  const token = await signUp('pat');
  await signUp('bob');
  const { page } = browser;
  await page.goto(`${url}-/web/login`);
  await signInWithKeyboard(page, 'pat');
  await page.waitForURL(`${url}-/web/`);

  // The first passkey turns two-factor on, with passkeys only (no authenticator app).
  await page.goto(`${url}-/web/passkeys`);
  await page.fill('#passkey-name', 'Laptop');
  await page.fill('#passkey-password', PASSWORD);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForSelector('#recovery-codes');
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  assert.equal(await recoveryLeft(page), '10');

  // Token create: the code field left empty, the passkey answers.
  await page.goto(`${url}-/web/tokens`);
  await assertPasskeyForm(page, `form[action$="/-/web/tokens"]`, 'token-create');
  await page.fill('#tk-name', 'pk-made');
  await page.fill('#tk-password', PASSWORD);
  await Promise.all([page.waitForSelector('#new-token'), page.getByRole('button', { name: 'Create token' }).click()]);
  const list = async () => ((await (await fetch(`${url}-/npm/v1/tokens`, { headers: { authorization: `Bearer ${token}` } })).json()) as { objects: Array<{ name: string | null }> }).objects;
  assert.ok((await list()).some((t) => t.name === 'pk-made'));

  // Token revoke.
  await page.goto(`${url}-/web/tokens`);
  await assertPasskeyForm(page, `form[action$="/-/web/tokens/revoke"]`, 'token-revoke');
  await Promise.all([page.waitForURL(/tokens\?done=revoked/), page.getByRole('button', { name: 'Revoke pk-made' }).click()]);
  assert.ok(!(await list()).some((t) => t.name === 'pk-made'));

  // Profile save (auth-and-writes: every change needs the second factor).
  await page.goto(`${url}-/web/profile`);
  await assertPasskeyForm(page, `form[action$="/-/web/profile"]`, 'profile-save');
  await page.fill('#f-fullname', 'Pat Passkey');
  await Promise.all([page.waitForURL(/profile\?saved=profile/), page.getByRole('button', { name: 'Save profile' }).click()]);
  const profile = (await (await fetch(`${url}-/npm/v1/user`, { headers: { authorization: `Bearer ${token}` } })).json()) as { fullname?: string };
  assert.equal(profile.fullname, 'Pat Passkey');

  // An organization, and an invitation in it.
  await page.goto(`${url}-/web/orgs`);
  await assertPasskeyForm(page, `form[action$="/-/web/orgs"]`, 'org-create');
  await page.fill('#org-name', 'pkorg');
  await Promise.all([page.waitForURL(/org\/pkorg\?done=created/), page.getByRole('button', { name: 'Create organization' }).click()]);
  await assertPasskeyForm(page, `form[action$="/-/web/org/pkorg/members"]`, 'org-invite');
  await page.fill('#inv-user', 'bob');
  await Promise.all([page.waitForURL(/org\/pkorg\?done=invited/), page.getByRole('button', { name: 'Invite' }).click()]);

  // An administrator action (the role given with the store, as `tessera user admin` does).
  await setAdmin(server.deps, 'pat', true);
  await page.goto(`${url}-/web/admin/users/bob`);
  await assertPasskeyForm(page, '#form-disable', 'admin-disable');
  await Promise.all([page.waitForURL(/admin\/users\/bob\?done=disabled/), page.locator('#form-disable').getByRole('button', { name: 'Disable' }).click()]);
  assert.equal((await server.deps.store.users.findByName('bob'))!.status, 'disabled');

  // No recovery code was spent on any of it.
  assert.equal(await recoveryLeft(page), '10');
});
