// The Staged page with Chromium and the real npm CLI: a CI token stages versions with `npm stage
// publish`; the maintainer sees each with its files, sizes and package.json changes against the
// latest version, approves one and rejects another with an OTP; and `npm stage approve` goes
// through npm's web approval flow (the web OTP challenge) once.

import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type Codes, enrolOverApi, launchBrowser, makeNpm, PASSWORD, type Registry, screenshot, signInWithKeyboard, signUp, skip, startRegistry } from './harness.ts';

let reg: Registry;
let browser: Browser;
let codes: Codes;
let session: string;
let ci: ReturnType<typeof makeNpm>;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** A package folder in the CI npm's folder. */
function pkgDir(version: string, extra: Record<string, unknown> = {}, files: Record<string, string> = {}): string {
  const dir = join(ci.dir, `pkg-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'staged-web', version, main: 'index.js', ...extra }));
  writeFileSync(join(dir, 'index.js'), `module.exports = ${JSON.stringify(version)};\n`);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

async function stage(version: string, extra: Record<string, unknown> = {}, files: Record<string, string> = {}, tag = 'latest'): Promise<string> {
  const r = await ci.run(['stage', 'publish', pkgDir(version, extra, files), '--tag', tag]);
  assert.equal(r.code, 0, r.output);
  return UUID.exec(r.output)![0];
}

const versions = async () => Object.keys(((await (await fetch(`${reg.url}staged-web`)).json()) as { versions: object }).versions);

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  browser = await launchBrowser();
  session = await signUp(reg, 'stagekeeper');
  codes = await enrolOverApi(reg, session);
  const post = (path: string, body: unknown, otp: string) =>
    fetch(`${reg.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session}`, 'npm-otp': otp }, body: JSON.stringify(body) });
  const made = await post('-/npm/v1/tokens', { name: 'ci', password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' }, await codes.next());
  assert.ok(made.status < 300, await made.clone().text());
  ci = makeNpm(reg.url);
  appendFileSync(join(ci.dir, 'npmrc'), `//${new URL(reg.url).host}/:_authToken=${((await made.json()) as { token: string }).token}\n`);
  // 1.0.0 published by the maintainer, with an OTP
  const maint = makeNpm(reg.url);
  appendFileSync(join(maint.dir, 'npmrc'), `//${new URL(reg.url).host}/:_authToken=${session}\n`);
  const first = await maint.run(['publish', pkgDir('1.0.0', { description: 'first' }), `--otp=${await codes.next()}`]);
  assert.equal(first.code, 0, first.output);
  maint.cleanup();
});
after(async () => {
  ci?.cleanup();
  await browser?.close();
  await reg?.close();
});

test('the Staged page shows files, sizes and package.json changes; Approve and Reject need the OTP', { skip, timeout: 240_000 }, async () => {
  const approveId = await stage('1.1.0', { description: 'second', license: 'MIT' }, { 'README.md': '# staged-web\n', 'cli.js': 'console.log(1);\n'.repeat(100) });
  const rejectId = await stage('1.2.0-rc.1', {}, {}, 'next');
  const { page } = browser;
  await page.goto(`${reg.url}-/web/staged`);
  await signInWithKeyboard(page, 'stagekeeper');
  await page.waitForSelector('#otp');
  await page.fill('#otp', await codes.next());
  await Promise.all([page.waitForURL(/\/-\/web\/staged$/), page.keyboard.press('Enter')]);

  const card = page.locator(`#stage-${approveId}`);
  assert.equal(await card.locator('h2').textContent(), 'staged-web@1.1.0');
  const files = await card.locator('table.files').textContent();
  for (const f of ['package.json', 'index.js', 'README.md', 'cli.js', '1.6 kB']) assert.ok(files!.includes(f), `${f} in ${files}`);
  const changes = await card.locator('table.changes tbody').innerText();
  assert.match(changes, /description\s+"first"\s+"second"/);
  assert.match(changes, /license\s+absent\s+"MIT"/);
  assert.match(changes, /version\s+"1\.0\.0"\s+"1\.1\.0"/);
  assert.match((await card.locator('h3').nth(1).textContent())!, /against 1\.0\.0 \(latest\)/);
  await screenshot(page, 'staged-page');

  // Approve without the OTP: refused, nothing published
  await Promise.all([page.waitForLoadState('load'), card.getByRole('button', { name: 'Approve staged-web@1.1.0' }).click()]);
  assert.match((await page.locator('.notice.error').textContent())!, /one-time password/);
  assert.deepEqual(await versions(), ['1.0.0']);
  // with it: published
  const again = page.locator(`#stage-${approveId}`);
  await again.locator(`#approve-otp-${approveId}`).fill(await codes.next());
  await Promise.all([page.waitForURL(/staged\?done=approved/), again.getByRole('button', { name: 'Approve staged-web@1.1.0' }).click()]);
  assert.match((await page.locator('.notice.ok').textContent())!, /Approved and published/);
  assert.deepEqual(await versions(), ['1.0.0', '1.1.0']);
  assert.equal(await page.locator(`#stage-${approveId}`).count(), 0);
  await screenshot(page, 'staged-approved');

  // Reject the other one: gone, its number free
  const rej = page.locator(`#stage-${rejectId}`);
  await rej.locator(`#reject-otp-${rejectId}`).fill(await codes.next());
  await Promise.all([page.waitForURL(/staged\?done=rejected/), rej.getByRole('button', { name: 'Reject staged-web@1.2.0-rc.1' }).click()]);
  assert.ok(await page.locator('#none-staged').isVisible());
  assert.deepEqual(await versions(), ['1.0.0', '1.1.0']);
  assert.equal((await ci.run(['stage', 'publish', pkgDir('1.2.0-rc.1'), '--tag', 'next'])).code, 0, 'the rejected number is free again');
});

test('npm stage approve through the web approval flow (browser approval of the OTP challenge)', { skip, timeout: 240_000 }, async () => {
  const { page } = browser;
  // browser approval on (as in web-otp.test.ts); the session from the test above
  await page.goto(`${reg.url}-/web/2fa`);
  await page.click('#action-approval summary');
  await page.check('#web-approval');
  await page.fill('#approval-otp', await codes.next());
  await Promise.all([page.waitForURL(/2fa\?done=approval/), page.locator('form[action$="2fa/web-approval"] button').click()]);
  const id = (await (await fetch(`${reg.url}-/stage?package=staged-web`, { headers: { authorization: `Bearer ${session}` } })).json()) as { items: Array<{ id: string; version: string }> };
  const stageId = id.items.find((i) => i.version === '1.2.0-rc.1')!.id;

  const maint = makeNpm(reg.url);
  appendFileSync(join(maint.dir, 'npmrc'), `//${new URL(reg.url).host}/:_authToken=${session}\n`);
  const first = await maint.run(['stage', 'approve', stageId]);
  assert.notEqual(first.code, 0);
  const authUrl = /(http:\/\/127\.0\.0\.1:\d+\/-\/web\/otp\/[A-Za-z0-9_-]{43})/.exec(first.output)?.[1];
  const doneUrl = /(http:\/\/127\.0\.0\.1:\d+\/-\/v1\/otp-done\?authId=[A-Za-z0-9_-]{43})/.exec(first.output)?.[1];
  assert.ok(authUrl && doneUrl, `npm printed the links:\n${first.output}`);
  await page.goto(authUrl);
  assert.match((await page.textContent('#otp-request'))!, new RegExp(`POST /-/stage/${stageId}/approve`));
  await page.fill('#approve-otp', await codes.next());
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Approve', exact: true }).click()]);
  assert.match((await page.textContent('main'))!, /Approved/);
  await screenshot(page, 'staged-web-otp-approval');
  const value = ((await (await fetch(doneUrl)).json()) as { token: string }).token;
  const second = await maint.run(['stage', 'approve', stageId, `--otp=${value}`]);
  assert.equal(second.code, 0, second.output);
  assert.match(second.output, new RegExp(`Staged package ${stageId} approved and published successfully\\.`));
  assert.deepEqual(await versions(), ['1.0.0', '1.1.0', '1.2.0-rc.1']);
  maint.cleanup();
});
