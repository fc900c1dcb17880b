// The web UI's Staged page in process: sign-in required, the CSRF and Origin checks on its
// forms, a bad stage id, other users' staged versions not shown, escaping of staged text, and
// the notice for an account without 2FA. (Flows with Chromium: test/browser/staged.test.ts.)

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';
import { webBrowser } from '../support/web-browser.ts';

const clock = new TestClock();
let t: TestApp;
let owner: string;
let secret: string;
let stageId: string;

before(async () => {
  t = await startApp({}, clock);
  owner = await t.signUp('swowner');
  ({ secret } = await enrol(t, owner, clock));
  clock.advanceSeconds(30);
  assert.equal((await t.request({ method: 'PUT', url: '/sw-pkg', token: owner, payload: publishBody('sw-pkg', '1.0.0'), headers: { 'npm-otp': codeAt(secret, clock) } })).statusCode, 201);
  const res = await t.request({ method: 'POST', url: '/-/stage/package/sw-pkg', token: owner, payload: publishBody('sw-pkg', '1.1.0', { manifest: { description: '<script>alert(1)</script>' } }) });
  assert.equal(res.statusCode, 201, res.body);
  stageId = res.json().stageId;
});
after(() => t.close());

async function signedIn(name: string, otp?: string) {
  const b = webBrowser(t);
  await b.get('/-/web/login');
  let res = await b.post('/-/web/login', { name, password: PASSWORD, next: '/-/web/' });
  if (otp !== undefined) {
    await b.get('/-/web/login/otp');
    res = await b.post('/-/web/login/otp', { otp });
  }
  assert.equal(res.statusCode, 303, res.body);
  return b;
}

test('the Staged page needs a sign-in, shows the staged version escaped, and refuses forms without the CSRF token or with a bad id', async () => {
  const anon = await t.request({ url: '/-/web/staged' });
  assert.equal(anon.statusCode, 303);
  assert.equal(anon.headers.location, `/-/web/login?next=${encodeURIComponent('/-/web/staged')}`);
  clock.advanceSeconds(30);
  const b = await signedIn('swowner', codeAt(secret, clock));
  const page = await b.get('/-/web/staged');
  assert.equal(page.statusCode, 200);
  assert.ok(page.body.includes(`id="stage-${stageId}"`));
  assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!page.body.includes('<script>alert(1)</script>'));
  // a form from another site, or without the token: 403, nothing approved
  const forged = await t.request({
    method: 'POST',
    url: '/-/web/staged/approve',
    payload: new URLSearchParams({ id: stageId, otp: codeAt(secret, clock, 1) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.test', cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(forged.statusCode, 403);
  const bad = await b.post('/-/web/staged/reject', { id: 'not-a-uuid', otp: '123456' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /is not a stage id/);
  assert.equal((await t.request({ url: '/sw-pkg' })).json()['dist-tags'].latest, '1.0.0');
  assert.ok((await t.deps.store.stages.get(stageId, clock.iso())) !== null);
});

test('another account sees nothing staged, cannot approve it, and without 2FA is told to turn it on', async () => {
  const other = await t.signUp('swother');
  const b = await signedIn('swother');
  const page = await b.get('/-/web/staged');
  assert.match(page.body, /id="none-staged"/);
  const res = await b.post('/-/web/staged/approve', { id: stageId, otp: '' });
  assert.equal(res.statusCode, 404);
  assert.match(res.body, /No staged version/);
  assert.ok((await t.deps.store.stages.get(stageId, clock.iso())) !== null);
  // its own staged version: shown, with the 2FA notice instead of the forms
  assert.equal((await t.request({ method: 'POST', url: '/-/stage/package/sw-own', token: other, payload: publishBody('sw-own', '1.0.0') })).statusCode, 201);
  const own = await b.get('/-/web/staged');
  assert.match(own.body, /sw-own@1\.0\.0/);
  assert.match(own.body, /Approving or rejecting needs two-factor authentication/);
  assert.ok(!own.body.includes('action="/-/web/staged/approve"'));
});
