// Nothing the registry serves can drive a terminal, with the real npm CLI: a deprecation or a
// package.json holding an escape sequence is refused (and npm's error output carries no raw
// control character), while `npm view`, `npm owner ls`, `npm token list` and install warnings
// show ordinary text (Unicode, dashes, tabs in a readme) exactly as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type RunningServer, startServer } from './harness/server.ts';
import { adduser, makeNpm, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic-text';
const ESC = '\u001b';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let server: RunningServer;
let npm: Npm;

before(async () => {
  server = await startServer();
  npm = (await adduser(server.url, 'ada', PASSWORD, server)).npm;
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

test('npm deprecate with an escape sequence is refused, and the message is not stored', T, async () => {
  const dir = npm.makePackage('esc-dep', '1.0.0');
  expectOk(await npm.run(['publish'], { cwd: dir }), 'publish esc-dep', server);
  const r = await npm.run(['deprecate', 'esc-dep@1.0.0', `old ${ESC}[31mRED-DEPRECATED${ESC}[0m ${ESC}]0;TITLE-DEP\u0007`]);
  expectFail(r, 'npm deprecate with ESC', [/400/, /"deprecated" holds the control character U\+001B/], server);
  // npm's own notice echoes the command line; the registry's answer carries no raw control.
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('npm error')).join('\n');
  assert.ok(!RAW_CONTROL.test(errors), `raw control in npm's error output: ${JSON.stringify(errors)}`);
  const view = await npm.run(['view', 'esc-dep@1.0.0', 'deprecated', '--prefer-online']);
  expectOk(view, 'npm view deprecated', server);
  assert.equal(view.stdout, '');
});

test('npm publish of a package.json with an OSC 8 link in its description is refused', T, async () => {
  const dir = npm.makePackage('esc-desc', '1.0.0', { description: `nice ${ESC}]8;;https://evil.example/${ESC}\\CLICK${ESC}]8;;${ESC}\\` });
  const r = await npm.run(['publish'], { cwd: dir });
  expectFail(r, 'npm publish with ESC in the description', [/400/, /description holds the control character U\+001B/], server);
  assert.ok(!RAW_CONTROL.test(r.stderr), JSON.stringify(r.stderr));
  assert.equal((await api(server.url, '/esc-desc')).status, 404);
});

test('npm view, owner ls, token list and install warnings show ordinary text unchanged', T, async () => {
  const description = 'Ünïcode — “quotes”, emoji ✓ and a tab-free line';
  const dir = npm.makePackage('plain-text', '1.0.0', {
    description,
    keywords: ['déjà vu', 'naïve'],
    author: { name: 'Ada Lovelace-Byron', email: 'ada@example.com' },
    scripts: { build: 'echo one &&\necho two' },
  });
  expectOk(await npm.run(['publish'], { cwd: dir }), 'publish plain-text', server);

  const desc = await npm.run(['view', 'plain-text', 'description']);
  expectOk(desc, 'npm view description', server);
  assert.equal(desc.stdout, `${description}\n`);
  const keywords = await npm.run(['view', 'plain-text', 'keywords', '--json']);
  assert.deepEqual(JSON.parse(keywords.stdout), ['déjà vu', 'naïve']);

  const owners = await npm.run(['owner', 'ls', 'plain-text']);
  expectOk(owners, 'npm owner ls', server);
  assert.equal(owners.stdout, 'ada <ada@example.com>\n');

  const message = 'use plain-text@2 — it is faster';
  expectOk(await npm.run(['deprecate', 'plain-text@1.0.0', message]), 'npm deprecate', server);
  const dep = await npm.run(['view', 'plain-text@1.0.0', 'deprecated', '--prefer-online']);
  assert.equal(dep.stdout, `${message}\n`);
  const install = await makeNpm(server.url).run(['install', 'plain-text'], { cwd: makeNpm(server.url).makeProject() });
  expectOk(install, 'npm install plain-text', server);
  assert.ok(install.stderr.includes(`npm warn deprecated plain-text@1.0.0: ${message}`), install.stderr);

  const created = await api(server.url, '/-/npm/v1/tokens', {
    method: 'POST',
    token: npm.token(),
    body: { name: 'CI — déploiement', description: 'first line\nsecond line', password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' },
  });
  assert.equal(created.status, 201, created.text);
  const list = await npm.run(['token', 'list']);
  expectOk(list, 'npm token list', server);
  assert.match(list.stdout, /with id [0-9a-f]+ name CI — déploiement created \d{4}-\d{2}-\d{2}/);
  assert.ok(!RAW_CONTROL.test(list.stdout));

  const refused = await api(server.url, '/-/npm/v1/tokens', {
    method: 'POST',
    token: npm.token(),
    body: { name: `${ESC}]0;PWNED-TITLE\u0007${ESC}[2J`, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' },
  });
  assert.equal(refused.status, 400, refused.text);
});
