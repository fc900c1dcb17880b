// Trusted publishing end to end (issue #16) with the real npm CLI and a local OIDC issuer
// (its own RS256 key, discovery document and JWKS on 127.0.0.1): a maintainer with 2FA runs
// `npm trust github|gitlab` with an OTP; a "CI job" whose npmrc has no token runs `npm publish`
// (GitHub flavour: GITHUB_ACTIONS + ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN; GitLab flavour:
// GITLAB_CI + NPM_ID_TOKEN) and the version lands; each refusal is asserted on the exchange's
// HTTP answer and on the line npm prints at --loglevel verbose (npm lib/utils/oidc.js logs
// "Failed token exchange request with body message: ..." and carries on without a token).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, makeNpm, type Npm, type RunResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';
import { registryVersions } from './harness/publishing.ts';
import { githubClaims, gitlabClaims, startIssuer, type SignOptions, type TestIssuer } from '../support/oidc-issuer.ts';

const T = { timeout: 300_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
const SLOW = { timeoutMs: 120_000 };

let server: RunningServer;
let issuer: TestIssuer;
let maintainer: Npm;
let codes: CodeSource;
const url = (): string => server.url;
const audience = (): string => `npm:${new URL(url()).hostname}`;

/** The environment of a GitHub Actions job that may ask for identity tokens. */
const githubJob = (): Record<string, string> => ({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: issuer.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken });

/** A fresh npm config with no token at all: what a CI job has. */
function ciNpm(): Npm {
  const npm = makeNpm(url());
  assert.equal(npm.token(), undefined);
  return npm;
}

function ciPublish(name: string, version: string, env: Record<string, string>): Promise<RunResult> {
  const npm = ciNpm();
  return npm.run(['publish', '--loglevel', 'verbose'], { cwd: npm.makePackage(name, version), env });
}

const sign = (claims: Record<string, unknown>, options: SignOptions = {}) => issuer.sign({ aud: audience(), ...claims }, options);
const exchange = (name: string, jwt: string) => api(url(), `/-/npm/v1/oidc/token/exchange/package/${encodeURIComponent(name)}`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } });

/** The refusal on the exchange's HTTP answer, then on npm's verbose line; nothing is published. */
async function refusedBoth(name: string, jwt: string, status: number, why: RegExp, options: { skipDirect?: boolean } = {}): Promise<void> {
  if (!options.skipDirect) {
    const res = await exchange(name, jwt);
    assert.equal(res.status, status, res.text);
    assert.match(res.json.error, why);
    assert.equal(res.json.message, res.json.error);
  }
  const before = await registryVersions(url(), name);
  const r = await ciPublish(name, '9.9.9', { GITHUB_ACTIONS: 'true', NPM_ID_TOKEN: jwt });
  assert.notEqual(r.code, 0, `npm publish without an exchanged token must fail\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`npm verbose oidc Failed token exchange request with body message: .*${why.source}`), r.stderr);
  assert.deepEqual(await registryVersions(url(), name), before);
}

before(async () => {
  issuer = await startIssuer();
  server = await startServer({ args: ['--trust-github-issuer', issuer.url, '--trust-gitlab-issuer', `${issuer.url}/gitlab`, '--trust-token-minutes', '1'] });
  ({ npm: maintainer } = await adduser(url(), 'maya', PASSWORD, server));
  // The packages first (2FA auth-only then: trust changes still need an OTP each).
  for (const name of ['trust-e2e', 'trust-e2e-env', 'trust-e2e-gl', 'trust-e2e-stage']) {
    expectOk(await maintainer.run(['publish'], { cwd: maintainer.makePackage(name, '1.0.0') }), `npm publish ${name}`, server);
  }
  const token = maintainer.token()!;
  const start = await api(url(), '/-/npm/v1/user', { method: 'POST', token, body: { tfa: { mode: 'auth-only', password: PASSWORD } } });
  assert.equal(start.status, 200, start.text);
  const secret = new URL(start.json.tfa).searchParams.get('secret')!;
  codes = codeSource(secret);
  const confirm = await api(url(), '/-/npm/v1/user', { method: 'POST', token, body: { tfa: [await codes.next()] } });
  assert.equal(confirm.status, 200, confirm.text);
});

after(async () => {
  await server?.stop();
  await issuer?.close();
});

describe('trusted publishing with the real npm CLI', { concurrency: false }, () => {
  test('npm trust github answers the OTP prompt; npm trust list shows it', T, async () => {
    const r = await maintainer.pty(
      ['trust', 'github', 'trust-e2e', '--repository', 'acme/tool', '--file', 'release.yml', '--allow-publish', '--yes'],
      [{ prompt: /Enter OTP:/, answer: () => codes.next() }],
      SLOW,
    );
    expectOk(r, 'npm trust github', server);
    assert.equal(r.answered, 1, 'npm asked for the OTP');
    assert.match(r.output, /Trust configuration created successfully for trust-e2e/);
    assert.match(r.output, /repository: acme\/tool/);
    assert.match(r.output, /permissions: publish/);
    const list = await maintainer.run(['trust', 'list', 'trust-e2e']);
    expectOk(list, 'npm trust list', server);
    assert.match(list.stdout, /type: github\nid: [0-9a-f-]{36}\nfile: release\.yml\nrepository: acme\/tool\npermissions: publish/);
    for (const args of [
      ['github', 'trust-e2e-env', '--repository', 'acme/env', '--file', 'deploy.yml', '--environment', 'npm', '--allow-publish'],
      ['gitlab', 'trust-e2e-gl', '--project', 'group/sub/project', '--file', '.gitlab-ci.yml', '--allow-publish'],
      ['github', 'trust-e2e-stage', '--repository', 'acme/stage', '--file', 'release.yml', '--allow-stage-publish'],
    ]) {
      expectOk(await maintainer.run(['trust', ...args, '--yes', `--otp=${await codes.next()}`]), `npm trust ${args.join(' ')}`, server);
    }
  });

  test('trust changes without 2FA are refused, saying so', T, async () => {
    const { npm: plain } = await adduser(url(), 'paul', PASSWORD, server);
    expectOk(await plain.run(['publish'], { cwd: plain.makePackage('trust-e2e-plain', '1.0.0') }), 'npm publish', server);
    const r = await plain.run(['trust', 'github', 'trust-e2e-plain', '--repository', 'a/b', '--file', 'x.yml', '--allow-publish', '--yes']);
    expectFail(r, 'npm trust github without 2FA', [/403/, /requires two-factor authentication on your account/], server);
  });

  test('a GitHub Actions job with no token publishes; the version says which workflow', T, async () => {
    issuer.defaults = githubClaims('acme/tool', 'release.yml');
    const r = await ciPublish('trust-e2e', '1.1.0', githubJob());
    expectOk(r, 'npm publish from the CI job', server);
    assert.match(r.stderr, /npm verbose oidc Successfully retrieved and set token/);
    assert.ok(issuer.audiences.includes(audience()), `npm asked for ${audience()}: ${issuer.audiences.join()}`);
    assert.deepEqual(await registryVersions(url(), 'trust-e2e'), ['1.0.0', '1.1.0']);
    const doc = await api(url(), '/trust-e2e');
    assert.equal(doc.json.versions['1.1.0']._npmUser.trustedPublisher.workflow, 'github:acme/tool/.github/workflows/release.yml@refs/heads/main');
    assert.ok(!server.output().includes(issuer.requestToken) && !/eyJ[A-Za-z0-9_-]{20,}\./.test(server.output()), 'no identity token in the server log');
  });

  test('a GitLab CI job (GITLAB_CI, NPM_ID_TOKEN) publishes', T, async () => {
    const jwt = await sign(gitlabClaims('group/sub/project', '.gitlab-ci.yml'), { iss: `${issuer.url}/gitlab` });
    const r = await ciPublish('trust-e2e-gl', '1.1.0', { GITLAB_CI: 'true', NPM_ID_TOKEN: jwt });
    expectOk(r, 'npm publish from GitLab', server);
    assert.deepEqual(await registryVersions(url(), 'trust-e2e-gl'), ['1.0.0', '1.1.0']);
  });

  test('refused with the reason: repository, workflow file, environment, audience, expired, replayed, unknown key, untrusted issuer', T, async () => {
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/other', 'release.yml')), 403, /repository acme\/other is not the trusted repository/);
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/tool', 'evil.yml')), 403, /workflow acme\/tool\/.github\/workflows\/evil.yml@refs\/heads\/main is not the trusted workflow file/);
    await refusedBoth('trust-e2e-env', await sign(githubClaims('acme/env', 'deploy.yml', { environment: 'staging' })), 403, /environment staging is not the trusted environment/);
    await refusedBoth('trust-e2e', await sign({ ...githubClaims('acme/tool', 'release.yml'), aud: 'npm:registry.npmjs.org' }), 401, /Identity token refused \(audience\)/);
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/tool', 'release.yml'), { nowS: Math.floor(Date.now() / 1000) - 600, lifetimeS: 300 }), 401, /Identity token refused \(expired\)/);
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/tool', 'release.yml'), { unknownKey: true }), 401, /Identity token refused \(unknown key\)/);
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/tool', 'release.yml'), { iss: 'https://token.actions.example' }), 401, /Identity token refused \(untrusted issuer\)/);
    const jwt = await sign(githubClaims('acme/tool', 'release.yml'));
    assert.equal((await exchange('trust-e2e', jwt)).status, 200);
    await refusedBoth('trust-e2e', jwt, 401, /already exchanged for trust-e2e: replayed/);
  });

  test('the short-lived token: not for another package, not for a permission its relationship lacks, nothing but publishing, not after its lifetime', T, async () => {
    const jwt = await sign(githubClaims('acme/tool', 'release.yml'));
    const res = await exchange('trust-e2e', jwt);
    assert.equal(res.status, 200, res.text);
    const expires = Date.parse(res.json.expires);
    const stolen = ciNpm();
    stolen.setToken(res.json.token);
    const other = await stolen.run(['publish'], { cwd: stolen.makePackage('trust-e2e-env', '2.0.0') });
    expectFail(other, 'publishing another package', [/403/, /issued for trust-e2e; it cannot be used for trust-e2e-env/], server);
    const tag = await stolen.run(['dist-tag', 'add', 'trust-e2e@1.0.0', 'beta']);
    expectFail(tag, 'a dist-tag change', [/403/, /may only publish trust-e2e/], server);
    const who = await stolen.run(['whoami']);
    assert.notEqual(who.code, 0, who.stdout);
    // A stage-only relationship: the exchange works, the publish does not.
    issuer.queue(githubClaims('acme/stage', 'release.yml'));
    const staged = await ciPublish('trust-e2e-stage', '1.1.0', githubJob());
    expectFail(staged, 'npm publish with a stage-only relationship', [/403/, /does not allow npm publish \(it allows npm stage publish\)/], server);
    assert.match(staged.stderr, /npm verbose oidc Successfully retrieved and set token/);
    // After its lifetime (trustTokenMinutes 1 here): dead.
    await new Promise((r) => setTimeout(r, Math.max(0, expires - Date.now() + 1000)));
    const late = await stolen.run(['publish'], { cwd: stolen.makePackage('trust-e2e', '1.9.0') });
    expectFail(late, 'publishing after the token expired', [/401|E401/], server);
    assert.deepEqual(await registryVersions(url(), 'trust-e2e'), ['1.0.0', '1.1.0']);
  });

  test('npm trust revoke with an OTP; the workflow can no longer publish', T, async () => {
    const list = await api(url(), '/-/package/trust-e2e/trust', { token: maintainer.token() });
    const id = list.json[0].id as string;
    const r = await maintainer.run(['trust', 'revoke', 'trust-e2e', '--id', id, `--otp=${await codes.next()}`]);
    expectOk(r, 'npm trust revoke', server);
    // npm redacts UUIDs in its output ("with id ***").
    assert.match(r.stdout, /Revoked trusted configuration for package trust-e2e with id/);
    assert.deepEqual((await api(url(), '/-/package/trust-e2e/trust', { token: maintainer.token() })).json, []);
    await refusedBoth('trust-e2e', await sign(githubClaims('acme/tool', 'release.yml')), 403, /no trust relationship with github/);
  });
});
