// The web UI's security properties, in process: headers, cookie flags, CSRF and Origin
// checks, session timeouts, the two-step sign-in, secrets never in URLs, and npm's web login.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';
import { redactUrl } from '../../src/http/redact.ts';

const ORIGIN = 'http://registry.test';
const CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** A browser in miniature: a cookie jar, the last page's CSRF token, an Origin header. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly t: TestApp, readonly origin: string | null = ORIGIN) {}

  private absorb(res: LightMyRequestResponse): LightMyRequestResponse {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) this.csrf = m[1];
    return res;
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.absorb(await this.t.request({ url, headers: this.cookieHeader() }));
  }

  async post(url: string, fields: Record<string, string>, opts: { csrf?: string | null; origin?: string | null; fetchSite?: string } = {}): Promise<LightMyRequestResponse> {
    const csrf = opts.csrf === undefined ? this.csrf : opts.csrf;
    const origin = opts.origin === undefined ? this.origin : opts.origin;
    const body = new URLSearchParams({ ...(csrf !== null ? { _csrf: csrf } : {}), ...fields }).toString();
    return this.absorb(
      await this.t.request({
        method: 'POST',
        url,
        payload: body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(origin ? { origin } : {}),
          ...(opts.fetchSite ? { 'sec-fetch-site': opts.fetchSite } : {}),
          ...this.cookieHeader(),
        },
      }),
    );
  }

  /** Signs in with the password (and a code, if the account has 2FA). */
  async signIn(name: string, otp?: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    await this.get('/-/web/login');
    let res = await this.post('/-/web/login', { name, password, next: '/-/web/' });
    if (otp !== undefined) {
      assert.equal(res.headers.location, '/-/web/login/otp', res.body);
      await this.get('/-/web/login/otp');
      res = await this.post('/-/web/login/otp', { otp });
    }
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/-/web/');
    return res;
  }
}

function setCookieLines(res: LightMyRequestResponse): string[] {
  const set = res.headers['set-cookie'];
  return Array.isArray(set) ? set : set ? [set] : [];
}

let t: TestApp;
let clock: TestClock;
before(async () => {
  clock = new TestClock();
  t = await startApp({}, clock);
});
after(() => t.close());

test('every web answer carries the CSP, Referrer-Policy, nosniff and no-framing headers', async () => {
  await t.signUp('hedy');
  const b = new Browser(t);
  const pages = [await b.get('/-/web/login'), await b.get('/-/web/static/app.css'), await b.get('/-/web/no-such-page')];
  await b.signIn('hedy');
  for (const path of ['/-/web/', '/-/web/profile', '/-/web/2fa', '/-/web/tokens', '/-/web/security-log']) pages.push(await b.get(path));
  pages.push(await b.post('/-/web/profile', { email: 'hedy@example.com' }, { csrf: 'wrong' }));
  for (const res of pages) {
    assert.equal(res.headers['content-security-policy'], CSP);
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    if (String(res.headers['content-type']).startsWith('text/html')) {
      assert.equal(res.headers['cache-control'], 'no-store');
      // Nothing the CSP would block: no inline scripts, styles or event handlers.
      assert.doesNotMatch(res.body, /<script(?![^>]*\ssrc=)[^>]*>/);
      assert.doesNotMatch(res.body, /\sstyle=|<style|\son[a-z]+=/i);
      assert.match(res.body, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
      // The icon is inline (img-src allows data:), so that no browser asks for /favicon.ico.
      const icon = /<link rel="icon" href="(data:image\/svg\+xml,[^"]+)">/.exec(res.body);
      assert.ok(icon, 'an inline icon');
      assert.match(decodeURIComponent(icon[1].slice('data:image/svg+xml,'.length)), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 22 22"><rect /);
    }
  }
});

test('cookies are HttpOnly and SameSite=Lax; over https they are Secure and __Host-', async () => {
  await t.signUp('ines');
  const b = new Browser(t);
  const res = await b.signIn('ines');
  const session = setCookieLines(res).find((l) => l.startsWith('tessera-session='));
  assert.ok(session, 'a session cookie');
  assert.match(session, /; HttpOnly/);
  assert.match(session, /; SameSite=Lax/);
  assert.match(session, /; Path=\//);
  assert.doesNotMatch(session, /Secure|Domain/);

  // Over https, and mounted under a path: the web UI follows the public URL's prefix.
  const https = await startApp({ url: 'https://registry.test/npm/' });
  try {
    const res = await https.request({ method: 'PUT', url: '/npm/-/user/org.couchdb.user:jon', payload: { name: 'jon', password: PASSWORD, email: 'jon@example.com' } });
    assert.equal(res.statusCode, 201, res.body);
    const hb = new Browser(https, 'https://registry.test');
    const page = await hb.get('/npm/-/web/login');
    assert.match(page.body, /action="\/npm\/-\/web\/login"/);
    assert.match(page.body, /href="\/npm\/-\/web\/static\/app\.css\?v=/);
    assert.ok(setCookieLines(page).some((l) => l.startsWith('__Host-tessera-csrf=') && / Secure/.test(l)));
    const login = await hb.post('/npm/-/web/login', { name: 'jon', password: PASSWORD, next: '/npm/-/web/tokens' });
    assert.equal(login.headers.location, '/npm/-/web/tokens');
    const cookie = setCookieLines(login).find((l) => l.startsWith('__Host-tessera-session='));
    assert.ok(cookie, login.body);
    assert.match(cookie, /; Path=\/; HttpOnly; SameSite=Lax; Secure/);
    assert.doesNotMatch(cookie, /Domain/);
    assert.equal((await hb.get('/npm/-/web/profile')).statusCode, 200);
    // A plain-http cookie name is not read on an https registry.
    const plain = new Browser(https, 'https://registry.test');
    plain.cookies.set('tessera-session', hb.cookies.get('__Host-tessera-session')!);
    assert.equal((await plain.get('/npm/-/web/profile')).statusCode, 303);
  } finally {
    await https.close();
  }
});

test('a POST without the CSRF token, with a wrong one, or from another origin is refused', async () => {
  await t.signUp('kim');
  const b = new Browser(t);
  await b.signIn('kim');
  await b.get('/-/web/profile');
  const change = { email: 'kim@example.com', fullname: 'Kim K' };
  for (const opts of [{ csrf: null }, { csrf: 'x'.repeat(43) }, { origin: 'http://evil.test' }, { origin: 'null', csrf: null }, { fetchSite: 'cross-site' }, { fetchSite: 'same-site' }]) {
    const res = await b.post('/-/web/profile', change, opts);
    assert.equal(res.statusCode, 403, JSON.stringify(opts));
  }
  // Another browser's token does not fit this session.
  const other = new Browser(t);
  await other.get('/-/web/login');
  assert.equal((await b.post('/-/web/profile', change, { csrf: other.csrf })).statusCode, 403);
  // A Referer from elsewhere when Origin is missing.
  const res = await t.request({
    method: 'POST',
    url: '/-/web/profile',
    payload: new URLSearchParams({ _csrf: b.csrf, ...change }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'http://evil.test/x', cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  assert.equal(res.statusCode, 403);
  const profile = await t.request({ url: '/-/npm/v1/user', token: await t.signUp('kim-check') });
  assert.equal(profile.statusCode, 200);
  assert.equal((await b.get('/-/web/profile')).body.includes('Kim K'), false, 'nothing changed');
  // With the right token and origin it works; so it does with what Chromium sends under our
  // Referrer-Policy: no-referrer (Origin: null, Sec-Fetch-Site: same-origin, no Referer).
  const ok = await b.post('/-/web/profile', change);
  assert.equal(ok.statusCode, 303, ok.body);
  assert.match((await b.get('/-/web/profile')).body, /value="Kim K"/);
  const chromiumLike = await b.post('/-/web/profile', { ...change, fullname: 'Kim L' }, { origin: 'null', fetchSite: 'same-origin' });
  assert.equal(chromiumLike.statusCode, 303, chromiumLike.body);
  assert.match((await b.get('/-/web/profile')).body, /value="Kim L"/);
});

test('the sign-in form needs the CSRF token of its browser too (no login CSRF)', async () => {
  await t.signUp('lea');
  const b = new Browser(t);
  await b.get('/-/web/login');
  assert.equal((await b.post('/-/web/login', { name: 'lea', password: PASSWORD }, { csrf: null })).statusCode, 403);
  assert.equal((await b.post('/-/web/login', { name: 'lea', password: PASSWORD }, { origin: 'http://evil.test' })).statusCode, 403);
  assert.equal((await b.post('/-/web/login', { name: 'lea', password: PASSWORD })).statusCode, 303);
});

test('a session idle for 30 minutes ends; an active one ends 12 hours after sign-in', async () => {
  await t.signUp('max');
  const idle = new Browser(t);
  await idle.signIn('max');
  clock.advanceSeconds(29 * 60);
  assert.equal((await idle.get('/-/web/profile')).statusCode, 200);
  await t.deps.usage.flush();
  clock.advanceSeconds(30 * 60 + 1);
  const gone = await idle.get('/-/web/profile');
  assert.equal(gone.statusCode, 303);
  assert.match(String(gone.headers.location), /^\/-\/web\/login\?next=/);
  assert.ok(setCookieLines(gone).some((l) => l.startsWith('tessera-session=;') && /Max-Age=0/.test(l)), 'the dead cookie is cleared');

  const busy = new Browser(t);
  await busy.signIn('max');
  for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
    clock.advanceSeconds(20 * 60);
    assert.equal((await busy.get('/-/web/tokens')).statusCode, 200, `still signed in after ${minutes + 20} min`);
  }
  clock.advanceSeconds(25 * 60);
  assert.equal((await busy.get('/-/web/tokens')).statusCode, 303, 'the absolute lifetime is over');
});

test('with 2FA the password step gives only a signed 5-minute pre-auth cookie, then the code signs in', async () => {
  const cli = await t.signUp('nia');
  const { secret, codes } = await enrol(t, cli, clock);
  const b = new Browser(t);
  await b.get('/-/web/login');
  const step1 = await b.post('/-/web/login', { name: 'nia', password: PASSWORD });
  assert.equal(step1.headers.location, '/-/web/login/otp');
  assert.ok(!setCookieLines(step1).some((l) => l.startsWith('tessera-session=')), 'no session yet');
  const pre = b.cookies.get('tessera-preauth')!;
  assert.ok(pre && !pre.includes(PASSWORD) && !Buffer.from(pre.split('.')[0], 'base64url').toString().includes(PASSWORD));
  assert.equal((await b.get('/-/web/profile')).statusCode, 303, 'the pre-auth cookie is no session');

  // A forged pre-auth cookie (another account id, same MAC) is refused.
  const payload = JSON.parse(Buffer.from(pre.split('.')[0], 'base64url').toString());
  const forged = `${Buffer.from(JSON.stringify({ ...payload, u: payload.u + 1 })).toString('base64url')}.${pre.split('.')[1]}`;
  const thief = new Browser(t);
  await thief.get('/-/web/login');
  thief.cookies.set('tessera-preauth', forged);
  assert.equal((await thief.post('/-/web/login/otp', { otp: codeAt(secret, clock) })).statusCode, 401);

  await b.get('/-/web/login/otp');
  const wrong = await b.post('/-/web/login/otp', { otp: '000000' === codeAt(secret, clock) ? '111111' : '000000' });
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.body, /wrong or expired/);
  const ok = await b.post('/-/web/login/otp', { otp: codeAt(secret, clock) });
  assert.equal(ok.statusCode, 303, ok.body);
  assert.ok(setCookieLines(ok).some((l) => l.startsWith('tessera-preauth=;')), 'the pre-auth cookie is cleared');
  assert.equal((await b.get('/-/web/profile')).statusCode, 200);

  // A recovery code works once; the pre-auth cookie expires after 5 minutes.
  const r = new Browser(t);
  await r.get('/-/web/login');
  await r.post('/-/web/login', { name: 'nia', password: PASSWORD });
  clock.advanceSeconds(5 * 60 + 1);
  assert.equal((await r.get('/-/web/login/otp')).headers.location, '/-/web/login');
  await r.post('/-/web/login', { name: 'nia', password: PASSWORD });
  await r.get('/-/web/login/otp');
  assert.equal((await r.post('/-/web/login/otp', { recovery: codes[0] })).statusCode, 303);
  const again = new Browser(t);
  await again.get('/-/web/login');
  await again.post('/-/web/login', { name: 'nia', password: PASSWORD });
  await again.get('/-/web/login/otp');
  assert.equal((await again.post('/-/web/login/otp', { recovery: codes[0] })).statusCode, 401);
});

test('wrong passwords on the web sign-in are throttled like the API', async () => {
  // Its own registry: the lock is per address too, and would hold up the other tests.
  const t = await startApp();
  after(() => t.close());
  await t.signUp('ola');
  const b = new Browser(t);
  await b.get('/-/web/login');
  let last: LightMyRequestResponse | undefined;
  for (let i = 0; i < 12; i++) last = await b.post('/-/web/login', { name: 'ola', password: `wrong password number ${i}` });
  assert.equal(last!.statusCode, 429);
  assert.match(last!.body, /Too many failed logins/);
  assert.equal((await b.post('/-/web/login', { name: 'ola', password: PASSWORD })).statusCode, 429, 'even the right password, during the lock');
});

test('a browser session is no Bearer token and is not listed among tokens', async () => {
  const cli = await t.signUp('pia');
  const b = new Browser(t);
  await b.signIn('pia');
  const secret = b.cookies.get('tessera-session')!;
  const who = await t.request({ url: '/-/whoami', token: secret });
  assert.equal(who.statusCode, 401);
  const list = await t.request({ url: '/-/npm/v1/tokens', token: cli });
  assert.equal(list.json().total, 0);
  // And an API token is no browser session.
  const page = await t.request({ url: '/-/web/profile', token: cli });
  assert.equal(page.statusCode, 303);
});

test('HTML forms are parsed only under /-/web/; the npm API keeps reading JSON', async () => {
  const res = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:quin',
    payload: JSON.stringify({ name: 'quin', password: PASSWORD, email: 'quin@example.com' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(res.statusCode, 201, res.body);
});

test('a new token and recovery codes are only in the POST answer: no redirect, no URL', async () => {
  const cli = await t.signUp('rae');
  const b = new Browser(t);
  await b.signIn('rae');
  await b.get('/-/web/tokens');
  const created = await b.post('/-/web/tokens', { permission: 'read-only', coverage: 'all', cidr: '10.0.0.0/8', password: PASSWORD });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.headers.location, undefined);
  const token = /id="new-token"[^>]*>([^<]+)</.exec(created.body)![1];
  assert.match(token, /^tsr_/);
  assert.equal((await b.get('/-/web/tokens')).body.includes(token), false, 'shown once');
  const list = await t.request({ url: '/-/npm/v1/tokens', token: cli });
  assert.deepEqual(list.json().objects[0].cidr_whitelist, ['10.0.0.0/8']);

  await b.get('/-/web/2fa');
  const setup = await b.post('/-/web/2fa/enable', { mode: 'auth-and-writes', password: PASSWORD });
  assert.equal(setup.statusCode, 200, setup.body);
  assert.match(setup.body, /<img class="qr" src="data:image\/png;base64,/);
  const secret = /id="totp-secret">([A-Z2-7]+)</.exec(setup.body)![1];
  const done = await b.post('/-/web/2fa/confirm', { code: codeAt(secret, clock), otpauth: /name="otpauth" value="([^"]+)"/.exec(setup.body)![1].replace(/&amp;/g, '&') });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.headers.location, undefined);
  const codes = [...done.body.matchAll(/<li>([0-9a-f]{64})<\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  const page = await b.get('/-/web/2fa');
  assert.match(page.body, /is <strong>on<\/strong>/);
  assert.ok(!codes.some((c) => page.body.includes(c)));
});

test('npm web login: loginUrl and doneUrl, approval in a signed-in browser, the token once', async () => {
  await t.signUp('sam');
  const start = await t.request({ method: 'POST', url: '/-/v1/login', payload: {}, headers: { 'npm-auth-type': 'web', authorization: 'Bearer tsr_stale' } });
  assert.equal(start.statusCode, 200, start.body);
  const { loginUrl, doneUrl } = start.json();
  assert.match(loginUrl, /^http:\/\/registry\.test\/-\/web\/cli-login\/[A-Za-z0-9_-]{43}$/);
  const done = new URL(doneUrl);
  assert.equal(done.pathname, '/-/v1/done');
  const poll = () => t.request({ url: `${done.pathname}${done.search}` });

  const waiting = await poll();
  assert.equal(waiting.statusCode, 202);
  assert.equal(waiting.headers['retry-after'], '1');
  assert.deepEqual(waiting.json(), {});

  const b = new Browser(t);
  const path = new URL(loginUrl).pathname;
  const toLogin = await b.get(path);
  assert.equal(toLogin.statusCode, 303);
  assert.equal(toLogin.headers.location, `/-/web/login?next=${encodeURIComponent(path)}`);
  await b.get(String(toLogin.headers.location));
  const signed = await b.post('/-/web/login', { name: 'sam', password: PASSWORD, next: path });
  assert.equal(signed.headers.location, path);
  const approvePage = await b.get(path);
  assert.match(approvePage.body, /Approve this login/);
  assert.equal((await poll()).statusCode, 202, 'not before the click');
  const approved = await b.post(path, {});
  assert.equal(approved.statusCode, 200, approved.body);

  const got = await poll();
  assert.equal(got.statusCode, 200);
  const token = got.json().token as string;
  assert.equal((await t.request({ url: '/-/whoami', token })).json().username, 'sam');
  assert.equal((await poll()).statusCode, 404, 'handed out once');
  assert.equal((await b.get(path)).statusCode, 404, 'the link is used up');
});

test('changing the password in the browser ends the other browser and CLI sessions', async () => {
  const cli = await t.signUp('tia');
  const one = new Browser(t);
  const two = new Browser(t);
  await one.signIn('tia');
  await two.signIn('tia');
  await one.get('/-/web/profile');
  const newPassword = 'amber lantern meadow 77';
  const res = await one.post('/-/web/profile/password', { old: PASSWORD, new: newPassword, new2: newPassword });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal((await one.get('/-/web/profile')).statusCode, 200, 'this session stays');
  assert.equal((await two.get('/-/web/profile')).statusCode, 303, 'the other browser is signed out');
  assert.equal((await t.request({ url: '/-/whoami', token: cli })).statusCode, 401, 'the npm login session ended');
});

test('package pages show versions, tags, owners and the readme rendered with its HTML as text; hidden ones are 404', async () => {
  const token = await t.signUp('uma');
  const body = publishBody('web-pkg', '1.0.0', { manifest: { readme: '# Hi\n<script>alert(1)</script>' } });
  const put = await t.request({ method: 'PUT', url: '/web-pkg', token, payload: body });
  assert.equal(put.statusCode, 201, put.body);
  const b = new Browser(t);
  const page = await b.get('/-/web/package/web-pkg');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<div class="readme"><h3>Hi<\/h3>\n<p>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/p>/);
  assert.doesNotMatch(page.body, /<script>alert/);
  assert.match(page.body, /uma/);
  assert.match(page.body, /latest/);
  assert.equal((await b.get('/-/web/package/no-such-pkg')).statusCode, 404);
});

test('sign-in never continues to another site', async () => {
  await t.signUp('vic');
  for (const next of ['https://evil.test/', '//evil.test/x', '/-/web/../../x', '/elsewhere', 'javascript:alert(1)']) {
    const b = new Browser(t);
    await b.get('/-/web/login');
    const res = await b.post('/-/web/login', { name: 'vic', password: PASSWORD, next });
    assert.equal(res.headers.location, '/-/web/', next);
  }
});

test('login-approval ids are cut out of request logs', () => {
  const id = 'A'.repeat(43);
  assert.equal(redactUrl(`/-/web/cli-login/${id}`), '/-/web/cli-login/[redacted]');
  assert.equal(redactUrl(`/-/web/login?next=${encodeURIComponent(`/-/web/cli-login/${id}`)}`), '/-/web/login?next=%2F-%2Fweb%2Fcli-login%2F[redacted]');
  assert.equal(redactUrl(`/-/v1/done?authId=${id}`), '/-/v1/done?authId=[redacted]');
});
