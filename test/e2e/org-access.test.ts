// npm access on organisation packages with the real npm CLI (lib/commands/access.js, owner.js,
// token.js; libnpmaccess): grant, revoke, list packages (team, org, user), list collaborators,
// npm owner ls / add on an org package, npm token create --orgs, reads of a restricted org
// package (through the read fast path: npm view and npm install), and the refusals: a developer
// granting, an outsider, a read-only team member publishing, a removed member, a token limited
// to another org, a member without 2FA under the org's requirement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runTessera, type RunningServer } from './harness/server.ts';
import { makeNpm, signUpOverApi, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';
import { codeSource } from './harness/totp.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
const npm: Record<string, Npm> = {};

const signUp = (name: string): Promise<Npm> => signUpOverApi(server.url, name, PASSWORD);

async function join(who: string, role = 'developer') {
  expectOk(await npm.alice.run(['org', 'set', 'acme', who, role]), `npm org set acme ${who}`, server);
  const accepted = await api(server.url, '/-/org/acme/invitation', { method: 'POST', token: npm[who].token() });
  assert.equal(accepted.status, 200, accepted.text);
}

async function publish(who: string, name: string, version: string, access = 'public') {
  return npm[who].run(['publish', '--access', access], { cwd: npm[who].makePackage(name, version) });
}

before(async () => {
  server = await startServer();
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) npm[name] = await signUp(name);
  const made = await runTessera(['org', 'create', 'acme', '--owner', 'alice', '--data', server.dataDir]);
  assert.equal(made.code, 0, made.stderr);
  for (const who of ['bob', 'carol', 'erin']) await join(who);
  expectOk(await npm.alice.run(['team', 'create', '@acme:readers']), 'npm team create @acme:readers', server);
  expectOk(await npm.alice.run(['team', 'add', '@acme:readers', 'carol']), 'npm team add @acme:readers carol', server);
  expectOk(await npm.alice.run(['team', 'rm', '@acme:developers', 'carol']), 'npm team rm @acme:developers carol', server);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

test('a member publishes in the org scope; the developers team gets read-write; npm owner ls shows who may write', T, async () => {
  expectOk(await publish('bob', '@acme/lib', '1.0.0'), 'npm publish @acme/lib (bob, developer)', server);
  let r = await npm.bob.run(['access', 'list', 'packages', '@acme:developers']);
  expectOk(r, 'npm access list packages @acme:developers', server);
  assert.equal(r.stdout, '@acme/lib: read-write\n');
  r = await npm.dave.run(['owner', 'ls', '@acme/lib']);
  expectOk(r, 'npm owner ls @acme/lib', server);
  assert.equal(r.stdout, 'alice <alice@example.com>\nbob <bob@example.com>\nerin <erin@example.com>\n');
  r = await npm.alice.run(['owner', 'add', 'dave', '@acme/lib']);
  expectFail(r, 'npm owner add on an org package', [/belongs to the organization acme/, /npm access grant/], server);
  r = await publish('dave', '@acme/intruder', '1.0.0');
  expectFail(r, 'npm publish into the org scope by an outsider', [/E403/, /not a member/], server);
});

test('npm access grant and revoke on a restricted org package: the read-only team reads (view, install), cannot publish; others get 404', T, async () => {
  expectOk(await publish('alice', '@acme/secret', '1.0.0', 'restricted'), 'npm publish @acme/secret --access restricted', server);
  let r = await npm.alice.run(['access', 'revoke', '@acme:developers', '@acme/secret']);
  expectOk(r, 'npm access revoke @acme:developers @acme/secret', server);
  r = await npm.alice.run(['access', 'grant', 'read-only', '@acme:readers', '@acme/secret']);
  expectOk(r, 'npm access grant read-only @acme:readers @acme/secret', server);
  r = await npm.carol.run(['view', '@acme/secret', 'version']);
  expectOk(r, 'npm view @acme/secret (carol, read-only team)', server);
  assert.equal(r.stdout.trim(), '1.0.0');
  const project = npm.carol.makeProject();
  r = await npm.carol.run(['install', '@acme/secret'], { cwd: project });
  expectOk(r, 'npm install @acme/secret (carol)', server);
  r = await publish('carol', '@acme/secret', '1.1.0', 'restricted');
  expectFail(r, 'npm publish by a read-only team member', [/E403/, /read-write access/], server);
  for (const who of ['bob', 'dave']) {
    r = await npm[who].run(['view', '@acme/secret', 'version']);
    expectFail(r, `npm view @acme/secret (${who})`, [/E404/], server);
  }
  // Refusals change nothing.
  r = await npm.bob.run(['access', 'grant', 'read-write', '@acme:developers', '@acme/secret']);
  expectFail(r, 'npm access grant by a developer', [/E403/, /Only owners and admins/], server);
  r = await npm.dave.run(['access', 'grant', 'read-write', '@acme:readers', '@acme/secret']);
  expectFail(r, 'npm access grant by an outsider', [/E403/, /not a member/], server);
  r = await npm.alice.run(['access', 'grant', 'read-write', '@acme:nosuch', '@acme/secret']);
  expectFail(r, 'npm access grant to a missing team', [/E404/], server);
  r = await npm.alice.run(['access', 'list', 'packages', '@acme:readers', '--json']);
  expectOk(r, 'npm access list packages @acme:readers --json', server);
  assert.deepEqual(JSON.parse(r.stdout), { '@acme/secret': 'read-only' });
});

test('npm access list packages (org, user, own) and list collaborators', T, async () => {
  let r = await npm.alice.run(['access', 'list', 'packages', '@acme']);
  expectOk(r, 'npm access list packages @acme (owner)', server);
  assert.equal(r.stdout, '@acme/lib: read-write\n@acme/secret: read-write\n');
  r = await npm.dave.run(['access', 'list', 'packages', '@acme']);
  expectOk(r, 'npm access list packages @acme (outsider)', server);
  assert.equal(r.stdout, '@acme/lib: read-only\n');
  // No argument: npm asks whoami, then /-/org/carol/package (404), then /-/user/carol/package.
  r = await npm.carol.run(['access', 'list', 'packages']);
  expectOk(r, 'npm access list packages (carol)', server);
  assert.equal(r.stdout, '@acme/secret: read-only\n');
  r = await npm.dave.run(['access', 'list', 'packages', 'bob']);
  expectOk(r, 'npm access list packages bob', server);
  assert.equal(r.stdout, '@acme/lib: read-write\n');
  r = await npm.carol.run(['access', 'list', 'collaborators', '@acme/secret']);
  expectOk(r, 'npm access list collaborators @acme/secret', server);
  assert.equal(r.stdout, 'alice: read-write\ncarol: read-only\n');
  r = await npm.carol.run(['access', 'list', 'collaborators', '@acme/secret', 'carol']);
  expectOk(r, 'npm access list collaborators @acme/secret carol', server);
  assert.equal(r.stdout, 'carol: read-only\n');
  r = await npm.dave.run(['access', 'list', 'collaborators', '@acme/secret']);
  expectFail(r, 'npm access list collaborators of a restricted package (outsider)', [/E404/], server);
});

test('npm token create --orgs: read-only lists teams but cannot grant; a token for another org has no access', T, async () => {
  let r = await npm.alice.run(['token', 'create', '--orgs', 'acme', '--orgs-permission', 'read-only', `--password=${PASSWORD}`, '--json']);
  expectOk(r, 'npm token create --orgs acme --orgs-permission read-only', server);
  const ro = JSON.parse(r.stdout);
  assert.deepEqual([ro.orgs, ro.orgs_permission, ro.packages_and_scopes_permission], [['acme'], 'read-only', 'no-access']);
  r = await npm.alice.run(['token', 'create', '--orgs', 'elsewhere', '--orgs-permission', 'read-write', `--password=${PASSWORD}`, '--json']);
  expectOk(r, 'npm token create --orgs elsewhere', server);
  const other = JSON.parse(r.stdout);
  const viaToken = (token: string) => {
    const client = makeNpm(server.url);
    client.setToken(token);
    return client;
  };
  // The team's packages, as far as the token may see them: it covers no package, so the
  // restricted one stays hidden (a token with --packages or --scopes too would show it).
  r = await viaToken(ro.token).run(['access', 'list', 'packages', '@acme:developers']);
  expectOk(r, 'npm access list packages with an --orgs acme read-only token', server);
  assert.equal(r.stdout, '@acme/lib: read-write\n');
  r = await viaToken(ro.token).run(['access', 'grant', 'read-write', '@acme:readers', '@acme/lib']);
  expectFail(r, 'npm access grant with a read-only org token', [/E403/, /may only read/], server);
  r = await viaToken(other.token).run(['access', 'list', 'packages', '@acme:readers']);
  expectFail(r, 'a token limited to another org', [/E403/, /no access to the organization acme/], server);
  r = await viaToken(other.token).run(['access', 'revoke', '@acme:readers', '@acme/secret']);
  expectFail(r, 'npm access revoke with a token limited to another org', [/E403/], server);
  r = await npm.alice.run(['access', 'list', 'packages', '@acme:readers', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), { '@acme/secret': 'read-only' }, 'nothing changed');
});

test('a removed member cannot publish a package they created; under the org 2FA requirement a member without 2FA cannot', T, async () => {
  expectOk(await publish('erin', '@acme/erins', '1.0.0'), 'npm publish @acme/erins (erin)', server);
  expectOk(await npm.alice.run(['org', 'rm', 'acme', 'erin']), 'npm org rm acme erin', server);
  let r = await publish('erin', '@acme/erins', '1.1.0');
  expectFail(r, 'npm publish by a removed member', [/E403/, /organization acme/], server);
  r = await npm.dave.run(['owner', 'ls', '@acme/erins']);
  assert.doesNotMatch(r.stdout, /erin/);

  // alice turns on 2FA, then requires it of acme (core/orgs: preview, then confirm).
  const token = npm.alice.token()!;
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: { password: PASSWORD, mode: 'auth-and-writes' } } });
  assert.equal(start.status, 200, start.text);
  const codes = codeSource(new URL(start.json.tfa).searchParams.get('secret')!);
  assert.equal((await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: [await codes.next()] } })).status, 200);
  const on = await api(server.url, '/-/org/acme/settings', { method: 'POST', token, body: { require_tfa: true, confirm: true }, headers: { 'npm-otp': await codes.next() } });
  assert.equal(on.status, 200, on.text);
  r = await publish('bob', '@acme/lib', '1.1.0');
  expectFail(r, 'npm publish by a member without 2FA under the requirement', [/E403/, /requires its members to use two-factor authentication/], server);
  r = await npm.alice.run(['access', 'grant', 'read-write', '@acme:readers', '@acme/lib', `--otp=${await codes.next()}`]);
  expectOk(r, 'npm access grant with an OTP (owner with 2FA)', server);
  r = await npm.carol.run(['view', '@acme/lib', 'version']);
  assert.equal(r.stdout.trim(), '1.0.0');
});
