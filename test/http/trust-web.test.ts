// Trusted publishing in the web UI (issue #16 items 3 and 7): owners see a package's trust
// relationships, add one (also with a custom issuer, which npm trust cannot describe) and
// revoke it, each with an OTP; versions trusted publishing published say which workflow.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { startIssuer, type TestIssuer } from '../support/oidc-issuer.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const ORIGIN = 'http://registry.test';
const clock = new TestClock();
let t: TestApp;
let issuer: TestIssuer;
let secret: string;

/** A browser in miniature: cookies, the last page's CSRF token, an Origin header. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly app: TestApp) {}
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
  private cookie(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }
  async get(url: string) {
    return this.absorb(await this.app.request({ url, headers: this.cookie() }));
  }
  async post(url: string, fields: Record<string, string>) {
    const payload = new URLSearchParams({ _csrf: this.csrf, ...fields }).toString();
    return this.absorb(await this.app.request({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...this.cookie() } }));
  }
}

function otp(): string {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
}

before(async () => {
  issuer = await startIssuer();
  const config = join(tmpdir(), `tessera-trust-web-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ trustedIssuers: [{ name: 'forgejo', issuer: `${issuer.url}/forgejo`, claims: ['repository', 'workflow'] }] }));
  t = await startApp({ 'trust-github-issuer': issuer.url, config }, clock);
  const token = await t.signUp('wendy');
  ({ secret } = await enrol(t, token, clock));
  const res = await t.request({ method: 'PUT', url: '/webpkg', token, payload: publishBody('webpkg', '1.0.0'), headers: { 'npm-otp': otp() } });
  assert.equal(res.statusCode, 201, res.body);
  await t.signUp('visitor');
});
after(async () => {
  await t.close();
  await issuer.close();
});

test('owners add, see and revoke trust relationships on the package page, each with an OTP; others see none of it', async () => {
  const b = new Browser(t);
  await b.get('/-/web/login');
  let res = await b.post('/-/web/login', { name: 'wendy', password: PASSWORD, next: '/-/web/' });
  await b.get('/-/web/login/otp');
  res = await b.post('/-/web/login/otp', { otp: otp() });
  assert.equal(res.statusCode, 303, res.body);
  let page = await b.get('/-/web/package/webpkg');
  assert.match(page.body, /<h2 id="trust">Trusted publishing<\/h2>/);
  assert.match(page.body, /No trust relationships\./);
  assert.match(page.body, /<option value="forgejo">forgejo<\/option>/);

  const github = { package: 'webpkg', type: 'github', entity: 'acme/webpkg', file: 'release.yml', environment: '', claims: '', allow_publish: '1' };
  res = await b.post('/-/web/trust', github);
  assert.equal(res.statusCode, 401, 'without an OTP');
  assert.match(res.body, /one-time pass/);
  res = await b.post('/-/web/trust', { ...github, file: 'release.txt', otp: otp() });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /\.yml or \.yaml/);
  res = await b.post('/-/web/trust', { ...github, otp: otp() });
  assert.equal(res.statusCode, 303, res.body);
  res = await b.post('/-/web/trust', { package: 'webpkg', type: 'forgejo', entity: '', file: '', environment: '', claims: 'repository=team/webpkg\nworkflow=release', allow_publish: '1', otp: otp() });
  assert.equal(res.statusCode, 303, res.body);
  page = await b.get('/-/web/package/webpkg?trust=added');
  assert.match(page.body, /Trust relationship added\./);
  assert.match(page.body, /repository acme\/webpkg, workflow \.github\/workflows\/release\.yml/);
  assert.match(page.body, /repository team\/webpkg, workflow release/);

  // A Forgejo job publishes through its relationship: the page says which workflow.
  const jwt = await issuer.sign({ aud: 'npm:registry.test', repository: 'team/webpkg', workflow: 'release' }, { iss: `${issuer.url}/forgejo`, nowS: Math.floor(clock.ms / 1000) });
  const ex = await t.request({ method: 'POST', url: '/-/npm/v1/oidc/token/exchange/package/webpkg', headers: { authorization: `Bearer ${jwt}` } });
  assert.equal(ex.statusCode, 200, ex.body);
  assert.equal((await t.request({ method: 'PUT', url: '/webpkg', token: ex.json().token, payload: publishBody('webpkg', '1.1.0') })).statusCode, 201);
  page = await b.get('/-/web/package/webpkg');
  assert.match(page.body, /Published by trusted publishing/);
  assert.match(page.body, /<td data-label="Version">1\.1\.0<\/td><td data-label="Workflow"><code>forgejo:repository=team\/webpkg workflow=release<\/code>/);

  const visitor = new Browser(t);
  await visitor.get('/-/web/login');
  await visitor.post('/-/web/login', { name: 'visitor', password: PASSWORD, next: '/-/web/' });
  const seen = await visitor.get('/-/web/package/webpkg');
  assert.doesNotMatch(seen.body, /id="trust"/, 'a non-owner sees no relationships');
  assert.match(seen.body, /Published by trusted publishing/, 'which workflow published is public, as on npmjs');

  const ids = [...page.body.matchAll(/name="id" value="([0-9a-f-]{36})"/g)].map((m) => m[1]);
  assert.equal(ids.length, 2);
  res = await b.post('/-/web/trust/revoke', { package: 'webpkg', id: ids[0] });
  assert.equal(res.statusCode, 401, 'revoking needs an OTP');
  res = await b.post('/-/web/trust/revoke', { package: 'webpkg', id: ids[0], otp: otp() });
  assert.equal(res.statusCode, 303, res.body);
  page = await b.get('/-/web/package/webpkg?trust=revoked');
  assert.match(page.body, /Trust relationship revoked\./);
  assert.equal([...page.body.matchAll(/name="id" value="([0-9a-f-]{36})"/g)].length, 1);
});
