// Refused trusted-publishing exchanges: a verified identity token that matches no relationship
// of the package reaches each owner's security log (identity, reason, address; never the
// token), at most once per package, identity and reason per minute; a token that fails
// verification reaches the server's request log only.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import type { securityLog } from '../../src/core/accounts/security-log.ts';
import { createServer, type Server } from '../../src/server.ts';
import { securityLogPage } from '../../src/web/pages/security-log.ts';
import { RAISED_LIMITS, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { githubClaims, startIssuer, type SignOptions, type TestIssuer } from '../support/oidc-issuer.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
const AUD = 'npm:registry.test';
const lines: string[] = [];
let server: Server;
let dataDir: string;
let t: TestApp;
let issuer: TestIssuer;
let owner: string;
let secret: string;

const otp = () => {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
};
const sign = (claims: Record<string, unknown>, options: SignOptions = {}) => issuer.sign({ aud: AUD, ...claims }, { nowS: Math.floor(clock.ms / 1000), ...options });
const exchange = (pkg: string, jwt: string, ip = '127.0.0.1') =>
  t.request({ method: 'POST', url: `/-/npm/v1/oidc/token/exchange/package/${pkg}`, headers: { authorization: `Bearer ${jwt}` }, remoteAddress: ip });
const refusals = async () =>
  (await t.request({ url: '/-/tessera/v1/security-log', token: owner })).json().objects.filter((e: { type: string }) => e.type === 'trusted-publishing-refused');

before(async () => {
  issuer = await startIssuer();
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-trust-refusals-'));
  const config = loadConfig({ flags: { data: dataDir, url: 'http://registry.test/', upstream: 'none', ...RAISED_LIMITS, 'trust-github-issuer': issuer.url }, env: {} });
  server = await createServer(config, { clock, logger: { level: 'info', stream } });
  t = {
    app: server.app,
    deps: server.deps,
    dataDir,
    request: ({ token, headers, ...rest }) => server.app.inject({ ...rest, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } }),
    async signUp(name) {
      const res = await t.request({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { _id: `org.couchdb.user:${name}`, name, password: 'violet kettle orbit 42', email: `${name}@example.com`, type: 'user', roles: [] } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().token as string;
    },
    close: () => server.close(),
  };
  owner = await t.signUp('owner');
  ({ secret } = await enrol(t, owner, clock));
  for (const name of ['tool', 'bare']) {
    const res = await t.request({ method: 'PUT', url: `/${name}`, token: owner, payload: publishBody(name, '1.0.0'), headers: { 'npm-otp': otp() } });
    assert.equal(res.statusCode, 201, res.body);
  }
  const trust = await t.request({ method: 'POST', url: '/-/package/tool/trust', token: owner, headers: { 'npm-otp': otp() }, payload: [{ type: 'github', claims: { repository: 'acme/tool', workflow_ref: { file: 'release.yml' }, environment: 'npm' }, permissions: ['createPackage'] }] });
  assert.equal(trust.statusCode, 201, trust.body);
});
after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  await issuer.close();
});

test('a verified token of another repository: refused, and the owner sees who tried, why and from where (never the token)', async () => {
  const jwt = await sign(githubClaims('evil/fork', 'release.yml', { environment: 'npm' }));
  const res = await exchange('tool', jwt, '10.1.2.3');
  assert.equal(res.statusCode, 403, res.body);
  assert.match(res.json().error, /repository evil\/fork is not the trusted repository/);
  const [event, ...more] = await refusals();
  assert.equal(more.length, 0);
  assert.equal(event.ip, '10.1.2.3');
  assert.deepEqual(event.detail, {
    package: 'tool',
    issuer: issuer.url,
    repository: 'evil/fork',
    workflow: 'evil/fork/.github/workflows/release.yml@refs/heads/main',
    ref: 'refs/heads/main',
    environment: 'npm',
    reason: 'repository evil/fork is not the trusted repository',
  });
  const log = JSON.stringify(await t.request({ url: '/-/tessera/v1/security-log', token: owner }).then((r) => r.json()));
  assert.ok(!log.includes(jwt.split('.')[2]) && !log.includes('eyJ'), 'no token in the log');
});

test('a flood of one identity and reason writes one line a minute; another reason, identity or package writes its own', async () => {
  const before = (await refusals()).length;
  for (let i = 0; i < 20; i++) assert.equal((await exchange('tool', await sign(githubClaims('evil/fork', 'release.yml', { environment: 'npm' })))).statusCode, 403);
  assert.equal((await refusals()).length, before, 'the same identity and reason within the minute: no new line');
  assert.equal((await exchange('tool', await sign(githubClaims('acme/tool', 'other.yml', { environment: 'npm' })))).statusCode, 403);
  assert.equal((await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml', { environment: 'staging' })))).statusCode, 403);
  assert.equal((await exchange('bare', await sign(githubClaims('evil/fork', 'release.yml', { environment: 'npm' })))).statusCode, 403);
  const now = await refusals();
  assert.equal(now.length, before + 3);
  assert.match(now[0].detail.reason, /no trust relationship with github/, 'a package without relationships: its owners see the attempt too');
  assert.ok(now.some((e: { detail: { reason: string } }) => /environment staging is not the trusted environment/.test(e.detail.reason)));
  clock.advanceSeconds(61);
  assert.equal((await exchange('tool', await sign(githubClaims('evil/fork', 'release.yml', { environment: 'npm' })))).statusCode, 403);
  assert.equal((await refusals()).length, before + 4, 'a minute later the same attempt is logged again');
});

test('tokens that fail verification reach the request log only (one line, no token), never the owners', async () => {
  const before = (await refusals()).length;
  const bad = [
    await sign({ ...githubClaims('evil/fork', 'release.yml'), aud: 'npm:elsewhere' }),
    await sign(githubClaims('evil/fork', 'release.yml'), { lifetimeS: -3600 }),
    await sign(githubClaims('evil/fork', 'release.yml'), { unknownKey: true }),
    await sign(githubClaims('evil/fork', 'release.yml'), { iss: 'https://issuer.invalid' }),
  ];
  for (const jwt of bad) {
    lines.length = 0;
    const res = await exchange('tool', jwt);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, res.body);
    const refused = lines.filter((l) => l.includes('exchange refused'));
    assert.equal(refused.length, 1, lines.join(''));
    assert.ok(!lines.join('').includes(jwt.split('.')[2]) && !lines.join('').includes('eyJ'), 'no token in the request log');
  }
  assert.equal((await refusals()).length, before);
});

test('the refused line in tessera user log and on the web security log, one readable line', async () => {
  const out = execFileSync(process.execPath, ['bin/tessera.js', 'user', 'log', 'owner', '--data', dataDir], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes('trusted-publishing-refused') && l.includes('10.1.2.3'));
  assert.ok(line, out);
  assert.match(line, /"reason":"repository evil\/fork is not the trusted repository"/);
  const log = (await t.request({ url: '/-/tessera/v1/security-log', token: owner })).json() as Awaited<ReturnType<typeof securityLog>>;
  const page = securityLogPage({ base: '/-/web/', registryName: 'Tessera', user: 'owner', csrf: 'x', assets: { css: '', js: '' } }, log).value;
  const row = page.split('<tr>').find((r) => r.includes('trusted-publishing-refused') && r.includes('10.1.2.3'));
  assert.ok(row, page);
  assert.match(row, /package tool · issuer http:\/\/127\.0\.0\.1:\d+ · repository evil\/fork · workflow evil\/fork\/\.github\/workflows\/release\.yml@refs\/heads\/main · ref refs\/heads\/main · environment npm · reason repository evil\/fork is not the trusted repository/);
});
