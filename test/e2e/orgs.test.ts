// npm org and npm team with the real npm CLI (lib/commands/org.js, team.js; libnpmorg,
// libnpmteam), tessera org create / adopt, invitations accepted by API, the org's 2FA
// requirement, and the refusals: outsider, developer managing, last owner, team member from
// outside the org, an invitation accepted without 2FA under the requirement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runTessera, type RunningServer } from './harness/server.ts';
import { signUpOverApi, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
const npm: Record<string, Npm> = {};
let aliceCodes: CodeSource;

const signUp = (name: string): Promise<Npm> => signUpOverApi(server.url, name, PASSWORD);

async function accept(who: string, org: string, headers: Record<string, string> = {}) {
  return api(server.url, `/-/org/${org}/invitation`, { method: 'POST', token: npm[who].token(), headers });
}

before(async () => {
  server = await startServer();
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) npm[name] = await signUp(name);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

test('tessera org create beside a running server; npm org set invites, the invitee accepts, npm org ls shows roles', T, async () => {
  const made = await runTessera(['org', 'create', 'acme', '--owner', 'alice', '--data', server.dataDir]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /Created the organization acme/);
  let r = await npm.alice.run(['org', 'set', 'acme', 'bob', 'admin']);
  expectOk(r, 'npm org set acme bob admin', server);
  assert.equal(r.stdout.trim(), 'Added bob as admin to acme. You now have 1 member in this org.');
  // An account that does not exist gets the same answer.
  r = await npm.alice.run(['org', 'set', 'acme', 'nobody-here', 'admin']);
  expectOk(r, 'npm org set acme nobody-here admin', server);
  assert.equal(r.stdout.trim(), 'Added nobody-here as admin to acme. You now have 1 member in this org.');
  r = await npm.alice.run(['org', 'ls', 'acme']);
  expectOk(r, 'npm org ls acme', server);
  assert.equal(r.stdout.trim(), 'alice - owner', 'bob is not a member before accepting');
  assert.equal((await accept('bob', 'acme')).status, 200);
  r = await npm.alice.run(['org', 'set', 'acme', 'carol']);
  expectOk(r, 'npm org set acme carol', server);
  assert.match(r.stdout, /Added carol as developer to acme\. You now have 2 members in this org\./);
  assert.equal((await accept('carol', 'acme')).status, 200);
  r = await npm.carol.run(['org', 'ls', 'acme']);
  expectOk(r, 'npm org ls acme (developer)', server);
  assert.equal(r.stdout, 'alice - owner\nbob - admin\ncarol - developer\n');
  r = await npm.bob.run(['org', 'ls', 'acme', '--json']);
  expectOk(r, 'npm org ls acme --json', server);
  assert.deepEqual(JSON.parse(r.stdout), { alice: 'owner', bob: 'admin', carol: 'developer' });
  r = await npm.bob.run(['org', 'ls', 'acme', 'carol', '--parseable']);
  expectOk(r, 'npm org ls acme carol --parseable', server);
  assert.equal(r.stdout, 'user\trole\ncarol\tdeveloper\n');
  r = await npm.alice.run(['org', 'set', 'acme', 'carol', 'developer', '--json']);
  expectOk(r, 'npm org set --json', server);
  assert.deepEqual(JSON.parse(r.stdout), { org: { name: 'acme', size: 3 }, user: 'carol', role: 'developer' });
});

test('org refusals: an outsider, a developer managing members, the last owner leaving', T, async () => {
  let r = await npm.dave.run(['org', 'ls', 'acme']);
  expectFail(r, 'npm org ls acme by an outsider', [/E403/, /not a member of the organization acme/], server);
  r = await npm.carol.run(['org', 'set', 'acme', 'dave', 'owner']);
  expectFail(r, 'npm org set by a developer', [/E403/, /Only owners of acme/], server);
  r = await npm.bob.run(['org', 'rm', 'acme', 'carol']);
  expectFail(r, 'npm org rm by an admin', [/E403/], server);
  r = await npm.alice.run(['org', 'rm', 'acme', 'alice']);
  expectFail(r, 'npm org rm of the last owner', [/E400/, /at least one owner/], server);
  r = await npm.alice.run(['org', 'ls', 'acme', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), { alice: 'owner', bob: 'admin', carol: 'developer' }, 'nothing changed');
});

test('npm team create / add / ls / rm / destroy, members of the org only, developers only list', T, async () => {
  let r = await npm.bob.run(['team', 'create', '@acme:core']);
  expectOk(r, 'npm team create @acme:core (admin)', server);
  assert.equal(r.stdout.trim(), '+@acme:core');
  r = await npm.bob.run(['team', 'add', '@acme:core', 'carol']);
  expectOk(r, 'npm team add', server);
  assert.equal(r.stdout.trim(), 'carol added to @acme:core');
  r = await npm.carol.run(['team', 'ls', '@acme']);
  expectOk(r, 'npm team ls @acme', server);
  assert.equal(r.stdout, '@acme has 2 teams:\n@acme:core\n@acme:developers\n');
  r = await npm.carol.run(['team', 'ls', '@acme:developers', '--json']);
  expectOk(r, 'npm team ls @acme:developers --json', server);
  assert.deepEqual(JSON.parse(r.stdout), ['alice', 'bob', 'carol']);
  r = await npm.carol.run(['team', 'ls', '@acme:core']);
  assert.equal(r.stdout, '@acme:core has 1 user:\ncarol\n');
  // refusals
  r = await npm.bob.run(['team', 'add', '@acme:core', 'dave']);
  expectFail(r, 'npm team add of a non-member', [/E403/, /dave is not a member of the organization acme/], server);
  r = await npm.carol.run(['team', 'create', '@acme:rogue']);
  expectFail(r, 'npm team create by a developer', [/E403/, /Only owners and admins/], server);
  r = await npm.dave.run(['team', 'ls', '@acme']);
  expectFail(r, 'npm team ls by an outsider', [/E403/], server);
  r = await npm.alice.run(['team', 'destroy', '@acme:developers']);
  expectFail(r, 'npm team destroy @acme:developers', [/E403/, /cannot be deleted/], server);
  r = await npm.bob.run(['team', 'rm', '@acme:core', 'carol']);
  expectOk(r, 'npm team rm', server);
  assert.equal(r.stdout.trim(), 'carol removed from @acme:core');
  r = await npm.bob.run(['team', 'destroy', '@acme:core']);
  expectOk(r, 'npm team destroy', server);
  assert.equal(r.stdout.trim(), '-@acme:core');
  r = await npm.bob.run(['team', 'ls', '@acme', '--parseable']);
  assert.equal(r.stdout.trim(), 'acme:developers');
});

test('npm org rm removes a member from the org and its teams', T, async () => {
  const r = await npm.alice.run(['org', 'rm', 'acme', 'carol']);
  expectOk(r, 'npm org rm acme carol', server);
  assert.equal(r.stdout.trim(), 'Successfully removed carol from acme. You now have 2 members in this org.');
  const again = await npm.carol.run(['team', 'ls', '@acme:developers']);
  expectFail(again, 'a removed member lists teams', [/E403/], server);
});

test('the 2FA requirement: lockouts before it applies, a member without 2FA cannot manage, the invitee without 2FA is told at acceptance', T, async () => {
  // alice turns on 2FA (as npm profile enable-2fa does), then requires it of acme.
  const token = npm.alice.token()!;
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: { password: PASSWORD, mode: 'auth-and-writes' } } });
  assert.equal(start.status, 200, start.text);
  aliceCodes = codeSource(new URL(start.json.tfa).searchParams.get('secret')!);
  assert.equal((await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: [await aliceCodes.next()] } })).status, 200);
  const preview = await api(server.url, '/-/org/acme/settings', { method: 'POST', token, body: { require_tfa: true }, headers: { 'npm-otp': await aliceCodes.next() } });
  assert.deepEqual(preview.json.lockouts, ['bob']);
  assert.equal(preview.json.applied, false);
  const on = await api(server.url, '/-/org/acme/settings', { method: 'POST', token, body: { require_tfa: true, confirm: true }, headers: { 'npm-otp': await aliceCodes.next() } });
  assert.equal(on.json.applied, true, on.text);
  let r = await npm.bob.run(['team', 'create', '@acme:blocked']);
  expectFail(r, 'npm team create by an admin without 2FA', [/E403/, /requires its members to use two-factor authentication/], server);
  r = await npm.alice.run(['org', 'set', 'acme', 'erin', `--otp=${await aliceCodes.next()}`]);
  expectOk(r, 'npm org set acme erin (under the requirement)', server);
  assert.match(r.stdout, /Added erin as developer to acme/);
  const refused = await accept('erin', 'acme');
  assert.equal(refused.status, 403);
  assert.match(refused.json.error, /requires two-factor authentication/);
  r = await npm.alice.run(['org', 'ls', 'acme', '--json']);
  assert.equal(JSON.parse(r.stdout).erin, undefined);
});

test('tessera org adopt: a scope with packages becomes an org; its packages\' owners become owners', T, async () => {
  let r = await npm.frank.run(['publish'], { cwd: npm.frank.makePackage('@widgets/gear', '1.0.0') });
  expectOk(r, 'npm publish @widgets/gear', server);
  // org create on such a scope says what to run instead.
  const create = await runTessera(['org', 'create', 'widgets', '--owner', 'dave', '--data', server.dataDir]);
  assert.equal(create.code, 2);
  assert.match(create.stderr, /tessera org adopt widgets --owner dave/);
  const adopted = await runTessera(['org', 'adopt', 'widgets', '--owner', 'dave', '--data', server.dataDir]);
  assert.equal(adopted.code, 0, adopted.stderr);
  assert.match(adopted.stdout, /now the organization widgets: 1 package \(@widgets\/gear\); owners: dave, frank/);
  r = await npm.frank.run(['org', 'ls', 'widgets', '--json']);
  expectOk(r, 'npm org ls widgets', server);
  assert.deepEqual(JSON.parse(r.stdout), { dave: 'owner', frank: 'owner' });
  const again = await runTessera(['org', 'adopt', 'widgets', '--owner', 'dave', '--data', server.dataDir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /taken/);
  const missing = await runTessera(['org', 'create', 'x-org', '--owner', 'ghost', '--data', server.dataDir]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /No user named ghost/);
});
