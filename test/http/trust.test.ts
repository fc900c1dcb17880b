// Trusted publishing in process (issue #16): npm trust's routes (owners, 2FA, an OTP per
// change, no bypass tokens) and the OIDC exchange against a real local issuer (discovery,
// JWKS, RS256), each refusal naming its check, and what the short-lived token may do.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { githubClaims, gitlabClaims, startIssuer, type SignOptions, type TestIssuer } from '../support/oidc-issuer.ts';
import { publishBody } from '../support/tarball.ts';
import { attachProvenance, provenanceBundle } from '../support/provenance.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let issuer: TestIssuer;
let owner: string;
let secret: string;
const AUD = 'npm:registry.test';

type Res = Awaited<ReturnType<TestApp['request']>>;
function refused(res: Res, status: number, pattern: RegExp) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.match(body.error, pattern);
  assert.equal(body.message, body.error, 'npm logs body.message: it names the check too');
}
/** A fresh code for the owner (each TOTP step is accepted once). */
function otp(): string {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
}
const nowS = () => Math.floor(clock.ms / 1000);
const sign = (claims: Record<string, unknown>, options: SignOptions = {}) => issuer.sign({ aud: AUD, ...claims }, { nowS: nowS(), ...options });
const exchange = (pkg: string, jwt: string | null) =>
  t.request({ method: 'POST', url: `/-/npm/v1/oidc/token/exchange/package/${pkg.replace('/', '%2f')}`, headers: jwt === null ? {} : { authorization: `Bearer ${jwt}` } });
const publish = (token: string, name: string, version: string, headers: Record<string, string> = {}) =>
  t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token, payload: publishBody(name, version), headers });
const trust = (token: string, pkg: string, body: unknown, code?: string) =>
  t.request({ method: 'POST', url: `/-/package/${pkg.replace('/', '%2f')}/trust`, token, payload: body as object, headers: code ? { 'npm-otp': code } : {} });
const github = (repository: string, file: string, extra: object = {}, permissions = ['createPackage']) => [{ type: 'github', claims: { repository, workflow_ref: { file }, ...extra }, permissions }];

before(async () => {
  issuer = await startIssuer();
  const config = join(await import('node:os').then((os) => os.tmpdir()), `tessera-trust-${process.pid}.json`);
  writeFileSync(config, JSON.stringify({ trustedIssuers: [{ name: 'forgejo', issuer: `${issuer.url}/forgejo`, claims: ['repository', 'workflow'] }] }));
  t = await startApp({ 'trust-github-issuer': issuer.url, 'trust-gitlab-issuer': `${issuer.url}/gitlab`, 'trust-circleci-issuer': `${issuer.url}/circle/`, config }, clock);
  owner = await t.signUp('owner');
  ({ secret } = await enrol(t, owner, clock));
  for (const name of ['tool', 'other', '@owner/scoped']) assert.equal((await publish(owner, name, '1.0.0', { 'npm-otp': otp() })).statusCode, 201);
});
after(async () => {
  await t.close();
  await issuer.close();
});

describe('npm trust: relationships', () => {
  test('an owner with 2FA adds one with an OTP, in the shape npm prints; list and revoke', async () => {
    const bare = await trust(owner, 'tool', github('acme/tool', 'release.yml'));
    assert.equal(bare.statusCode, 401);
    assert.match(bare.headers['www-authenticate'] as string, /otp/);
    const res = await trust(owner, 'tool', github('acme/tool', 'release.yml', { environment: 'npm' }, ['createPackage', 'createStagedPackage']), otp());
    assert.equal(res.statusCode, 201, res.body);
    const [created] = res.json();
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...created, id: 0, createdAt: 0 }, {
      id: 0,
      createdAt: 0,
      type: 'github',
      claims: { repository: 'acme/tool', workflow_ref: { file: 'release.yml' }, environment: 'npm' },
      permissions: ['createPackage', 'createStagedPackage'],
    });
    const list = await t.request({ url: '/-/package/tool/trust', token: owner });
    assert.deepEqual(list.json().map((c: { id: string }) => c.id), [created.id]);
    const del = await t.request({ method: 'DELETE', url: `/-/package/tool/trust/${created.id}`, token: owner });
    assert.equal(del.statusCode, 401, 'revoking needs an OTP too');
    const ok = await t.request({ method: 'DELETE', url: `/-/package/tool/trust/${created.id}`, token: owner, headers: { 'npm-otp': otp() } });
    assert.equal(ok.statusCode, 204, ok.body);
    refused(await t.request({ method: 'DELETE', url: `/-/package/tool/trust/${created.id}`, token: owner, headers: { 'npm-otp': otp() } }), 404, /no trust relationship/);
    const log = (await t.request({ url: '/-/tessera/v1/security-log', token: owner })).json().objects.map((e: { type: string }) => e.type);
    assert.ok(log.includes('trust-added') && log.includes('trust-revoked'), log.join());
  });

  test('refused: without 2FA (403 saying so), for non-owners, with a bypass-2FA token, with Basic credentials, bad bodies', async () => {
    const plain = await t.signUp('plain');
    assert.equal((await publish(plain, 'plain-pkg', '1.0.0')).statusCode, 201);
    refused(await trust(plain, 'plain-pkg', github('acme/x', 'ci.yml')), 403, /two-factor authentication/);
    refused(await trust(plain, 'tool', github('acme/x', 'ci.yml')), 403, /not an owner/);
    const bypass = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: owner, headers: { 'npm-otp': otp() }, payload: { password: PASSWORD, name: null, packages_all: true, packages_and_scopes_permission: 'read-write', bypass_2fa: true } });
    assert.equal(bypass.statusCode, 201, bypass.body);
    refused(await trust(bypass.json().token, 'tool', github('acme/x', 'ci.yml'), otp()), 403, /bypass two-factor/);
    const basic = await t.request({ method: 'POST', url: '/-/package/tool/trust', payload: github('acme/x', 'ci.yml'), headers: { authorization: `Basic ${Buffer.from(`owner:${PASSWORD}`).toString('base64')}`, 'npm-otp': otp() } });
    assert.equal(basic.statusCode, 401, basic.body);
    refused(await trust(owner, 'tool', github('acme', 'ci.yml')), 400, /claims.repository must be owner\/repository/);
    refused(await trust(owner, 'tool', github('acme/x', 'ci.txt')), 400, /\.yml or \.yaml/);
    refused(await trust(owner, 'tool', github('acme/x', 'ci.yml', {}, [])), 400, /permissions/);
    refused(await trust(owner, 'tool', [{ type: 'jenkins', claims: {}, permissions: ['createPackage'] }]), 400, /does not trust jenkins identity tokens/);
    refused(await trust(owner, 'tool', [1]), 400, /must be an object/);
    refused(await trust(owner, 'nothing-here', github('acme/x', 'ci.yml')), 404, /not found/);
    assert.deepEqual((await t.request({ url: '/-/package/tool/trust', token: owner })).json(), [], 'no refusal stored anything');
  });
});

describe('the OIDC exchange', () => {
  let configId: string;
  before(async () => {
    const res = await trust(owner, 'tool', github('acme/tool', 'release.yml'), otp());
    assert.equal(res.statusCode, 201, res.body);
    configId = res.json()[0].id;
    const gl = await trust(owner, 'other', [{ type: 'gitlab', claims: { project_path: 'group/sub/other', ci_config_ref_uri: { file: '.gitlab-ci.yml' }, environment: 'production' }, permissions: ['createStagedPackage'] }], otp());
    assert.equal(gl.statusCode, 201, gl.body);
  });

  test('a matching GitHub token becomes a 15-minute token that publishes the package, recorded with its workflow', async () => {
    const res = await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml')));
    assert.equal(res.statusCode, 200, res.body);
    const { token, expires } = res.json();
    assert.match(token, /^tsr_/);
    assert.equal(Date.parse(expires) - clock.ms, 15 * 60_000);
    // The owner has 2FA on (auth-and-writes), yet the CI needs no OTP: that is the point.
    const pub = await publish(token, 'tool', '1.1.0');
    assert.equal(pub.statusCode, 201, pub.body);
    const v = (await t.request({ url: '/tool' })).json().versions['1.1.0'];
    assert.deepEqual(v._npmUser.trustedPublisher, { id: 'github', oidcConfigId: configId, workflow: 'github:acme/tool/.github/workflows/release.yml@refs/heads/main' });
    const log = (await t.request({ url: '/-/tessera/v1/security-log', token: owner })).json().objects;
    const ex = log.find((e: { type: string }) => e.type === 'trusted-publishing-exchange');
    assert.equal(ex.detail.workflow, 'github:acme/tool/.github/workflows/release.yml@refs/heads/main');
    assert.ok(!JSON.stringify(log).includes('eyJ'), 'no JWT in the log');
    assert.equal(log.find((e: { type: string }) => e.type === 'publish').detail.trusted_publisher, ex.detail.workflow);
  });

  test('the short-lived token: its package and permission only, nothing else, and dead after its lifetime', async () => {
    const { token } = (await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml')))).json();
    refused(await publish(token, 'other', '9.0.0'), 403, /issued for tool; it cannot be used for other/);
    refused(await t.request({ method: 'PUT', url: '/-/package/tool/dist-tags/beta', token, payload: '"1.0.0"', headers: { 'content-type': 'application/json' } }), 403, /trusted-publishing token may only publish/);
    refused(await t.request({ url: '/-/whoami', token }), 403, /trusted-publishing token/);
    refused(await t.request({ url: '/-/npm/v1/tokens', token }), 403, /trusted-publishing token/);
    refused(await t.request({ method: 'POST', url: '/-/package/tool/trust', token, payload: github('evil/x', 'x.yml') }), 403, /trusted-publishing token/);
    clock.advanceSeconds(15 * 60);
    refused(await publish(token, 'tool', '1.2.0'), 401, /logged in/);
  });

  test('GitLab: a stage-only relationship (no --allow-publish) does not let its token publish', async () => {
    const claims = gitlabClaims('group/sub/other', '.gitlab-ci.yml', { environment: 'production' });
    const res = await exchange('other', await sign(claims, { iss: `${issuer.url}/gitlab` }));
    assert.equal(res.statusCode, 200, res.body);
    refused(await publish(res.json().token, 'other', '1.1.0'), 403, /does not allow npm publish \(it allows npm stage publish\)/);
    // It stages; the approved version says which workflow built it (found by a trial).
    const staged = await t.request({ method: 'POST', url: '/-/stage/package/other', token: res.json().token, payload: publishBody('other', '1.5.0') });
    assert.equal(staged.statusCode, 201, staged.body);
    const approved = await t.request({ method: 'POST', url: `/-/stage/${staged.json().stageId}/approve`, token: owner, headers: { 'npm-otp': otp() } });
    assert.equal(approved.statusCode, 200, approved.body);
    const doc = (await t.request({ url: '/other/1.5.0' })).json();
    assert.match(doc._npmUser.trustedPublisher.workflow, /group\/sub\/other/);
    refused(await exchange('other', await sign({ ...claims, ci_config_ref_uri: 'gitlab.example/group/sub/other//other.yml@refs/heads/main' }, { iss: `${issuer.url}/gitlab` })), 403, /ci_config_ref_uri .* is not the trusted pipeline file/);
    refused(await exchange('other', await sign({ ...claims, environment: 'review' }, { iss: `${issuer.url}/gitlab` })), 403, /environment review is not/);
    refused(await exchange('other', await sign(gitlabClaims('group/other', '.gitlab-ci.yml'), { iss: `${issuer.url}/gitlab` })), 403, /project_path group\/other is not/);
  });

  test('CircleCI (npm trust circleci\'s body): one issuer per organisation, whose keys are fetched only for an organisation a relationship names', async () => {
    const org = 'aaaaaaaa-1111-4111-8111-111111111111';
    const ids = { 'oidc.circleci.com/project-id': 'bbbbbbbb-2222-4222-8222-222222222222', 'oidc.circleci.com/pipeline-definition-id': 'cccccccc-3333-4333-8333-333333333333', 'oidc.circleci.com/vcs-origin': 'github.com/acme/tool' };
    const res = await trust(owner, '@owner/scoped', [{ type: 'circleci', claims: { 'oidc.circleci.com/org-id': org, ...ids }, permissions: ['createPackage'] }], otp());
    assert.equal(res.statusCode, 201, res.body);
    const fetched = issuer.jwksFetches;
    const stranger = 'dddddddd-4444-4444-8444-444444444444';
    refused(await exchange('@owner/scoped', await sign(ids, { iss: `${issuer.url}/circle/${stranger}` })), 403, new RegExp(`no trust relationship with the circleci organisation ${stranger}`));
    assert.equal(issuer.jwksFetches, fetched, 'nothing fetched for an organisation no relationship names');
    const ok = await exchange('@owner/scoped', await sign(ids, { iss: `${issuer.url}/circle/${org}` }));
    assert.equal(ok.statusCode, 200, ok.body);
    refused(await exchange('@owner/scoped', await sign({ ...ids, 'oidc.circleci.com/vcs-origin': 'github.com/evil/tool' }, { iss: `${issuer.url}/circle/${org}` })), 403, /vcs-origin github.com\/evil\/tool/);
  });

  test('a custom issuer (config trustedIssuers): relationships through the API, matched on its claims', async () => {
    const body = [{ type: 'forgejo', claims: { repository: 'team/tool', workflow: 'release' }, permissions: ['createPackage'] }];
    refused(await trust(owner, 'tool', [{ ...body[0], claims: { repository: 'team/tool' } }], otp()), 400, /claims\["workflow"\] must be/);
    const res = await trust(owner, 'tool', body, otp());
    assert.equal(res.statusCode, 201, res.body);
    const iss = `${issuer.url}/forgejo`;
    refused(await exchange('tool', await sign({ repository: 'team/tool', workflow: 'other' }, { iss })), 403, /workflow other is not the trusted value/);
    const ok = await exchange('tool', await sign({ repository: 'team/tool', workflow: 'release' }, { iss }));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await publish(ok.json().token, 'tool', '1.5.0')).statusCode, 201);
  });

  test('refusals name the failed check: repository, workflow, environment, audience, expired, replay, unknown key, issuer', async () => {
    refused(await exchange('tool', await sign(githubClaims('acme/other', 'release.yml'))), 403, /repository acme\/other is not the trusted repository/);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'evil.yml'))), 403, /workflow .*evil\.yml.* is not the trusted workflow file/);
    refused(await exchange('tool', await sign({ ...githubClaims('acme/tool', 'release.yml'), aud: 'npm:registry.npmjs.org' })), 401, /\(audience\).*npm:registry.npmjs.org/);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml'), { nowS: nowS() - 600, lifetimeS: 300 })), 401, /\(expired\)/);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml'), { nowS: nowS() + 600 })), 401, /not yet valid/);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml'), { unknownKey: true })), 401, /\(unknown key\)/);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml'), { iss: 'https://evil.example' })), 401, /\(untrusted issuer\)/);
    refused(await exchange('tool', 'not-a-jwt'), 401, /not an OIDC identity token/);
    refused(await exchange('tool', null), 401, /not an OIDC identity token/);
    refused(await exchange('no-such-package', await sign(githubClaims('acme/tool', 'release.yml'))), 403, /no trust relationship with github/);
    const jwt = await sign(githubClaims('acme/tool', 'release.yml'));
    assert.equal((await exchange('tool', jwt)).statusCode, 200);
    refused(await exchange('tool', jwt), 401, /already exchanged for tool: replayed/);
    // The same token for another package is a separate use (npm publish --workspaces).
    refused(await exchange('other', jwt), 403, /no trust relationship with github/);
  });

  test('environment: required when the relationship names one', async () => {
    const res = await trust(owner, '@owner/scoped', github('acme/scoped', 'ci.yaml', { environment: 'npm' }), otp());
    assert.equal(res.statusCode, 201, res.body);
    refused(await exchange('@owner/scoped', await sign(githubClaims('acme/scoped', 'ci.yaml'))), 403, /environment nothing is not the trusted environment/);
    refused(await exchange('@owner/scoped', await sign(githubClaims('acme/scoped', 'ci.yaml', { environment: 'staging' }))), 403, /environment "?staging"? is not/);
    const ok = await exchange('@owner/scoped', await sign(githubClaims('acme/scoped', 'ci.yaml', { environment: 'npm' })));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await publish(ok.json().token, '@owner/scoped', '1.1.0')).statusCode, 201);
  });

  test('a provenance bundle npm attaches is kept; a rotated issuer key is fetched on its unknown kid', async () => {
    const res = await trust(owner, 'other', github('acme/other', 'release.yml'), otp());
    assert.equal(res.statusCode, 201, res.body);
    const { token } = (await exchange('other', await sign(githubClaims('acme/other', 'release.yml')))).json();
    const body = publishBody('other', '1.2.0');
    const tarball = Buffer.from(body._attachments['other-1.2.0.tgz'].data, 'base64');
    attachProvenance(body, 'other', '1.2.0', provenanceBundle('other', '1.2.0', tarball));
    const pub = await t.request({ method: 'PUT', url: '/other', token, payload: body });
    assert.equal(pub.statusCode, 201, pub.body);
    const v = (await t.request({ url: '/other' })).json().versions['1.2.0'];
    assert.ok(v.dist.attestations?.provenance, 'the provenance is kept');
    assert.equal((await t.request({ url: '/-/npm/v1/attestations/other@1.2.0' })).statusCode, 200);
    // The issuer rotates its key: a token with the new kid makes Tessera fetch the JWKS again.
    const fetched = issuer.jwksFetches;
    await issuer.rotate();
    // Unknown kids refetch the JWKS at most once a second (adapters/oidc.ts): let that second pass.
    await new Promise((r) => setTimeout(r, 1100));
    const rotated = await exchange('other', await sign(githubClaims('acme/other', 'release.yml')));
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.ok(issuer.jwksFetches > fetched, 'the JWKS was fetched again');
  });

  test('mfa=publish: an owner\'s token needs an OTP, a trusted-publishing token publishes', async () => {
    const set = await t.request({ method: 'POST', url: '/-/package/tool/access', token: owner, payload: { publish_requires_tfa: true, automation_token_overrides_tfa: false }, headers: { 'npm-otp': otp() } });
    assert.equal(set.statusCode, 200, set.body);
    assert.equal((await publish(owner, 'tool', '2.0.0')).statusCode, 401);
    const { token } = (await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml')))).json();
    const pub = await publish(token, 'tool', '2.0.0');
    assert.equal(pub.statusCode, 201, pub.body);
  });

  test('a revoked relationship exchanges nothing', async () => {
    const list = (await t.request({ url: '/-/package/tool/trust', token: owner })).json();
    for (const c of list) assert.equal((await t.request({ method: 'DELETE', url: `/-/package/tool/trust/${c.id}`, token: owner, headers: { 'npm-otp': otp() } })).statusCode, 204);
    refused(await exchange('tool', await sign(githubClaims('acme/tool', 'release.yml'))), 403, /no trust relationship with github/);
  });
});
