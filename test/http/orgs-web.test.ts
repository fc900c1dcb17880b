// The org and team pages in process: creating an org, inviting, accepting, teams, the 2FA
// requirement with its lockout preview and confirmation, the OTP asked in auth-only mode too,
// and what a developer does not see or may not post.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';
import { webBrowser, type WebBrowser } from '../support/web-browser.ts';

let t: TestApp;
const clock = new TestClock(Date.parse('2026-03-01T12:00:00.000Z'));
let owner: WebBrowser;
let dev: WebBrowser;
let secret = '';

async function signIn(b: WebBrowser, name: string, otp?: string) {
  await b.get('/-/web/login');
  let res = await b.post('/-/web/login', { name, password: PASSWORD, next: '/-/web/' });
  if (otp !== undefined) {
    await b.get('/-/web/login/otp');
    res = await b.post('/-/web/login/otp', { otp });
  }
  assert.equal(res.statusCode, 303, res.body);
}
const next = () => {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
};

before(async () => {
  t = await startApp({}, clock);
  const token = await t.signUp('olga');
  await t.signUp('pete');
  ({ secret } = await enrol(t, token, clock, 'auth-only'));
  owner = webBrowser(t);
  dev = webBrowser(t);
  await signIn(owner, 'olga', codeAt(secret, clock));
  await signIn(dev, 'pete');
});
after(() => t?.close());

test('a signed-in user creates an org in the web UI (OTP asked in auth-only mode) and invites a user who accepts', async () => {
  await owner.get('/-/web/orgs');
  let res = await owner.post('/-/web/orgs', { name: 'globex' });
  assert.equal(res.statusCode, 401, 'no OTP: refused');
  assert.match(res.body, /one-time password/i);
  assert.equal(await t.deps.store.orgs.get('globex'), null);
  res = await owner.post('/-/web/orgs', { name: 'globex', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/-/web/org/globex?done=created');
  res = await owner.get('/-/web/org/globex');
  assert.match(res.body, /Members \(1\)/);
  assert.match(res.body, /Invite someone/);
  res = await owner.post('/-/web/org/globex/members', { user: 'pete', role: 'admin', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  res = await dev.get('/-/web/orgs');
  assert.match(res.body, /globex <span class="muted">as admin/);
  res = await dev.post('/-/web/orgs/accept', { org: 'globex' });
  assert.equal(res.statusCode, 303, res.body);
  res = await dev.get('/-/web/org/globex');
  assert.match(res.body, /Your role: <strong>admin/);
  assert.doesNotMatch(res.body, /Invite someone/, 'admins do not manage members');
  assert.doesNotMatch(res.body, /Recent changes/, 'only owners read the log');
  res = await dev.post('/-/web/org/globex/members', { user: 'olga', role: 'developer' });
  assert.equal(res.statusCode, 403);
});

test('teams in the web UI: an admin creates one and adds a member; the page lists members and packages', async () => {
  let res = await dev.post('/-/web/org/globex/teams', { name: 'platform', description: 'Builds things' });
  assert.equal(res.statusCode, 303, res.body);
  res = await dev.get('/-/web/org/globex/team/platform');
  assert.match(res.body, /Team globex:platform/);
  res = await dev.post('/-/web/org/globex/team/platform/members', { user: 'olga' });
  assert.equal(res.statusCode, 303, res.body);
  res = await dev.get('/-/web/org/globex');
  assert.match(res.body, /globex:platform/);
  assert.match(res.body, /Members: olga/);
  res = await dev.post('/-/web/org/globex/team/developers/destroy', {});
  assert.equal(res.statusCode, 403);
});

test('the 2FA requirement in the web UI: the lockout preview first, then the confirmation', async () => {
  let res = await owner.get('/-/web/org/globex');
  assert.match(res.body, /Would be locked out if it were on: <strong>pete/);
  res = await owner.post('/-/web/org/globex/settings', { require_tfa: 'on', otp: next() });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /Turning it on locks out pete/);
  assert.equal((await t.deps.store.orgs.get('globex'))!.requireTfa, false, 'not yet');
  res = await owner.post('/-/web/org/globex/settings', { require_tfa: 'on', confirm: '1', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  res = await owner.get('/-/web/org/globex');
  assert.match(res.body, /Locked out now: <strong>pete/);
  assert.match(res.body, /org-settings/);
  res = await dev.post('/-/web/org/globex/teams', { name: 'blocked' });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /requires its members to use two-factor authentication/);
});

test('who has 2FA is shown to owners only', async () => {
  const res = await dev.get('/-/web/org/globex');
  assert.doesNotMatch(res.body, /2FA on|No 2FA|locked out now/i);
  assert.match((await owner.get('/-/web/org/globex')).body, /2FA on/);
});

test('roles, removals, team members and team deletion from the pages; declining an invitation', async () => {
  await t.signUp('quinn');
  const quinn = webBrowser(t);
  await signIn(quinn, 'quinn');
  let res = await owner.post('/-/web/org/globex/members', { user: 'quinn', role: 'developer', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  await quinn.get('/-/web/orgs');
  res = await quinn.post('/-/web/orgs/decline', { org: 'globex' });
  assert.equal(res.headers.location, '/-/web/orgs?done=declined');
  assert.deepEqual(await t.deps.store.orgs.invitationsForUser((await t.deps.store.users.findByName('quinn'))!.id), []);
  // the owner changes pete's role, then removes olga's own ownership: refused (last owner)
  await owner.get('/-/web/org/globex');
  res = await owner.post('/-/web/org/globex/members/edit', { user: 'pete', role: 'developer', action: 'role', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  const org = (await t.deps.store.orgs.get('globex'))!;
  assert.equal(await t.deps.store.orgs.role(org.id, (await t.deps.store.users.findByName('pete'))!.id), 'developer');
  res = await owner.post('/-/web/org/globex/members/edit', { user: 'olga', action: 'remove', otp: next() });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /at least one owner/);
  // team member removal and team deletion by the owner
  await owner.get('/-/web/org/globex/team/platform');
  res = await owner.post('/-/web/org/globex/team/platform/members/remove', { user: 'olga', otp: next() });
  assert.equal(res.statusCode, 303, res.body);
  res = await owner.post('/-/web/org/globex/team/platform/destroy', { otp: next() });
  assert.equal(res.headers.location, '/-/web/org/globex?done=destroyed');
  assert.equal(await t.deps.store.orgs.team(org.id, 'platform'), null);
  res = await owner.post('/-/web/org/globex/members/edit', { user: 'pete', action: 'remove', otp: next() });
  assert.equal(res.statusCode, 303);
  assert.equal(await t.deps.store.orgs.role(org.id, (await t.deps.store.users.findByName('pete'))!.id), null);
});
