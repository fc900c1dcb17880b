// npm stage with the real npm CLI (11.19): a "CI job" holding a token (no OTP) stages a
// version; it is invisible (packument, tarball URL, install, search) and blocks `npm publish`
// of the same version; the maintainer sees it with `npm stage list` / `view`, downloads it,
// approves it with `npm stage approve` and an OTP typed at npm's prompt, after which `npm
// install` gets it with the staged tag; `npm stage reject` frees the version number; approve
// without an OTP or without 2FA is refused. (Expiry uses the injected clock: test/http/stage.test.ts.
// The web approval flow: test/browser/staged.test.ts.)

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, expectFail, expectOk, nodeEval } from './harness/expect.ts';
import { api } from './harness/http.ts';
import { makeNpm, type Npm } from './harness/npm.ts';
import { startServer, type RunningServer } from './harness/server.ts';
import { type CodeSource, codeSource } from './harness/totp.ts';

const PASSWORD = 'amber-Falcon-93-lattice';
const T = { timeout: 300_000 };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let server: RunningServer;
let maintainer: Npm; // the maintainer's npm, logged in (2FA on)
let ci: Npm; // the CI job's npm: a classic token in its npmrc, nothing else
let codes: CodeSource;

async function signUp(name: string): Promise<string> {
  const res = await api(server.url, `/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    body: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] },
  });
  assert.equal(res.status, 201, res.text);
  return res.json.token;
}

before(async () => {
  server = await startServer();
  const session = await signUp('maint');
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token: session, body: { tfa: { mode: 'auth-and-writes', password: PASSWORD } } });
  assert.equal(start.status, 200, start.text);
  codes = codeSource(new URL(start.json.tfa).searchParams.get('secret')!);
  const confirm = await api(server.url, '/-/npm/v1/user', { method: 'POST', token: session, body: { tfa: [await codes.next()] } });
  assert.equal(confirm.status, 200, confirm.text);
  maintainer = makeNpm(server.url);
  maintainer.setToken(session);
  const made = await api(server.url, '/-/npm/v1/tokens', {
    method: 'POST',
    token: session,
    headers: { 'npm-otp': await codes.next() },
    body: { name: 'ci', password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' },
  });
  assert.ok(made.status < 300, made.text);
  ci = makeNpm(server.url);
  ci.setToken(made.json.token);
  const first = await maintainer.run(['publish', `--otp=${await codes.next()}`], { cwd: maintainer.makePackage('stage-e2e', '1.0.0') });
  expectOk(first, 'npm publish 1.0.0', server);
});
after(async () => {
  await server?.stop();
});

let stageId = '';

test('a CI job stages with a token and no OTP; the staged version is invisible and blocks npm publish of it', T, async () => {
  const r = await ci.run(['stage', 'publish', '--tag', 'beta'], { cwd: ci.makePackage('stage-e2e', '1.1.0') });
  expectOk(r, 'npm stage publish', server);
  const m = new RegExp(`\\+ stage-e2e@1\\.1\\.0 \\(staged with id (${UUID.source})\\)`).exec(r.stdout);
  assert.ok(m, describeRun(r));
  stageId = m[1];
  assert.match(r.stderr, /staged with tag beta/);

  // invisible: packument (both forms), version document, tarball URL, search
  const doc = await api(server.url, '/stage-e2e');
  assert.deepEqual(Object.keys(doc.json.versions), ['1.0.0']);
  assert.deepEqual(doc.json['dist-tags'], { latest: '1.0.0' });
  assert.equal((await api(server.url, '/stage-e2e/1.1.0')).status, 404);
  assert.equal((await api(server.url, '/stage-e2e/-/stage-e2e-1.1.0.tgz')).status, 404);
  assert.equal((await api(server.url, '/-/v1/search?text=stage-e2e')).json.objects[0].package.version, '1.0.0');
  // and not installable, for the maintainer either
  const project = maintainer.makeProject();
  expectFail(await maintainer.run(['install', 'stage-e2e@1.1.0'], { cwd: project }), 'npm install of a staged version', [/ETARGET|No matching version/]);
  expectFail(await maintainer.run(['install', 'stage-e2e@beta'], { cwd: project }), 'npm install of the staged tag', [/ETARGET|No matching version/]);

  // npm publish of the same version is refused, with the reason
  const pub = await maintainer.run(['publish', `--otp=${await codes.next()}`], { cwd: maintainer.makePackage('stage-e2e', '1.1.0') });
  expectFail(pub, 'npm publish of a staged version', [/E403/, /stage-e2e@1\.1\.0 is staged and waiting for approval/], server);
});

test('the maintainer lists, views and downloads the staged version', T, async () => {
  const list = await maintainer.run(['stage', 'list']);
  expectOk(list, 'npm stage list', server);
  for (const line of [stageId, 'stage-e2e', '1.1.0', 'beta', 'maint (token)']) assert.ok(list.stdout.includes(line), `${line} in\n${list.stdout}`);
  const json = await maintainer.run(['stage', 'list', 'stage-e2e', '--json']);
  expectOk(json, 'npm stage list --json', server);
  const items = JSON.parse(json.stdout);
  assert.equal(items.length, 1);
  assert.equal(items[0].id, stageId);
  const none = await maintainer.run(['stage', 'list', 'other-name']);
  assert.match(none.stdout, /No staged versions of package name "other-name"\./);

  const view = await maintainer.run(['stage', 'view', stageId, '--json']);
  expectOk(view, 'npm stage view', server);
  assert.deepEqual(JSON.parse(view.stdout), items[0]);

  const dir = maintainer.makeProject();
  const dl = await maintainer.run(['stage', 'download', stageId], { cwd: dir });
  expectOk(dl, 'npm stage download', server);
  const file = `stage-e2e-1.1.0-${stageId}.tgz`;
  assert.match(dl.stdout, new RegExp(file.replace(/\./g, '\\.')));
  assert.ok(existsSync(join(dir, file)));
  assert.equal(readFileSync(join(dir, file))[0], 0x1f);

  // someone who may not write the package sees nothing
  const stranger = makeNpm(server.url);
  stranger.setToken(await signUp('stranger'));
  assert.match((await stranger.run(['stage', 'list'])).stdout, /No staged packages found\./);
  expectFail(await stranger.run(['stage', 'view', stageId]), 'npm stage view by a stranger', [/E404/]);
});

test('approve is refused without an OTP and without 2FA, then approved at the OTP prompt; npm install gets it by its staged tag', T, async () => {
  // no terminal, no --otp: npm cannot prompt, and the registry asked for one
  expectFail(await maintainer.run(['stage', 'approve', stageId]), 'npm stage approve without an OTP', [/EOTP/, /one-time password/]);
  // an account without 2FA (owner of its own package) cannot approve its stage
  const plain = makeNpm(server.url);
  plain.setToken(await signUp('plainmaint'));
  expectOk(await plain.run(['publish'], { cwd: plain.makePackage('stage-plain', '1.0.0') }), 'publish without 2FA', server);
  const staged = await plain.run(['stage', 'publish'], { cwd: plain.makePackage('stage-plain', '1.1.0') });
  expectOk(staged, 'stage without 2FA', server);
  const plainId = UUID.exec(staged.stdout)![0];
  expectFail(await plain.run(['stage', 'approve', plainId]), 'approve without 2FA', [/E403/, /needs two-factor authentication on your account/]);

  // the OTP typed at npm's prompt (otplease)
  const r = await maintainer.pty(['stage', 'approve', stageId], [{ prompt: /Enter OTP:/, answer: () => codes.next() }], { timeoutMs: 120_000 });
  expectOk(r, 'npm stage approve with the OTP prompt', server);
  assert.match(r.output, new RegExp(`Staged package ${stageId} approved and published successfully\\.`));

  const doc = await api(server.url, '/stage-e2e');
  assert.equal(doc.json['dist-tags'].beta, '1.1.0');
  assert.equal(doc.json['dist-tags'].latest, '1.0.0');
  const project = ci.makeProject();
  // --prefer-online: this npm read the packument moments ago (stage publish checks versions) and
  // would otherwise trust its cache for the packument's max-age
  expectOk(await ci.run(['install', 'stage-e2e@beta', '--prefer-online'], { cwd: project }), 'npm install stage-e2e@beta', server);
  assert.equal(await nodeEval("process.stdout.write(require('stage-e2e/package.json').version)", project), '1.1.0');
  assert.match((await maintainer.run(['stage', 'list'])).stdout, /No staged packages found\./);
});

test('npm stage reject frees the version number', T, async () => {
  const r = await ci.run(['stage', 'publish'], { cwd: ci.makePackage('stage-e2e', '1.2.0') });
  expectOk(r, 'npm stage publish 1.2.0', server);
  const id = UUID.exec(r.stdout)![0];
  const rej = await maintainer.run(['stage', 'reject', id, `--otp=${await codes.next()}`]);
  expectOk(rej, 'npm stage reject', server);
  assert.match(rej.stdout, new RegExp(`Staged package ${id} has been rejected\\.`));
  expectFail(await maintainer.run(['stage', 'view', id]), 'view of a rejected stage', [/E404/]);
  expectOk(await maintainer.run(['publish', `--otp=${await codes.next()}`], { cwd: maintainer.makePackage('stage-e2e', '1.2.0') }), 'npm publish of the freed number', server);
});
