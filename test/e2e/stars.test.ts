// npm star / unstar / stars with the real npm CLI (lib/commands/star.js, stars.js): any
// signed-in user stars a package they can read, never with an OTP (npm sends no otplease),
// and only their own star changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';
import { codeSource } from './harness/totp.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
let alice: Npm;
let bob: Npm;

before(async () => {
  server = await startServer();
  alice = (await adduser(server.url, 'alice', PASSWORD, server)).npm;
  bob = (await adduser(server.url, 'bob', PASSWORD, server)).npm;
  for (const [name, args] of [['starry', []], ['@alice/secret-star', ['--access', 'restricted']]] as const) {
    const r = await alice.run(['publish', ...args], { cwd: alice.makePackage(name, '1.0.0') });
    expectOk(r, `npm publish ${name}`, server);
  }
  // alice turns on 2FA for sign-in and writes (over the API, as npm profile enable-2fa does).
  const token = alice.token()!;
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: { password: PASSWORD, mode: 'auth-and-writes' } } });
  assert.equal(start.status, 200, start.text);
  const secret = new URL(start.json.tfa).searchParams.get('secret')!;
  const confirm = await api(server.url, '/-/npm/v1/user', { method: 'POST', token, body: { tfa: [await codeSource(secret).next()] } });
  assert.equal(confirm.status, 200, confirm.text);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

const users = async (name: string) => (await api(server.url, `/${name.replace('/', '%2f')}`, { token: alice.token() })).json.users;

test('npm star and npm unstar by a user who does not own the package', T, async () => {
  let r = await bob.run(['star', 'starry']);
  expectOk(r, 'npm star starry (bob)', server);
  assert.match(r.stdout, /starry/);
  assert.deepEqual(await users('starry'), { bob: true });
  r = await bob.run(['stars']);
  expectOk(r, 'npm stars (bob)', server);
  assert.equal(r.stdout, 'starry\n');
  r = await alice.run(['stars', 'bob']);
  expectOk(r, 'npm stars bob (alice)', server);
  assert.equal(r.stdout, 'starry\n');
  r = await bob.run(['unstar', 'starry']);
  expectOk(r, 'npm unstar starry (bob)', server);
  assert.deepEqual(await users('starry'), {});
  r = await bob.run(['stars']);
  expectOk(r, 'npm stars (bob, none left)', server);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /user has not starred any packages/);
});

test('the owner with 2FA on writes stars without an OTP (npm runs off a terminal: a challenge would fail)', T, async () => {
  let r = await alice.run(['star', 'starry']);
  expectOk(r, 'npm star starry (alice, 2FA)', server);
  r = await bob.run(['star', 'starry']);
  expectOk(r, 'npm star starry (bob)', server);
  assert.deepEqual(await users('starry'), { alice: true, bob: true });
  // bob's unstar leaves alice's star alone.
  r = await bob.run(['unstar', 'starry']);
  expectOk(r, 'npm unstar starry (bob)', server);
  assert.deepEqual(await users('starry'), { alice: true });
  // A restricted package: its owner stars it; others get the same 404 as for a read.
  r = await alice.run(['star', '@alice/secret-star']);
  expectOk(r, 'npm star @alice/secret-star (alice)', server);
  r = await bob.run(['star', '@alice/secret-star']);
  expectFail(r, 'npm star of a restricted package by a non-owner', [/E404/], server);
  r = await alice.run(['stars']);
  expectOk(r, 'npm stars (alice)', server);
  assert.equal(r.stdout, '@alice/secret-star\nstarry\n');
  r = await bob.run(['stars', 'alice']);
  expectOk(r, 'npm stars alice (bob)', server);
  assert.equal(r.stdout, 'starry\n');
});
