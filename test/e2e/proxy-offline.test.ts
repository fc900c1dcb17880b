// `npm ci` after `tessera mirror` with the upstream gone (issue #15, "Done when"), with the
// real npm CLI: a second Tessera (started with --upstream none) plays the public registry and
// holds a small tree (top-tree depends on leaf-one and @pub/leaf-two). The project's lockfile
// is written by `npm install` straight against that upstream, as a real project's lockfile
// names registry.npmjs.org, so that making it puts nothing into the proxy's cache. A FRESH
// proxying Tessera (empty cache) then gets `tessera mirror package-lock.json`; the upstream
// process is killed; `npm ci` with an empty npm cache installs everything from the proxy
// (`replace-registry-host=always` sends the lockfile's upstream tarball URLs to the configured
// registry, docs/proxy.md "Offline mirror"), and a second `tessera mirror` says already cached.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, expectOk, nodeEval, re } from './harness/expect.ts';
import { adduser, makeNpm } from './harness/npm.ts';
import { runTessera, startServer, type CliResult, type RunningServer } from './harness/server.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
const TREE = ['top-tree@1.0.0', 'leaf-one@1.2.0', '@pub/leaf-two@2.0.1'];

let upstream: RunningServer;
let proxy: RunningServer;
/** The project folder; its package-lock.json was written by npm against the upstream. */
let project: string;

function mirror(args: string[]): Promise<CliResult> {
  return runTessera(['mirror', ...args], { timeoutMs: 90_000 });
}

before(async () => {
  upstream = await startServer();
  const { npm: publisher } = await adduser(upstream.url, 'pub', PASSWORD, upstream);
  for (const [name, version, extra] of [
    ['leaf-one', '1.0.0', {}],
    ['leaf-one', '1.2.0', {}],
    ['@pub/leaf-two', '2.0.1', {}],
    ['top-tree', '1.0.0', { dependencies: { 'leaf-one': '^1.0.0', '@pub/leaf-two': '^2.0.0' } }],
  ] as const) {
    const r = await publisher.run(['publish', '--access', 'public'], { cwd: publisher.makePackage(name, version, extra) });
    expectOk(r, `npm publish ${name}@${version} to the upstream`, upstream);
  }
  // The lockfile, made against the upstream itself: the proxy sees none of it.
  const maker = makeNpm(upstream.url);
  project = maker.makeProject();
  expectOk(await maker.run(['install', 'top-tree'], { cwd: project }), 'npm install top-tree against the upstream (the lockfile)', upstream);
  proxy = await startServer({ env: { TESSERA_UPSTREAM: upstream.url, TESSERA_PROXY_FRESH_SECONDS: '0' } });
});

after(async () => {
  await proxy?.stop().catch(() => proxy.kill9());
  await upstream?.stop().catch(() => upstream.kill9());
});

test('tessera mirror fills a fresh proxy from a lockfile; with the upstream process killed, npm ci from an empty npm cache succeeds and mirror says already cached', T, async () => {
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { lockfileVersion: number; packages: Record<string, { resolved?: string }> };
  assert.equal(lock.lockfileVersion, 3);
  assert.equal(lock.packages['node_modules/@pub/leaf-two']?.resolved, `${upstream.url}@pub/leaf-two/-/leaf-two-2.0.1.tgz`, 'the lockfile names the upstream');

  // The proxy's cache is empty: "fetched 3, already cached 0" says every package came from the upstream.
  const first = await mirror([join(project, 'package-lock.json'), '--registry', proxy.url]);
  assert.equal(first.code, 0, `tessera mirror exit 0 expected; ${describeRun(first, proxy)}`);
  assert.match(first.stdout, new RegExp(`^package-lock\\.json v3: 3 packages from the registry, through ${re(proxy.url)} `, 'm'), first.stdout);
  assert.match(first.stdout, /^fetched 3\nalready cached 0\nskipped 0\nfailed 0\n$/m, first.stdout);
  for (const id of TREE) assert.match(first.stderr, new RegExp(`^fetched [1-3]/3 ${re(id)}$`, 'm'), first.stderr);

  // The upstream goes away for real: its process ends and its port refuses connections.
  assert.equal(await upstream.stop(), 0);
  await assert.rejects(fetch(`${upstream.url}-/ping`), 'the upstream no longer answers');

  // By default npm replaces only registry.npmjs.org hosts: this lockfile's URLs lead to the dead upstream.
  const unreplaced = await makeNpm(proxy.url).run(['ci'], { cwd: project });
  assert.equal(unreplaced.code, 1, `npm ci without replace-registry-host=always reaches for the upstream; ${describeRun(unreplaced)}`);
  assert.match(unreplaced.stderr, new RegExp(`ECONNREFUSED|${re(upstream.url)}`));

  const offline = makeNpm(proxy.url);
  const r = await offline.run(['ci', '--replace-registry-host=always'], { cwd: project });
  expectOk(r, 'npm ci with the upstream gone (empty npm cache)', proxy);
  assert.equal(
    await nodeEval("process.stdout.write([require('top-tree'), require('leaf-one'), require('@pub/leaf-two')].join(' '))", project),
    'top-tree@1.0.0 leaf-one@1.2.0 @pub/leaf-two@2.0.1',
  );
  assert.doesNotMatch(r.stderr, /ECONNREFUSED/);

  const again = await mirror([join(project, 'package-lock.json'), '--registry', proxy.url]);
  assert.equal(again.code, 0, `second tessera mirror exit 0 expected; ${describeRun(again, proxy)}`);
  assert.match(again.stdout, /^fetched 0\nalready cached 3\nskipped 0\nfailed 0\n$/m, again.stdout);
});
