// Dependency confusion with the real npm CLI (docs/proxy.md, "Dependency confusion"): Tessera
// proxies a small upstream registry of this test's own, which records every request. Publishing
// over a name the upstream has is refused with 403 and the reason npm prints; a local name is
// asked upstream once, at its first publish, and never again: not by later publishes, views or
// installs. (npm GETs the packument before its PUT and refuses a version not above the one it
// sees, so the refused publish uses a version above the upstream's: Tessera's 403 is what npm shows.)

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, type Npm } from './harness/npm.ts';
import { expectFail, expectOk, nodeEval } from './harness/expect.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

/** Every request the upstream received, as `METHOD url`. */
const seen: string[] = [];
let upstream: Server;
let server: RunningServer;
let alice: Npm;

before(async () => {
  upstream = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    if (name === 'public-name') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        _id: name, name, 'dist-tags': { latest: '1.0.0' },
        versions: { '1.0.0': { name, version: '1.0.0', dist: { tarball: `http://${req.headers.host}/public-name/-/public-name-1.0.0.tgz`, shasum: '0'.repeat(40) } } },
        time: { created: '2020-01-01T00:00:00.000Z', modified: '2020-01-01T00:00:00.000Z', '1.0.0': '2020-01-01T00:00:00.000Z' },
      }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"Not found"}');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  server = await startServer({ env: { TESSERA_UPSTREAM: `http://127.0.0.1:${port}/` } });
  alice = (await adduser(server.url, 'alice', PASSWORD, server)).npm;
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
  await new Promise((r) => upstream?.close(r));
});

const about = (name: string) => seen.filter((s) => decodeURIComponent(s).includes(name));

test('npm publish over a name the upstream has: 403 with the reason, nothing published', T, async () => {
  const r = await alice.run(['publish'], { cwd: alice.makePackage('public-name', '2.0.0') });
  expectFail(r, 'npm publish public-name@2.0.0', [/403/, /public-name exists on the upstream default/, /dependency confusion/], server);
  assert.ok(about('public-name').length >= 1);
});

test('a local name reaches the upstream only during its first publish: later publishes, view and install never ask', T, async () => {
  let r = await alice.run(['publish'], { cwd: alice.makePackage('private-tool', '1.0.0') });
  expectOk(r, 'npm publish private-tool@1.0.0', server);
  const first = about('private-tool');
  assert.ok(first.includes('GET /private-tool'), `the one question: ${JSON.stringify(first)}`);
  r = await alice.run(['publish'], { cwd: alice.makePackage('private-tool', '1.1.0') });
  expectOk(r, 'npm publish private-tool@1.1.0', server);
  r = await alice.run(['view', 'private-tool', 'versions', '--json']);
  expectOk(r, 'npm view private-tool', server);
  assert.deepEqual(JSON.parse(r.stdout), ['1.0.0', '1.1.0']);
  const project = alice.makeProject();
  r = await alice.run(['install', 'private-tool@^1.0.0'], { cwd: project });
  expectOk(r, 'npm install private-tool', server);
  assert.equal(await nodeEval('process.stdout.write(require("private-tool"))', project), 'private-tool@1.1.0');
  r = await alice.run(['dist-tag', 'add', 'private-tool@1.0.0', 'stable']);
  expectOk(r, 'npm dist-tag add', server);
  assert.deepEqual(about('private-tool'), first, 'nothing about private-tool reached the upstream after its first publish');
  // alice's own scope is local: never asked at all.
  r = await alice.run(['publish'], { cwd: alice.makePackage('@alice/kit', '1.0.0') });
  expectOk(r, 'npm publish @alice/kit', server);
  assert.deepEqual(about('alice'), []);
});
