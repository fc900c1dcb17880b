// Org invitations expire orgInvitationDays after `npm org set` (in process, the injected clock
// moved past the lifetime): gone from the invitee's lists (API and web page), accepting answers
// 404 saying invitations expire and changes nothing, and inviting again renews one.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/tfa.ts';
import { webBrowser, type WebBrowser } from '../support/web-browser.ts';

const clock = new TestClock(Date.parse('2026-03-01T12:00:00.000Z'));
const tokens: Record<string, string> = {};
let t: TestApp;
let web: WebBrowser;

const req = (method: 'GET' | 'PUT' | 'POST', url: string, who: string, payload?: Record<string, unknown>) =>
  t.request({ method, url, token: tokens[who], ...(payload ? { payload } : {}) });
const invite = async (user: string) => assert.equal((await req('PUT', '/-/org/acme/user', 'olga', { user, role: 'developer' })).statusCode, 200);
const pending = async (who: string) => (await req('GET', '/-/org-invitations', who)).json() as Array<{ org: string; expires: string }>;

before(async () => {
  t = await startApp({ 'org-invitation-days': '3', 'session-hours': String(24 * 90) }, clock);
  for (const name of ['olga', 'pete', 'rita']) tokens[name] = await t.signUp(name);
  assert.equal((await req('POST', '/-/org', 'olga', { name: 'acme' })).statusCode, 201);
});
/** A fresh web session for pete (web sessions are shorter than the days these tests skip). */
async function signIn() {
  web = webBrowser(t);
  await web.get('/-/web/login');
  assert.equal((await web.post('/-/web/login', { name: 'pete', password: PASSWORD, next: '/-/web/' })).statusCode, 303);
}
after(async () => t?.close());

test('an invitation lives orgInvitationDays: listed with its expiry until then, then gone, refused (404) and deleted', async () => {
  await invite('pete');
  const [listed] = await pending('pete');
  assert.equal(listed.expires, new Date(clock.ms + 3 * 86_400_000).toISOString());
  await signIn();
  assert.match((await web.get('/-/web/orgs')).body, /acme[\s\S]*expires/);
  clock.advanceSeconds(3 * 86_400 - 1);
  assert.equal((await pending('pete')).length, 1, 'a second before its end: still pending');
  clock.advanceSeconds(1);
  assert.deepEqual(await pending('pete'), [], 'expired: gone from the invitee\'s list');
  await signIn();
  const page = (await web.get('/-/web/orgs')).body;
  assert.match(page, /No pending invitations/, 'and from the web page');
  const refused = await req('POST', '/-/org/acme/invitation', 'pete');
  assert.equal(refused.statusCode, 404, refused.body);
  assert.match(refused.json().error, /no pending invitation to acme.*expired \(invitations last 3 days; ask an owner of acme to invite you again\)/);
  assert.deepEqual((await req('GET', '/-/org/acme/user', 'olga')).json(), { olga: 'owner' }, 'not a member');
  const webAccept = await web.post('/-/web/orgs/accept', { org: 'acme' });
  assert.equal(webAccept.statusCode, 404);
  assert.match(webAccept.body, /role="alert">You have no pending invitation to acme: [^<]*expired/);
  assert.deepEqual((await req('GET', '/-/org/acme/user', 'olga')).json(), { olga: 'owner' }, 'not through the web either');
  assert.equal(await t.deps.store.orgs.deleteInvitation((await t.deps.store.orgs.get('acme'))!.id, (await t.deps.store.users.findByName('pete'))!.id), false, 'the expired row is deleted');
});

test('inviting again renews it; an invitation accepted in time makes a member', async () => {
  await invite('pete');
  await invite('rita');
  clock.advanceSeconds(2 * 86_400);
  assert.equal((await req('POST', '/-/org/acme/invitation', 'pete')).statusCode, 200);
  await invite('rita');
  clock.advanceSeconds(2 * 86_400);
  assert.equal((await pending('rita')).length, 1, 'renewed two days ago: pending for one more');
  const ok = await req('POST', '/-/org/acme/invitation', 'rita');
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual((await req('GET', '/-/org/acme/user', 'olga')).json(), { olga: 'owner', pete: 'developer', rita: 'developer' });
});
