// `npm audit` with the real npm CLI (issue 13 item 2): npm sends its bulk advisory request
// gzipped (@npmcli/arborist lib/audit-report.js, `gzip: true`), which Tessera used to parse as
// plain JSON and answer 400, so `npm audit` exited 1. Without an advisory source Tessera answers
// "no advisories": exit 0 and "found 0 vulnerabilities", logged in or anonymous.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectOk } from './harness/expect.ts';
import { adduser, makeNpm, type Npm } from './harness/npm.ts';
import { expectNpmPublished } from './harness/publishing.ts';
import { startServer, type RunningServer } from './harness/server.ts';

const T = { timeout: 180_000 };
let server: RunningServer;
let alice: Npm;
let project: string;

before(async () => {
  server = await startServer();
  ({ npm: alice } = await adduser(server.url, 'alice', 'quartz-Lantern-47-mosaic', server));
  await expectNpmPublished(server, alice, 'audited-dep', '1.0.0');
  project = alice.makeProject();
  expectOk(await alice.run(['install', 'audited-dep@1.0.0'], { cwd: project }), 'npm install', server);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

test('npm audit, logged in: exit 0 and "found 0 vulnerabilities"', T, async () => {
  const r = await alice.run(['audit'], { cwd: project });
  expectOk(r, 'npm audit', server);
  assert.match(r.stdout, /found 0 vulnerabilities/);
});

test('npm audit --json: exit 0, no vulnerabilities counted', T, async () => {
  const r = await alice.run(['audit', '--json'], { cwd: project });
  expectOk(r, 'npm audit --json', server);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.vulnerabilities, {});
  assert.equal(report.metadata.vulnerabilities.total, 0);
});

test('npm audit without a token (anonymous) works too', T, async () => {
  const anon = makeNpm(server.url);
  const r = await anon.run(['audit'], { cwd: project });
  expectOk(r, 'anonymous npm audit', server);
  assert.match(r.stdout, /found 0 vulnerabilities/);
});

test('npm install with auditing on reports no vulnerabilities instead of an audit error', T, async () => {
  const fresh = alice.makeProject();
  const r = await alice.run(['install', 'audited-dep@1.0.0', '--audit=true'], { cwd: fresh });
  expectOk(r, 'npm install --audit', server);
  assert.match(r.stdout, /found 0 vulnerabilities/);
});
