// What the real npm CLI shows of an org package's writers under the org's 2FA requirement
// (core/orgs/writers.ts): npm owner ls (the packument's maintainers) leaves out a member the
// requirement locks out, npm access list collaborators / packages show them read-only, and
// both change at once when the member turns 2FA on (through the server's packument cache).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runTessera, type RunningServer } from './harness/server.ts';
import { signUpOverApi, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectOk } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
const npm: Record<string, Npm> = {};

/** Turns on (and confirms) 2FA for an account over npm's profile API; its own code source. */
async function enableTfa(who: string): Promise<CodeSource> {
  const token = npm[who].token()!;
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: { password: PASSWORD, mode: 'auth-only' } } });
  assert.equal(start.status, 200, start.text);
  const codes = codeSource(new URL(start.json.tfa).searchParams.get('secret')!);
  const confirm = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: [await codes.next()] } });
  assert.equal(confirm.status, 200, confirm.text);
  return codes;
}

async function lists() {
  const owners = await npm.carol.run(['owner', 'ls', '@acme/lib']);
  expectOk(owners, 'npm owner ls @acme/lib', server);
  const collaborators = await npm.carol.run(['access', 'list', 'collaborators', '@acme/lib']);
  expectOk(collaborators, 'npm access list collaborators @acme/lib', server);
  const bobs = await npm.carol.run(['access', 'list', 'packages', 'bob']);
  expectOk(bobs, 'npm access list packages bob', server);
  return { owners: owners.stdout, collaborators: collaborators.stdout, bobs: bobs.stdout };
}

before(async () => {
  server = await startServer();
  for (const name of ['alice', 'bob', 'carol']) npm[name] = await signUpOverApi(server.url, name, PASSWORD);
  const made = await runTessera(['org', 'create', 'acme', '--owner', 'alice', '--data', server.dataDir]);
  assert.equal(made.code, 0, made.stderr);
  expectOk(await npm.alice.run(['org', 'set', 'acme', 'bob', 'developer']), 'npm org set acme bob', server);
  const accepted = await api(server.url, '/-/org/acme/invitation', { method: 'POST', token: npm.bob.token() });
  assert.equal(accepted.status, 200, accepted.text);
  expectOk(await npm.alice.run(['publish', '--access', 'public'], { cwd: npm.alice.makePackage('@acme/lib', '1.0.0') }), 'npm publish @acme/lib', server);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

test('npm owner ls and npm access list follow the org’s 2FA requirement and a member turning 2FA on', T, async () => {
  let l = await lists();
  assert.equal(l.owners, 'alice <alice@example.com>\nbob <bob@example.com>\n');
  assert.equal(l.collaborators, 'alice: read-write\nbob: read-write\n');
  assert.equal(l.bobs, '@acme/lib: read-write\n');

  // alice turns on 2FA and requires it of acme: bob, without 2FA, may only read.
  const aliceCodes = await enableTfa('alice');
  const on = await api(server.url, '/-/org/acme/settings', { method: 'POST', token: npm.alice.token(), body: { require_tfa: true, confirm: true }, headers: { 'npm-otp': await aliceCodes.next() } });
  assert.equal(on.status, 200, on.text);
  l = await lists();
  assert.equal(l.owners, 'alice <alice@example.com>\n');
  assert.equal(l.collaborators, 'alice: read-write\nbob: read-only\n');
  assert.equal(l.bobs, '@acme/lib: read-only\n');

  // bob turns 2FA on: a writer again, at once.
  await enableTfa('bob');
  l = await lists();
  assert.equal(l.owners, 'alice <alice@example.com>\nbob <bob@example.com>\n');
  assert.equal(l.collaborators, 'alice: read-write\nbob: read-write\n');
  assert.equal(l.bobs, '@acme/lib: read-write\n');
});
