// In Chromium: the profile (view, edit, change the password) and a package page (versions,
// dist-tags, owners, 2FA requirement, the readme rendered from markdown, its HTML as text), found through the search.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { publishBody } from '../support/tarball.ts';
import { type Browser, launchBrowser, PASSWORD, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let cliToken = '';

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
  cliToken = await signUp(reg, 'pat');
  const readme = '# left-pad-ish\n\nPads *strings*. See [the docs](https://example.com/docs) or [this](javascript:document.title=2).\n\n<img src=x onerror="document.title=1">\n\n```js\nleftPad("a", 3);\n```';
  for (const version of ['1.0.0', '1.1.0']) {
    const body = publishBody('@pat/pad', version, { manifest: { description: 'Pads strings', license: 'MIT', readme } });
    const res = await fetch(`${reg.url}@pat%2fpad`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${cliToken}` }, body: JSON.stringify(body) });
    assert.equal(res.status, 201, await res.text());
  }
});
after(async () => {
  await browser?.close();
  await reg?.close();
});

test('profile: view and edit the fields, then change the password', { skip, timeout: 120_000 }, async () => {
  const { page } = browser;
  await page.goto(`${reg.url}-/web/profile`);
  await signInWithKeyboard(page, 'pat');
  await page.waitForURL(`${reg.url}-/web/profile`);
  assert.equal(await page.inputValue('#f-email'), 'pat@example.com');
  await page.fill('#f-fullname', 'Pat <Example>');
  await page.fill('#f-homepage', 'https://pat.example.com/');
  await page.fill('#f-github', 'pat');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.waitForURL(`${reg.url}-/web/profile?saved=profile`);
  assert.equal(await page.inputValue('#f-fullname'), 'Pat <Example>');
  const api = await fetch(`${reg.url}-/npm/v1/user`, { headers: { authorization: `Bearer ${cliToken}` } });
  assert.equal(((await api.json()) as { fullname: string }).fullname, 'Pat <Example>', 'the same profile npm sees');

  await page.fill('#f-homepage', 'javascript:alert(1)');
  await page.getByRole('button', { name: 'Save profile' }).click();
  assert.match((await page.textContent('[role=alert]'))!, /http\(s\) URL/);
  await screenshot(page, 'profile-invalid-homepage');

  assert.equal(await page.getAttribute('#old-password', 'autocomplete'), 'current-password');
  assert.equal(await page.getAttribute('#new-password', 'autocomplete'), 'new-password');
  const next = 'saffron glacier kettle 31';
  await page.fill('#old-password', PASSWORD);
  await page.fill('#new-password', next);
  await page.fill('#new-password2', next);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(`${reg.url}-/web/profile?saved=password`);
  assert.match((await page.textContent('[role=status]'))!, /Password changed/);
  await screenshot(page, 'profile');
  // npm's login session ended with the change; this browser session goes on.
  assert.equal((await fetch(`${reg.url}-/whoami`, { headers: { authorization: `Bearer ${cliToken}` } })).status, 401);
});

test('package page: versions, dist-tags, owners, 2FA requirement, readme rendered from markdown without its HTML', { skip, timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${reg.url}-/web/`);
  assert.equal(await page.locator('#package-list li').count(), 1, 'the start page lists the package');
  await screenshot(page, 'home');
  await page.fill('#q', 'pad');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: '@pat/pad' }).click();
  await page.waitForURL(`${reg.url}-/web/package/@pat/pad`);
  const main = (await page.textContent('main'))!;
  assert.match(main, /Latest\s*1\.1\.0/);
  assert.match(main, /Owners\s*pat/);
  assert.match(main, /Two-factor\s*Not required/);
  assert.match(main, /latest\s*1\.1\.0/);
  assert.match(main, /Versions \(2\)/);
  // The readme is rendered markdown: its own HTML stays text, its unsafe link is no link.
  const readme = page.locator('.readme');
  assert.equal(await readme.locator('h3').textContent(), 'left-pad-ish');
  assert.equal(await readme.locator('em').textContent(), 'strings');
  assert.equal(await readme.locator('a').count(), 1);
  assert.equal(await readme.locator('a').getAttribute('href'), 'https://example.com/docs');
  assert.equal(await readme.locator('a').getAttribute('rel'), 'noopener noreferrer nofollow ugc');
  assert.match((await readme.textContent())!, /<img src=x onerror="document.title=1">/);
  assert.equal(await readme.locator('pre code').textContent(), 'leftPad("a", 3);\n');
  assert.equal(await page.locator('main img').count(), 0, 'no markup of the readme reaches the page');
  assert.ok(!['1', '2'].includes(await page.title()));
  await screenshot(page, 'package');

  // The upstreams page (the proxy's state; this registry runs with --upstream none).
  await page.getByRole('link', { name: 'Upstreams' }).click();
  await page.waitForURL(`${reg.url}-/web/upstreams`);
  assert.match((await page.textContent('main'))!, /Upstream/);
  await screenshot(page, 'upstreams');
});
