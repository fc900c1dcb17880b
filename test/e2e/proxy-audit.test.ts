// `npm audit` through the proxy with the real npm CLI (issue 15 item 6). A project holds a
// package published to Tessera (private-lib) and one that comes from the upstream (lodash, a
// small stand-in served by a node:http upstream of the test's own, installed from there). npm
// audit asks Tessera; Tessera forwards only lodash to the upstream, whose advisory npm then
// reports; private-lib never reaches the upstream after its publish. With the upstream down,
// npm prints Tessera's 503 and its reason.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADVISORIES, type AuditUpstream, startAuditUpstream } from '../support/audit-upstream.ts';
import { makeTarball } from '../support/tarball.ts';
import { expectOk } from './harness/expect.ts';
import { adduser, type Npm } from './harness/npm.ts';
import { expectNpmPublished } from './harness/publishing.ts';
import { startServer, type RunningServer } from './harness/server.ts';

const T = { timeout: 180_000 };
let upstream: AuditUpstream;
let server: RunningServer;
let alice: Npm;
let project: string;
/** How many upstream requests there were when private-lib had been published. */
let afterPublish = 0;

/** Serves `name@version` (a tiny package) from the upstream: packument and tarball. */
function serveFromUpstream(up: AuditUpstream, name: string, version: string): void {
  const tgz = makeTarball({ 'package.json': JSON.stringify({ name, version, main: 'index.js' }), 'index.js': 'module.exports = 1;\n' });
  const file = `/${name}/-/${name}-${version}.tgz`;
  up.files.set(file, { type: 'application/octet-stream', body: tgz });
  const dist = { tarball: `${up.url.slice(0, -1)}${file}`, integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`, shasum: createHash('sha1').update(tgz).digest('hex') };
  const packument = { _id: name, name, 'dist-tags': { latest: version }, versions: { [version]: { name, version, main: 'index.js', dist } }, time: { [version]: '2019-07-01T00:00:00.000Z' } };
  up.files.set(`/${name}`, { type: 'application/json', body: Buffer.from(JSON.stringify(packument)) });
}

before(async () => {
  upstream = await startAuditUpstream();
  serveFromUpstream(upstream, 'lodash', '4.17.11');
  server = await startServer({ args: ['--upstream', upstream.url] });
  ({ npm: alice } = await adduser(server.url, 'alice', 'quartz-Lantern-47-mosaic', server));
  await expectNpmPublished(server, alice, 'private-lib', '1.0.0');
  afterPublish = upstream.requests.length;
  project = alice.makeProject();
  // lodash from the upstream itself (its lockfile entry resolves there); private-lib from Tessera.
  expectOk(await alice.run(['install', 'lodash@4.17.11', '--registry', upstream.url], { cwd: project }), 'npm install lodash from the upstream', server);
  expectOk(await alice.run(['install', 'private-lib@1.0.0'], { cwd: project }), 'npm install private-lib', server);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
  await upstream?.close();
});

test('npm audit --json: the upstream advisory of the proxied package is reported; only its name was sent', T, async () => {
  const before = upstream.audits().length;
  const r = await alice.run(['audit', '--json'], { cwd: project });
  assert.equal(r.code, 1, `npm audit exits 1 when it finds a vulnerability\n${r.stderr}`);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report.vulnerabilities), ['lodash']);
  assert.equal(report.vulnerabilities.lodash.severity, 'critical');
  assert.equal(report.vulnerabilities.lodash.via[0].title, (ADVISORIES.lodash[0] as { title: string }).title);
  assert.equal(report.metadata.vulnerabilities.critical, 1);
  const sent = upstream.audits().slice(before);
  assert.equal(sent.length, 1, 'one bulk request reached the upstream');
  assert.equal(sent[0].url, '/-/npm/v1/security/advisories/bulk');
  assert.deepEqual(JSON.parse(sent[0].body), { lodash: ['4.17.11'] });
});

test('npm audit (human output) names the advisory; private-lib never reached the upstream after its publish', T, async () => {
  const r = await alice.run(['audit'], { cwd: project });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /Prototype Pollution in lodash/);
  assert.match(r.stdout, /1 critical severity vulnerability/);
  for (const req of upstream.requests.slice(afterPublish)) {
    assert.ok(!`${req.url} ${req.body}`.includes('private-lib'), `private-lib reached the upstream: ${req.method} ${req.url} ${req.body}`);
  }
});

test('with the upstream down, npm audit fails with Tessera\'s 503 and its reason', T, async () => {
  const port = upstream.port;
  await upstream.close();
  try {
    const r = await alice.run(['audit'], { cwd: project });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`npm warn audit 503 Service Unavailable - POST ${server.url.replace(/[.]/g, '\\.')}-/npm/v1/security/advisories/bulk - The upstream default \\(127\\.0\\.0\\.1:${port}\\) cannot be reached \\(ECONNREFUSED\\)\\. npm audit cannot check the packages that come from it; try again later\\.`));
    assert.match(r.stdout, /code: 'UPSTREAM_UNAVAILABLE'/);
    assert.doesNotMatch(r.stdout, /found 0 vulnerabilities/);
    const json = await alice.run(['audit', '--json'], { cwd: project });
    assert.equal(json.code, 1);
    const shown = JSON.parse(json.stdout);
    assert.equal(shown.statusCode, 503);
    assert.match(shown.message, /The upstream default .* cannot be reached/);
  } finally {
    upstream = await startAuditUpstream(port);
  }
});
