// The proxy's version policy with the real npm CLI (docs/proxy.md, "Minimum release age" and
// "Blocking a version"): Tessera, configured by a YAML file (--config) with a rule
// `minReleaseAgeHours: 72` and an exemption, proxies a small upstream of the test's own
// (test/support/upstream.ts) whose packuments carry chosen `time` values and real tarballs.
// A young version is held back: npm view lists only the old one, `latest` moves to it, npm
// install picks it, an install of the young one fails, its tarball answers 404 with the
// reason (npm prints it for a lockfile that names the version). An administrator's
// `tessera proxy block` beside the running server takes a cached version out of service
// within moments (SQLite's data_version poll), and `tessera proxy unblock` brings it back.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTarball } from '../support/tarball.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { describeRun, expectFail, expectOk, nodeEval, re } from './harness/expect.ts';
import { makeNpm } from './harness/npm.ts';
import { runTessera, startServer, type CliResult, type RunningServer } from './harness/server.ts';
import { tempDir } from './harness/tmp.ts';

const T = { timeout: 300_000 };
const HOUR = 3600_000;
const ABBREVIATED = 'application/vnd.npm.install-v1+json';

let upstream: TestUpstream;
let proxy: RunningServer;
let configFile: string;

/** A real npm tarball of a package whose main module exports "name@version". */
function tarballOf(name: string, version: string): Buffer {
  return makeTarball({
    'package.json': JSON.stringify({ name, version, main: 'index.js', license: 'MIT' }),
    'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
  });
}

function addVersion(name: string, version: string, ageMs: number): void {
  upstream.addVersion(name, version, tarballOf(name, version), { time: new Date(Date.now() - ageMs).toISOString() });
}

/** Polls `check` every 100 ms until it returns true; fails naming `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms\n--- server output (tail) ---\n${proxy.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The version numbers of a packument Tessera serves, in the form `accept` asks for. */
async function servedVersions(name: string, accept: string): Promise<string[]> {
  const res = await fetch(`${proxy.url}${name}`, { headers: { accept } });
  assert.equal(res.status, 200, `GET /${name} (${accept})`);
  const doc = (await res.json()) as { versions: Record<string, unknown> };
  return Object.keys(doc.versions).sort();
}

function admin(args: string[]): Promise<CliResult> {
  return runTessera(['proxy', ...args, '--config', configFile, '--data', proxy.dataDir], { timeoutMs: 60_000 });
}

before(async () => {
  upstream = await startUpstream();
  // young-pkg: 1.0.0 a month old, 1.1.0 an hour old (latest). fresh-exempt: the same ages, exempt.
  for (const name of ['young-pkg', 'fresh-exempt']) {
    addVersion(name, '1.0.0', 30 * 24 * HOUR);
    addVersion(name, '1.1.0', 1 * HOUR);
  }
  // pulled-pkg: two old versions, for the block.
  addVersion('pulled-pkg', '1.0.0', 60 * 24 * HOUR);
  addVersion('pulled-pkg', '1.1.0', 30 * 24 * HOUR);
  configFile = join(tempDir('config'), 'tessera.yaml');
  writeFileSync(
    configFile,
    [
      `upstream: ${upstream.url}`,
      'proxyRules:',
      '  - pattern: "*"',
      '    upstream: default',
      '    minReleaseAgeHours: 72',
      '    minReleaseAgeExempt: ["fresh-exempt"]',
      '',
    ].join('\n'),
  );
  // TESSERA_UPSTREAM (set to none by the harness) would win over the file: it names the same upstream.
  proxy = await startServer({ args: ['--config', configFile], env: { TESSERA_UPSTREAM: upstream.url } });
});

after(async () => {
  await proxy?.stop().catch(() => proxy.kill9());
  await upstream?.close();
});

test('minimum release age: npm view lists only the old version, latest moves to it, npm install picks it, the young one cannot be installed', T, async () => {
  const npm = makeNpm(proxy.url);
  let r = await npm.run(['view', 'young-pkg', 'versions', '--json']);
  expectOk(r, 'npm view young-pkg versions', proxy);
  assert.deepEqual(JSON.parse(r.stdout), ['1.0.0']);
  r = await npm.run(['view', 'young-pkg', 'dist-tags', '--json']);
  expectOk(r, 'npm view young-pkg dist-tags', proxy);
  assert.deepEqual(JSON.parse(r.stdout), { latest: '1.0.0' });
  assert.deepEqual(await servedVersions('young-pkg', ABBREVIATED), ['1.0.0'], 'the abbreviated form (installs) too');

  const project = npm.makeProject();
  r = await npm.run(['install', 'young-pkg'], { cwd: project });
  expectOk(r, 'npm install young-pkg', proxy);
  assert.equal(await nodeEval("process.stdout.write(require('young-pkg'))", project), 'young-pkg@1.0.0');
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(manifest.dependencies['young-pkg'], '^1.0.0');

  r = await npm.run(['install', 'young-pkg@1.1.0'], { cwd: npm.makeProject() });
  expectFail(r, 'npm install young-pkg@1.1.0', [/ETARGET/, /No matching version found for young-pkg@1\.1\.0/], proxy);

  const tarball = await fetch(`${proxy.url}young-pkg/-/young-pkg-1.1.0.tgz`);
  assert.equal(tarball.status, 404);
  const reason = ((await tarball.json()) as { error: string }).error;
  assert.match(reason, /^young-pkg@1\.1\.0 is not served by this registry: young-pkg@1\.1\.0 was published (59 minutes|1 hour) ago; versions younger than 72 hours are held back \(proxyRules\[0\]\.minReleaseAgeHours\)/, reason);
  assert.ok(!upstream.requests.some((q) => q.url.endsWith('young-pkg-1.1.0.tgz')), 'the young tarball was never fetched');
});

test('minimum release age: a lockfile that already names the young version fails in npm ci with the reason', T, async () => {
  // The lockfile was made elsewhere, straight from the upstream (where 1.1.0 is installable).
  const maker = makeNpm(upstream.url);
  const project = maker.makeProject();
  expectOk(await maker.run(['install', 'young-pkg@1.1.0'], { cwd: project }), 'npm install young-pkg@1.1.0 against the upstream');
  const r = await makeNpm(proxy.url).run(['ci', '--replace-registry-host=always'], { cwd: project });
  expectFail(r, 'npm ci of a lockfile naming young-pkg@1.1.0', [/404 Not Found - GET .*young-pkg-1\.1\.0\.tgz - young-pkg@1\.1\.0 is not served by this registry: young-pkg@1\.1\.0 was published .* ago; versions younger than 72 hours are held back/], proxy);
});

test('minimum release age: an exempt name gets every version at once', T, async () => {
  const npm = makeNpm(proxy.url);
  let r = await npm.run(['view', 'fresh-exempt', 'versions', '--json']);
  expectOk(r, 'npm view fresh-exempt versions', proxy);
  assert.deepEqual(JSON.parse(r.stdout), ['1.0.0', '1.1.0']);
  r = await npm.run(['view', 'fresh-exempt', 'dist-tags', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), { latest: '1.1.0' });
  const project = npm.makeProject();
  r = await npm.run(['install', 'fresh-exempt'], { cwd: project });
  expectOk(r, 'npm install fresh-exempt', proxy);
  assert.equal(await nodeEval("process.stdout.write(require('fresh-exempt'))", project), 'fresh-exempt@1.1.0');
});

test('tessera proxy block beside the running server: the cached version leaves the packuments, npm cannot install it, its tarball answers 404 with the reason; unblock restores it', T, async () => {
  const npm = makeNpm(proxy.url);
  const project = npm.makeProject();
  let r = await npm.run(['install', 'pulled-pkg@1.0.0'], { cwd: project });
  expectOk(r, 'npm install pulled-pkg@1.0.0 (fills the cache)', proxy);
  const cached = await fetch(`${proxy.url}pulled-pkg/-/pulled-pkg-1.0.0.tgz`);
  await cached.arrayBuffer();
  assert.equal(cached.headers.get('x-tessera-cache'), 'hit', 'the tarball is in the cache');
  assert.deepEqual(await servedVersions('pulled-pkg', 'application/json'), ['1.0.0', '1.1.0']);

  const block = await admin(['block', 'pulled-pkg@1.0.0', '--reason', 'pulled upstream']);
  assert.equal(block.code, 0, `tessera proxy block: ${describeRun(block, proxy)}`);
  assert.match(block.stdout, /^Blocked pulled-pkg@1\.0\.0 \(pulled upstream\)/);
  await waitFor('the running server leaves pulled-pkg@1.0.0 out of both packument forms', async () => {
    const [full, abbreviated] = await Promise.all([servedVersions('pulled-pkg', 'application/json'), servedVersions('pulled-pkg', ABBREVIATED)]);
    return full.join() === '1.1.0' && abbreviated.join() === '1.1.0';
  });
  const listed = await admin(['blocks', 'pulled-pkg']);
  assert.equal(listed.code, 0, describeRun(listed));
  assert.match(listed.stdout, /^pulled-pkg@1\.0\.0 {2}\S+ {2}by \S+ {2}pulled upstream$/m);

  const tarball = await fetch(`${proxy.url}pulled-pkg/-/pulled-pkg-1.0.0.tgz`);
  assert.equal(tarball.status, 404);
  assert.equal(((await tarball.json()) as { error: string }).error, 'pulled-pkg@1.0.0 is not served by this registry: blocked by an administrator: pulled upstream');

  r = await makeNpm(proxy.url).run(['install', 'pulled-pkg@1.0.0'], { cwd: npm.makeProject() });
  expectFail(r, 'npm install pulled-pkg@1.0.0 while blocked', [/ETARGET/, /No matching version found for pulled-pkg@1\.0\.0/], proxy);
  // The project that installed it before: its lockfile names the blocked version.
  r = await makeNpm(proxy.url).run(['ci'], { cwd: project });
  expectFail(r, 'npm ci of a lockfile naming the blocked version', [new RegExp(`404 Not Found - GET ${re(proxy.url)}pulled-pkg/-/pulled-pkg-1\\.0\\.0\\.tgz - pulled-pkg@1\\.0\\.0 is not served by this registry: blocked by an administrator: pulled upstream`)], proxy);

  const unblock = await admin(['unblock', 'pulled-pkg@1.0.0']);
  assert.equal(unblock.code, 0, `tessera proxy unblock: ${describeRun(unblock, proxy)}`);
  await waitFor('the running server lists pulled-pkg@1.0.0 again', async () => {
    const [full, abbreviated] = await Promise.all([servedVersions('pulled-pkg', 'application/json'), servedVersions('pulled-pkg', ABBREVIATED)]);
    return full.join() === '1.0.0,1.1.0' && abbreviated.join() === '1.0.0,1.1.0';
  });
  r = await makeNpm(proxy.url).run(['ci'], { cwd: project });
  expectOk(r, 'npm ci after the unblock (a fresh npm cache)', proxy);
  assert.equal(await nodeEval("process.stdout.write(require('pulled-pkg'))", project), 'pulled-pkg@1.0.0');
  const upstreamTarballs = upstream.requests.filter((q) => q.url === '/pulled-pkg/-/pulled-pkg-1.0.0.tgz');
  assert.equal(upstreamTarballs.length, 1, 'the tarball was fetched from the upstream once, and served from the cache after the unblock');
});
