// The web OTP challenge (docs/security.md, "Approving in the browser"): a user who turns it on can approve a CLI write
// in the browser; npm polls the doneUrl and retries with the single-use value.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { approveOtpChallenge, setWebOtpChallenge } from '../../src/core/accounts/web-otp.ts';
import type { RequestContext } from '../../src/core/deps.ts';
import type { User } from '../../src/core/ports.ts';
import { hashToken } from '../../src/core/tokens/format.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let token: string;
let secret: string;
before(async () => {
  t = await startApp({}, clock);
  token = await t.signUp('webber');
  ({ secret } = await enrol(t, token, clock));
});
after(() => t.close());

/** The context of a request made with the user's session token (as a web page makes it). */
async function ctxFor(otp?: string): Promise<RequestContext & { user: User }> {
  const found = (await t.deps.store.tokens.findWithUser(hashToken(token)))!;
  return { principal: { kind: 'user', user: found.user, token: found.token, via: 'token' }, otp, ip: '127.0.0.1', userAgent: 'test', user: found.user };
}

const publish = (version: string, headers: Record<string, string>) =>
  t.request({ method: 'PUT', url: '/web-otp-pkg', token, payload: publishBody('web-otp-pkg', version), headers });

test('off by default: npm-auth-type web still gets the classic challenge only', async () => {
  const res = await publish('1.0.0', { 'npm-auth-type': 'web' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().authUrl, undefined);
});

test('turning it on needs 2FA and an OTP', async () => {
  await assert.rejects(setWebOtpChallenge(t.deps, await ctxFor(), true), /one-time password/);
  clock.advanceSeconds(30);
  const user = await setWebOtpChallenge(t.deps, await ctxFor(codeAt(secret, clock)), true);
  assert.equal(user.webOtpChallenge, true);
  const plain = await t.signUp('nofactor');
  const found = (await t.deps.store.tokens.findWithUser(hashToken(plain)))!;
  await assert.rejects(
    setWebOtpChallenge(t.deps, { principal: { kind: 'user', user: found.user, token: found.token, via: 'token' }, otp: undefined, ip: '127.0.0.1', userAgent: 't' }, true),
    /two-factor authentication first/,
  );
});

test('a CLI write is approved in the browser, and the value works once', async () => {
  const challenged = await publish('1.0.0', { 'npm-auth-type': 'web' });
  assert.equal(challenged.statusCode, 401);
  assert.equal(challenged.headers['www-authenticate'], 'otp');
  const body = challenged.json();
  assert.match(body.error, /one-time pass/);
  assert.match(body.authUrl, /^http:\/\/registry\.test\/-\/web\/otp\/[A-Za-z0-9_-]{43}$/);
  assert.match(body.doneUrl, /^http:\/\/registry\.test\/-\/v1\/otp-done\?authId=[A-Za-z0-9_-]{43}$/);
  const id = body.authUrl.split('/').pop();
  const done = body.doneUrl.replace('http://registry.test', '');

  const waiting = await t.request({ url: done });
  assert.equal(waiting.statusCode, 202);
  assert.equal(waiting.headers['retry-after'], '1');
  assert.deepEqual(waiting.json(), {});

  // The approval page needs a fresh second factor.
  const noCode = await ctxFor();
  await assert.rejects(approveOtpChallenge(t.deps, noCode, noCode.user, hashToken(token), id), /one-time password/);
  clock.advanceSeconds(30);
  const ctx = await ctxFor(codeAt(secret, clock));
  await approveOtpChallenge(t.deps, ctx, ctx.user, hashToken(token), id);

  const approved = await t.request({ url: done });
  assert.equal(approved.statusCode, 200);
  const value = approved.json().token as string;
  assert.match(value, /^tsrotp_[A-Za-z0-9_-]{43}$/);
  assert.equal((await t.request({ url: done })).statusCode, 404, 'handed out once');

  assert.equal((await publish('1.0.0', { 'npm-otp': value, 'npm-auth-type': 'web' })).statusCode, 201);
  const again = await publish('1.0.1', { 'npm-otp': value, 'npm-auth-type': 'web' });
  assert.equal(again.statusCode, 401, 'the value is single use');
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token })).json().objects.map((e: { type: string }) => e.type);
  assert.ok(types.includes('cli-write-approved'));
  assert.ok(types.includes('web-otp-challenge-on'));
});

test('with --otp (npm-auth-type legacy) the classic challenge and codes still work', async () => {
  const res = await publish('1.0.2', { 'npm-auth-type': 'legacy' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().authUrl, undefined);
  clock.advanceSeconds(30);
  assert.equal((await publish('1.0.2', { 'npm-auth-type': 'legacy', 'npm-otp': codeAt(secret, clock) })).statusCode, 201);
});

test('another account cannot approve, and unknown or expired links are 404', async () => {
  const challenged = (await publish('1.0.3', { 'npm-auth-type': 'web' })).json();
  const id = challenged.authUrl.split('/').pop();
  const other = await t.signUp('intruder');
  const found = (await t.deps.store.tokens.findWithUser(hashToken(other)))!;
  await assert.rejects(
    approveOtpChallenge(t.deps, { principal: { kind: 'user', user: found.user, token: found.token, via: 'token' }, otp: '123456', ip: '127.0.0.1', userAgent: 't' }, found.user, found.token.key, id),
    /another account/,
  );
  assert.equal((await t.request({ url: '/-/v1/otp-done?authId=nonsense' })).statusCode, 404);
  clock.advanceSeconds(6 * 60);
  assert.equal((await t.request({ url: challenged.doneUrl.replace('http://registry.test', '') })).statusCode, 404);
});
