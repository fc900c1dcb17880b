// Hardening of the web OTP challenge and the second factor's failure budgets (issue 12, review
// 1 findings 1, 4, 12, 13): an approval authorises only the request it showed, from the
// credential that started it, once; no credential can lock its owner out; starting challenges
// is bounded; approval ids never reach a log; CSRF tokens belong to the session.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.ts';
import { addressNetwork } from '../../src/core/accounts/address.ts';
import { OTP_CHALLENGE_STARTS } from '../../src/core/accounts/otp-challenge-throttle.ts';
import { createServer } from '../../src/server.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';

const ORIGIN = 'http://registry.test';
const clock = new TestClock();
let t: TestApp;
before(async () => {
  t = await startApp({}, clock);
});
after(() => t.close());

/** A browser in miniature: a cookie jar, the last page's CSRF token, an Origin header. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  private absorb(res: LightMyRequestResponse): LightMyRequestResponse {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (/Max-Age=0/.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
    return res;
  }
  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
  async get(url: string) {
    return this.absorb(await t.request({ url, headers: this.cookieHeader() }));
  }
  async post(url: string, fields: Record<string, string>, csrf = this.csrf) {
    return this.absorb(
      await t.request({
        method: 'POST',
        url,
        payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...this.cookieHeader() },
      }),
    );
  }
  async signIn(name: string, otp: string) {
    await this.get('/-/web/login');
    const first = await this.post('/-/web/login', { name, password: PASSWORD, next: '/-/web/' });
    assert.equal(first.headers.location, '/-/web/login/otp', first.body);
    await this.get('/-/web/login/otp');
    return this.post('/-/web/login/otp', { otp });
  }
}

/** A fresh code for the next time step (each step is accepted once per account). */
function nextCode(secret: string): string {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
}

const json = { 'content-type': 'application/json' };
const login = (name: string, headers: Record<string, string> = {}) =>
  t.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { name, password: PASSWORD }, headers });

interface Owner {
  name: string;
  token: string;
  secret: string;
  codes: string[];
  browser: Browser;
}

async function owner(name: string, webApproval: boolean, mode: 'auth-only' | 'auth-and-writes' = 'auth-and-writes'): Promise<Owner> {
  const token = await t.signUp(name);
  const { secret, codes } = await enrol(t, token, clock, mode);
  const browser = new Browser();
  assert.equal((await browser.signIn(name, nextCode(secret))).statusCode, 303);
  if (webApproval) {
    await browser.get('/-/web/2fa');
    const on = await browser.post('/-/web/2fa/web-approval', { enabled: 'on', otp: nextCode(secret) });
    assert.equal(on.headers.location, '/-/web/2fa?done=approval', on.body);
  }
  return { name, token, secret, codes, browser };
}

/** Sends `send` without an OTP as npm 11 does (npm-auth-type: web), approves it in the browser, returns the value. */
async function approved(o: Owner, send: (headers: Record<string, string>) => Promise<LightMyRequestResponse>): Promise<string> {
  const challenged = await send({ 'npm-auth-type': 'web' });
  assert.equal(challenged.statusCode, 401, challenged.body);
  const { authUrl, doneUrl } = challenged.json();
  const page = authUrl.replace(ORIGIN, '');
  assert.equal((await o.browser.get(page)).statusCode, 200);
  const ok = await o.browser.post(page, { otp: nextCode(o.secret) });
  assert.equal(ok.statusCode, 200, ok.body);
  const done = await t.request({ url: doneUrl.replace(ORIGIN, '') });
  assert.equal(done.statusCode, 200);
  return done.json().token;
}

function assertRefused(res: LightMyRequestResponse, what: string) {
  assert.equal(res.statusCode, 401, `${what}: ${res.statusCode} ${res.body}`);
  assert.equal(res.headers['www-authenticate'], 'otp', what);
}

test("the reviewer's proof: a value approved for a dist-tag change works for that request only, once", async () => {
  const dave = await owner('dave', true);
  for (const [pkg, version] of [['dave-pkg', '1.0.0'], ['dave-other', '1.0.0'], ['dave-pkg', '1.0.1']]) {
    const res = await t.request({ method: 'PUT', url: `/${pkg}`, token: dave.token, payload: publishBody(pkg, version), headers: { 'npm-otp': nextCode(dave.secret) } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const second = await login('dave', { 'npm-otp': nextCode(dave.secret) });
  assert.equal(second.statusCode, 201);
  const otherSession = second.json().token as string;

  const tag = (pkg: string, tagName: string, token: string, headers: Record<string, string>, method: 'PUT' | 'DELETE' = 'PUT') =>
    t.request({ method, url: `/-/package/${pkg}/dist-tags/${tagName}`, token, payload: method === 'PUT' ? '"1.0.0"' : undefined, headers: { ...json, ...headers } });
  // "harmless" exists (at 1.0.1), so that removing it would be a real change too.
  assert.equal((await t.request({ method: 'PUT', url: '/-/package/dave-pkg/dist-tags/harmless', token: dave.token, payload: '"1.0.1"', headers: { ...json, 'npm-otp': nextCode(dave.secret) } })).statusCode, 201);
  const value = await approved(dave, (h) => tag('dave-pkg', 'harmless', dave.token, h));
  const otp = { 'npm-otp': value };

  assertRefused(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: dave.token, payload: { tfa: { mode: 'disable', password: PASSWORD } }, headers: otp }), '2FA disable');
  assertRefused(
    await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: dave.token, payload: { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write', bypass_2fa: true }, headers: otp }),
    'token create',
  );
  assertRefused(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: dave.token, payload: { fullname: 'Mallory' }, headers: otp }), 'profile change');
  assertRefused(await tag('dave-other', 'harmless', dave.token, otp), 'another package');
  assertRefused(await tag('dave-pkg', 'other-tag', dave.token, otp), 'another tag');
  assertRefused(await tag('dave-pkg', 'harmless', dave.token, otp, 'DELETE'), 'another method');
  assertRefused(await tag('dave-pkg', 'harmless', otherSession, otp), 'another credential of the same user');
  assertRefused(await login('dave', otp), 'a password login');
  // The approval page does not take a value as its own code.
  const pending = (await tag('dave-pkg', 'other-tag', dave.token, { 'npm-auth-type': 'web' })).json();
  const page = pending.authUrl.replace(ORIGIN, '');
  await dave.browser.get(page);
  assert.equal((await dave.browser.post(page, { otp: value })).statusCode, 401);

  // Nothing was changed, and the refusals did not use the value up.
  const tags = (await t.request({ url: '/-/package/dave-pkg/dist-tags', token: dave.token })).json();
  assert.deepEqual(tags, { latest: '1.0.1', harmless: '1.0.1' });
  assert.ok((await t.deps.store.users.findByName('dave'))!.tfa, '2FA still on');
  assert.equal((await tag('dave-pkg', 'harmless', dave.token, otp)).statusCode, 201, 'the approved request works');
  assert.equal((await t.request({ url: '/-/package/dave-pkg/dist-tags', token: dave.token })).json().harmless, '1.0.0');
  assertRefused(await tag('dave-pkg', 'harmless', dave.token, otp), 'the approved request, a second time');
});

test('a password login approved in the browser is bound to the user and the login, not to a token', async () => {
  const erin = await owner('erin', true);
  const value = await approved(erin, (h) => login('erin', h));
  assertRefused(await t.request({ method: 'POST', url: '/-/npm/v1/user', token: erin.token, payload: { fullname: 'X' }, headers: { 'npm-otp': value } }), 'a token write');
  assertRefused(await login('dave', { 'npm-otp': value }), 'another user');
  const ok = await login('erin', { 'npm-otp': value });
  assert.equal(ok.statusCode, 201, ok.body);
  assertRefused(await login('erin', { 'npm-otp': value }), 'the same login, again');
});

test('wrong codes from a limited token use up only that token: the owner still signs in, with a code or a recovery code', async () => {
  const frank = await owner('frank', false);
  assert.equal((await t.request({ method: 'PUT', url: '/frank-pkg', token: frank.token, payload: publishBody('frank-pkg', '1.0.0'), headers: { 'npm-otp': nextCode(frank.secret) } })).statusCode, 201);
  const created = await t.request({
    method: 'POST',
    url: '/-/npm/v1/tokens',
    token: frank.token,
    payload: { name: 'ci', password: PASSWORD, packages: ['frank-pkg'], packages_and_scopes_permission: 'read-write' },
    headers: { 'npm-otp': nextCode(frank.secret) },
  });
  assert.equal(created.statusCode, 201, created.body);
  const ci = created.json().token as string;
  const guess = () => t.request({ method: 'PUT', url: '/-/package/frank-pkg/dist-tags/ci-tag', token: ci, payload: '"1.0.0"', headers: { ...json, 'npm-otp': '000000' } });

  const burst = await Promise.all(Array.from({ length: 30 }, guess));
  const statuses = burst.map((r) => r.statusCode).sort();
  assert.equal(statuses.filter((s) => s === 401).length, 10, `exactly ten counted: ${statuses} ${burst[0].body}`);
  assert.equal(statuses.filter((s) => s === 429).length, 20);
  assert.ok(Number(burst.find((r) => r.statusCode === 429)!.headers['retry-after']) > 0);

  // The owner: npm login with the right code, with a recovery code, the web sign-in, and their own session.
  assert.equal((await login('frank', { 'npm-otp': nextCode(frank.secret) })).statusCode, 201);
  assert.equal((await login('frank', { 'npm-otp': frank.codes[0] })).statusCode, 201);
  assert.equal((await new Browser().signIn('frank', nextCode(frank.secret))).statusCode, 303);
  const own = await t.request({ method: 'PUT', url: '/-/package/frank-pkg/dist-tags/beta', token: frank.token, payload: '"1.0.0"', headers: { ...json, 'npm-otp': nextCode(frank.secret) } });
  assert.equal(own.statusCode, 201, own.body);

  // Keeping at it for days reaches the token's own end, never the account's permanent lock.
  for (let i = 0; i < 100; i++) {
    clock.advanceSeconds(3601);
    await guess();
  }
  const dead = await t.request({ method: 'PUT', url: '/-/package/frank-pkg/dist-tags/ci-tag', token: ci, payload: '"1.0.0"', headers: { ...json, 'npm-otp': nextCode(frank.secret) } });
  assert.equal(dead.statusCode, 429, 'the token itself can no longer pass the second factor');
  assert.match(dead.json().error, /this token/);
  assert.equal((await t.deps.store.users.findByName('frank'))!.otpFailures, 0, 'the account budget was never charged');
  const fresh = await login('frank', { 'npm-otp': nextCode(frank.secret) });
  assert.equal(fresh.statusCode, 201);
  const still = await t.request({ method: 'PUT', url: '/-/package/frank-pkg/dist-tags/beta', token: fresh.json().token, payload: '"1.0.0"', headers: { ...json, 'npm-otp': nextCode(frank.secret) } });
  assert.equal(still.statusCode, 201, still.body);
});

test('wrong codes at password sign-in lock the sign-in budget, not the owner’s tokens', async () => {
  const gail = await owner('gail', false);
  for (let i = 0; i < 10; i++) assertRefused(await login('gail', { 'npm-otp': '000000' }), 'a wrong login code');
  const locked = await login('gail', { 'npm-otp': codeAt(gail.secret, clock, 1) });
  assert.equal(locked.statusCode, 429);
  // Meanwhile the owner's CLI session has its own budget (the next step's code, within the window).
  const write = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: gail.token, payload: { fullname: 'Gail' }, headers: { 'npm-otp': codeAt(gail.secret, clock, 1) } });
  assert.equal(write.statusCode, 200, write.body);
  clock.advanceSeconds(31);
  assert.equal((await login('gail', { 'npm-otp': nextCode(gail.secret) })).statusCode, 201);
});

test('starting approvals is limited per address (and per account): a 429 JSON with Retry-After, nothing stored', async () => {
  const hal = await owner('hal', true);
  const start = (ip = '127.0.0.1') =>
    t.request({ method: 'POST', url: '/-/npm/v1/user', token: hal.token, payload: { fullname: 'Hal' }, headers: { 'npm-auth-type': 'web' }, remoteAddress: ip });
  for (let i = 0; i < OTP_CHALLENGE_STARTS; i++) assert.equal((await start()).statusCode, 401);
  const refused = await start();
  assert.equal(refused.statusCode, 429);
  assert.match(refused.headers['content-type'] as string, /json/);
  assert.match(refused.json().error, /Too many approval requests/);
  assert.equal(refused.json().authUrl, undefined);
  assert.ok(Number(refused.headers['retry-after']) > 0);
  // A code still works meanwhile (npm --otp), and the limit ends with its window.
  const withCode = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: hal.token, payload: { fullname: 'H' }, headers: { 'npm-otp': nextCode(hal.secret) } });
  assert.equal(withCode.statusCode, 200);
  clock.advanceSeconds(5 * 60 + 1);
  assert.equal((await start()).statusCode, 401);
  assert.equal(addressNetwork('2001:db8:1:2:3:4:5:6'), addressNetwork('2001:db8:1:2::9'), 'an IPv6 client counts by its /64');
  assert.notEqual(addressNetwork('2001:db8:1:2::1'), addressNetwork('2001:db8:1:3::1'));
});

test('with a session, a CSRF token minted for an anonymous nonce is refused (the nonce cookie planted)', async () => {
  const ida = await owner('ida', false, 'auth-only');
  const attacker = new Browser();
  await attacker.get('/-/web/login');
  const nonceCookie = [...attacker.cookies].find(([k]) => k.endsWith('tessera-csrf'))!;
  await ida.browser.get('/-/web/profile');
  ida.browser.cookies.set(nonceCookie[0], nonceCookie[1]);
  const forged = await ida.browser.post('/-/web/profile', { fullname: 'via-anon-nonce' }, attacker.csrf);
  assert.equal(forged.statusCode, 403);
  assert.equal((await t.deps.store.users.findByName('ida'))!.fullname, null);
  await ida.browser.get('/-/web/profile');
  const own = await ida.browser.post('/-/web/profile', { fullname: 'Ida' });
  assert.equal(own.statusCode, 303, own.body);
  assert.equal((await t.deps.store.users.findByName('ida'))!.fullname, 'Ida');
});

test('approval and login-request ids never reach the request log, in paths or in next= values, encoded or not', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-log-'));
  const config = loadConfig({ flags: { data: dataDir, url: 'http://127.0.0.1/', upstream: 'none' }, env: {} });
  const server = await createServer(config, { logger: { level: 'info', stream } });
  try {
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const id = 'GG0Ed44M7aWwOkgzCmejYgdbq-0gM-z5yO4x9LZE4-0';
    const urls = [
      `/-/web/otp/${id}`,
      `/-/web/login?next=${encodeURIComponent(`/-/web/otp/${id}`)}`,
      `/-/web/login?next=/-/web/otp/${id}`,
      `/-/web/login?next=${encodeURIComponent(encodeURIComponent(`/-/web/otp/${id}`))}`,
      `/-/web/login?next=%2f-%2fweb%2fotp%2f${id}`,
      `/-/v1/otp-done?authId=${id}`,
      `/-/web/cli-login/${id}`,
      `/-/web/login?next=${encodeURIComponent(`/-/web/cli-login/${id}`)}`,
      `/-/v1/done?authId=${id}`,
      `/-/v1/done?x=1&authId=${id}`,
      // A read answered by the fast path logs through the same redaction.
      `/some-pkg`,
    ];
    for (const url of urls) await (await fetch(`${address}${url}`, { redirect: 'manual' })).arrayBuffer();
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const requestLines = lines.filter((l) => l.includes('"request"'));
  assert.ok(requestLines.length >= 11, `${requestLines.length} request lines`);
  for (const line of lines) assert.doesNotMatch(line, /GG0Ed44M7aWwOkgzCmejYgdbq/, line);
  assert.equal(requestLines.filter((l) => l.includes('[redacted]')).length, 10);
});
