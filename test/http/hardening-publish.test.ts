// The publish path holds the body to the tarball (security review 1, findings 6, 7 and 10):
// manifest fields from the tarball's package.json as npm prepares it, versions as npm cleans
// them, a bounded streaming inflate after the second factor, and no existence leak.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import { startApp, type TestApp } from '../support/app.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';
import { makeTarball, publishBody, publishBodyFor, tarArchive } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
let bob: string;
const clock = new TestClock();
before(async () => {
  t = await startApp({}, clock);
  alice = await t.signUp('alice');
  bob = await t.signUp('bob');
});
after(() => t.close());

const path = (name: string) => `/${name.replace('/', '%2f')}`;
const put = (name: string, body: unknown, token = alice, headers: Record<string, string> = {}) =>
  t.request({ method: 'PUT', url: path(name), payload: body as object, token: token || undefined, headers });
const full = async (name: string) => (await t.request({ url: path(name) })).json();
const abbreviated = async (name: string) => (await t.request({ url: path(name), headers: { accept: 'application/vnd.npm.install-v1+json' } })).json();

/** A publish body whose manifest is `body` and whose tarball holds `pkg` as package.json, plus files. */
function confused(name: string, body: Record<string, unknown>, pkg: Record<string, unknown>, files: Record<string, string> = {}) {
  return publishBody(name, '1.0.0', { manifest: body, tarballManifest: { name, version: '1.0.0', main: 'index.js', ...pkg }, files });
}

test('the reviewer\'s hidden preinstall: a body stating other scripts than the tarball is refused, naming the field', async () => {
  const res = await put('innocent-lib', confused('innocent-lib', { scripts: {}, hasInstallScript: false }, { scripts: { preinstall: 'node -e "pwn()"' } }));
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().code, 'MANIFEST_MISMATCH');
  assert.match(res.json().error, /"scripts"/);
  assert.equal((await t.request({ url: '/innocent-lib' })).statusCode, 404, 'nothing was published');
});

test('every install-relevant field the body states must equal the tarball\'s: each sibling is refused', async () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['dependencies', { lodash: '^4' }, { evil: '1.0.0' }],
    ['devDependencies', {}, { evil: '1.0.0' }],
    ['optionalDependencies', undefined, { evil: '1.0.0' }],
    ['peerDependencies', { react: '*' }, { react: '^18' }],
    ['peerDependenciesMeta', {}, { react: { optional: true } }],
    ['bundleDependencies', undefined, ['evil']],
    ['bin', { tool: 'cli.js' }, { tool: 'evil.js' }],
    ['os', ['linux'], ['darwin']],
    ['cpu', ['x64'], ['arm64']],
    ['libc', undefined, ['musl']],
    ['engines', { node: '>=18' }, { node: '>=0.1' }],
    ['directories', undefined, { bin: 'elsewhere' }],
    ['main', 'index.js', 'evil.js'],
    ['exports', './index.js', './evil.js'],
    ['license', 'MIT', 'UNLICENSED'],
  ];
  for (const [field, inTarball, inBody] of cases) {
    const name = `field-${field.toLowerCase()}`;
    const res = await put(name, confused(name, { [field]: inBody }, inTarball === undefined ? {} : { [field]: inTarball }, { 'cli.js': '', 'evil.js': '' }));
    assert.equal(res.statusCode, 400, `${field}: ${res.body}`);
    assert.equal(res.json().code, 'MANIFEST_MISMATCH', field);
    assert.match(res.json().error, new RegExp(`"${field}"`), field);
  }
});

test('fields the body leaves out come from the tarball: the preinstall shows in both packuments, with hasInstallScript', async () => {
  const res = await put('shows-scripts', confused('shows-scripts', {}, { scripts: { preinstall: 'node setup.js' }, dependencies: { 'dep-a': '^1.0.0' } }));
  assert.equal(res.statusCode, 201, res.body);
  const v = (await full('shows-scripts')).versions['1.0.0'];
  assert.deepEqual(v.scripts, { preinstall: 'node setup.js' });
  assert.deepEqual(v.dependencies, { 'dep-a': '^1.0.0' });
  assert.equal(v.hasInstallScript, true);
  const a = (await abbreviated('shows-scripts')).versions['1.0.0'];
  assert.equal(a.hasInstallScript, true);
  assert.deepEqual(a.dependencies, { 'dep-a': '^1.0.0' });
});

test('a body-sent hasInstallScript, _hasShrinkwrap and dist extras are replaced by what the registry computes', async () => {
  const body = confused('dist-extras', { hasInstallScript: true, _hasShrinkwrap: false }, {}, { 'npm-shrinkwrap.json': '{}', 'lib/a.js': 'x'.repeat(10) });
  const dist = body.versions['1.0.0'].dist;
  dist.signatures = [{ keyid: 'SHA256:forged', sig: 'MEUCIQforged' }];
  dist.fileCount = 1;
  dist.unpackedSize = 10;
  dist['npm-signature'] = 'forged';
  assert.equal((await put('dist-extras', body)).statusCode, 201);
  const v = (await full('dist-extras')).versions['1.0.0'];
  assert.equal(v.hasInstallScript, undefined);
  assert.equal(v._hasShrinkwrap, true);
  assert.deepEqual(Object.keys(v.dist).sort(), ['fileCount', 'integrity', 'shasum', 'signatures', 'tarball', 'unpackedSize']);
  // The client's signatures are dropped; the registry's own is made over the verified integrity.
  assert.deepEqual(v.dist.signatures.map((s: { keyid: string }) => s.keyid), [t.deps.signing!.current().keyid]);
  assert.equal(v.dist.fileCount, 4); // package.json, index.js, npm-shrinkwrap.json, lib/a.js
  assert.ok(v.dist.unpackedSize > 10);
});

test('npm\'s preparation is applied to the tarball: binding.gyp adds the install script, server.js the start script, bin strings and directories.bin are expanded', async () => {
  // what npm sends (prepared) is accepted, and what a client that does not prepare sends too
  const gyp = { scripts: { install: 'node-gyp rebuild' }, gypfile: true };
  assert.equal((await put('native-addon', confused('native-addon', gyp, {}, { 'binding.gyp': '{}' }))).statusCode, 201);
  const v = (await full('native-addon')).versions['1.0.0'];
  assert.deepEqual(v.scripts, { install: 'node-gyp rebuild' });
  assert.equal(v.hasInstallScript, true);
  assert.equal((await abbreviated('native-addon')).versions['1.0.0'].hasInstallScript, true);
  assert.equal((await put('native-quiet', confused('native-quiet', {}, {}, { 'binding.gyp': '{}' }))).statusCode, 201);
  assert.equal((await full('native-quiet')).versions['1.0.0'].hasInstallScript, true, 'the implicit install script shows even when the body omits it');
  // a body stating the scripts as written (yarn 4 sends the packed package.json) still gets the implicit one served
  const asWritten = await put('native-raw', confused('native-raw', { scripts: { test: 'x' } }, { scripts: { test: 'x' } }, { 'binding.gyp': '{}' }));
  assert.equal(asWritten.statusCode, 201, asWritten.body);
  assert.deepEqual((await full('native-raw')).versions['1.0.0'].scripts, { test: 'x', install: 'node-gyp rebuild' });
  assert.equal((await abbreviated('native-raw')).versions['1.0.0'].hasInstallScript, true);

  assert.equal((await put('has-server', confused('has-server', { scripts: { start: 'node server.js' } }, {}, { 'server.js': '' }))).statusCode, 201);
  assert.deepEqual((await full('has-server')).versions['1.0.0'].scripts, { start: 'node server.js' });

  // bin as a string: npm sends the object form, yarn 4 the string as written; both are accepted
  const binString = { bin: './cli.js' };
  assert.equal((await put('bin-string', confused('bin-string', { bin: { 'bin-string': 'cli.js' } }, binString, { 'cli.js': '' }))).statusCode, 201);
  assert.deepEqual((await full('bin-string')).versions['1.0.0'].bin, { 'bin-string': 'cli.js' });
  assert.equal((await put('bin-string-raw', confused('bin-string-raw', binString, binString, { 'cli.js': '' }))).statusCode, 201);
  assert.deepEqual((await full('bin-string-raw')).versions['1.0.0'].bin, { 'bin-string-raw': 'cli.js' });

  const dirs = { directories: { bin: './bin' } };
  const body = { ...dirs, bin: { one: 'bin/one', two: 'bin/two' } };
  assert.equal((await put('bin-dir', confused('bin-dir', body, dirs, { 'bin/one': '', 'bin/two': '' }))).statusCode, 201);
  assert.deepEqual((await full('bin-dir')).versions['1.0.0'].bin, { one: 'bin/one', two: 'bin/two' });
});

test('git dependency specs as npm normalises them are accepted, and served normalised', async () => {
  const pkg = { dependencies: { a: 'github:npm/cli', b: 'npm/cli#v1.0.0' } };
  const sent = { dependencies: { a: 'github:npm/cli', b: 'github:npm/cli#v1.0.0' } }; // what npm 11 sends for them
  const res = await put('git-deps', confused('git-deps', sent, pkg));
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual((await full('git-deps')).versions['1.0.0'].dependencies, sent.dependencies);
});

test('versions are compared as npm cleans them: a tarball saying 1.0.0+build.1 publishes as 1.0.0', async () => {
  const res = await put('build-meta', publishBody('build-meta', '1.0.0', { tarballManifest: { name: 'build-meta', version: '1.0.0+build.1', main: 'index.js' } }));
  assert.equal(res.statusCode, 201, res.body);
  const as = (body: string, inTarball: string) =>
    put('build-meta', publishBody('build-meta', body, { tarballManifest: { name: 'build-meta', version: inTarball, main: 'index.js' } }));
  assert.equal((await as('1.0.3', 'v1.0.3')).statusCode, 201, 'a leading v is cleaned');
  assert.equal((await as('1.0.4', '=1.0.4')).statusCode, 201, 'a leading = is cleaned');
  assert.equal((await as('1.0.5', '1.0.6')).statusCode, 400, 'another version is refused');
  const bodyBuild = publishBody('build-meta', '1.0.5+b');
  assert.equal((await put('build-meta', bodyBuild)).statusCode, 400, 'a body version with build metadata is still refused (npm never sends one)');
});

test('data after the end-of-archive marker is refused (yarn 1\'s extractor reads on past it)', async () => {
  const pj = JSON.stringify({ name: 'after-eof', version: '1.0.0', main: 'index.js' });
  const archive = tarArchive([{ path: 'package/package.json', content: pj }]);
  const hidden = tarArchive([{ path: 'package/package.json', content: JSON.stringify({ name: 'after-eof', version: '1.0.0', scripts: { preinstall: 'pwn' } }) }]);
  const res = await put('after-eof', publishBodyFor('after-eof', '1.0.0', gzipSync(Buffer.concat([archive, hidden]))));
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().error, /after its end-of-archive marker/);
  // files ending in zero blocks just before the marker (binaries often do) are fine
  for (const zeros of [512, 1024, 1536, 70_000]) {
    const name = `zero-tail-${zeros}`;
    const pkg = JSON.stringify({ name, version: '1.0.0', main: 'index.js' });
    const tgz = gzipSync(tarArchive([{ path: 'package/package.json', content: pkg }, { path: 'package/data.bin', content: Buffer.alloc(zeros) }]));
    const ok = await put(name, publishBodyFor(name, '1.0.0', tgz));
    assert.equal(ok.statusCode, 201, `${zeros}: ${ok.body}`);
    assert.equal((await full(name)).versions['1.0.0'].dist.unpackedSize, pkg.length + zeros);
  }
  // zero padding after the marker is fine (npm pads to a record size)
  const padded = await put('after-eof', publishBodyFor('after-eof', '1.0.0', gzipSync(Buffer.concat([archive, Buffer.alloc(10240)]))));
  assert.equal(padded.statusCode, 201, padded.body);
});

test('a tarball with two package.json entries (or a case variant) is refused: extractors keep the last', async () => {
  const pj = (scripts: Record<string, string>) => JSON.stringify({ name: 'two-manifests', version: '1.0.0', scripts });
  for (const second of ['package/package.json', 'package/PACKAGE.JSON', 'other/package.json']) {
    const tgz = gzipSync(tarArchive([{ path: 'package/package.json', content: pj({}) }, { path: second, content: pj({ preinstall: 'pwn' }) }]));
    const res = await put('two-manifests', publishBodyFor('two-manifests', '1.0.0', tgz));
    assert.equal(res.statusCode, 400, `${second}: ${res.body}`);
    assert.match(res.json().error, /more than one package\.json/);
  }
  const pkg = JSON.stringify({ name: 'odd-paths', version: '1.0.0' });
  for (const entries of [
    [{ path: 'package/package.json', content: pkg }, { path: 'package/../x', content: '' }],
    [{ path: '/package/package.json', content: pkg }],
    [{ path: 'package/./package.json', content: pkg }],
    [{ path: 'package/package.json', content: 'x', type: '2' }],
  ]) {
    const res = await put('odd-paths', publishBodyFor('odd-paths', '1.0.0', gzipSync(tarArchive(entries))));
    assert.equal(res.statusCode, 400, `${JSON.stringify(entries)}: ${res.body}`);
  }
  const nested = gzipSync(makeTarball({ 'package.json': pkg }));
  assert.equal((await put('odd-paths', publishBodyFor('odd-paths', '1.0.0', gzipSync(nested)))).statusCode, 400, 'compressed twice');
  assert.equal((await put('odd-paths', publishBodyFor('odd-paths', '1.0.0', Buffer.from('not gzip')))).statusCode, 400);
  assert.equal((await put('odd-paths', publishBodyFor('odd-paths', '1.0.0', gzipSync(Buffer.from('not a tar archive at all'))))).statusCode, 400);
});

/** A gzip member of `mib` MiB of zeros after one tar header: ~1 KB per MiB, concatenated members. */
function gzipBomb(mib: number): Buffer {
  const head = gzipSync(Buffer.concat([tarArchive([{ path: 'package/package.json', content: '{}' }]).subarray(0, 1024), Buffer.alloc(0)]));
  const fileHeader = Buffer.alloc(512);
  const entry = tarArchive([{ path: 'package/big', content: '' }]).subarray(0, 512);
  entry.copy(fileHeader);
  const oneMib = gzipSync(Buffer.alloc(1024 * 1024));
  return Buffer.concat([head, ...Array.from({ length: mib }, () => oneMib)]);
}

test('a gzip bomb gets 413 and the server stays responsive meanwhile (real socket, concurrent /-/ping)', async () => {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const bomb = gzipBomb(600);
  assert.ok(bomb.length < 2 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
  const body = publishBodyFor('bomb-pkg', '1.0.0', bomb);
  let done = false;
  const publishing = fetch(`${base}/bomb-pkg`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, string> }))
    .finally(() => { done = true; });
  let worst = 0;
  let pings = 0;
  while (!done) {
    const t0 = performance.now();
    assert.equal((await fetch(`${base}/-/ping`)).status, 200);
    worst = Math.max(worst, performance.now() - t0);
    pings++;
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await publishing;
  assert.equal(res.status, 413, JSON.stringify(res.json));
  assert.equal(res.json.code, 'BODY_TOO_LARGE');
  assert.ok(pings >= 2, `pings during the publish: ${pings}`);
  assert.ok(worst < 400, `slowest /-/ping during the bomb: ${worst.toFixed(0)} ms`);
});

test('the second factor is checked before the tarball is decoded or inflated', async () => {
  const carol = await t.signUp('carol');
  const { secret } = await enrol(t, carol, clock);
  assert.equal((await put('carol-pkg', publishBody('carol-pkg', '1.0.0'), carol, { 'npm-otp': codeAt(secret, clock, 1) })).statusCode, 201);
  // a broken (or bomb) tarball without an OTP: the OTP challenge, not the tarball's problem
  const broken = publishBodyFor('carol-pkg', '1.0.1', Buffer.from('not gzip'));
  const res = await put('carol-pkg', broken, carol);
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.headers['www-authenticate'], 'otp');
  const bomb = await put('carol-pkg', publishBodyFor('carol-pkg', '1.0.1', gzipBomb(600)), carol);
  assert.equal(bomb.statusCode, 401, bomb.body);
});

test('a non-owner\'s publish gets the same answer for a restricted package\'s name as for a free name in its scope', async () => {
  assert.equal((await put('@alice/hidden', publishBody('@alice/hidden', '1.0.0', { access: 'restricted' }))).statusCode, 201);
  const answer = async (name: string, token: string) => {
    const r = await put(name, publishBody(name, '2.0.0'), token);
    return `${r.statusCode} ${r.json().error.replace(name, 'NAME')}`;
  };
  assert.equal(await answer('@alice/hidden', bob), await answer('@alice/free-name', bob));
  assert.match(await answer('@alice/hidden', bob), /^403 /);
  // and with a read-only token of bob's
  const ro = await t.request({
    method: 'POST',
    url: '/-/npm/v1/tokens',
    token: bob,
    payload: { name: null, password: 'violet kettle orbit 42', packages_all: true, packages_and_scopes_permission: 'read-only' },
  });
  assert.ok(ro.statusCode < 300, ro.body);
  const token = ro.json().token as string;
  assert.equal(await answer('@alice/hidden', token), await answer('@alice/free-name', token));
  assert.match(await answer('@alice/hidden', token), /^403 /);
  // anonymous: 401 for both
  assert.equal(await answer('@alice/hidden', ''), await answer('@alice/free-name', ''));
  // the owner still publishes
  assert.equal((await put('@alice/hidden', publishBody('@alice/hidden', '1.0.1'))).statusCode, 201);
});

test('versions stored before hasInstallScript was derived get it from their scripts when served', async () => {
  assert.equal((await put('old-record', confused('old-record', {}, { scripts: { postinstall: 'node x.js' } }))).statusCode, 201);
  // simulate a record written by the old code: no hasInstallScript in the stored manifest
  const rec = await t.deps.store.packages.get('old-record');
  assert.ok(rec);
  delete (rec.versions[0].manifest as Record<string, unknown>).hasInstallScript;
  const { abbreviatedPackument } = await import('../../src/core/packages/packument.ts');
  assert.equal((abbreviatedPackument(rec, 'http://registry.test/').versions as any)['1.0.0'].hasInstallScript, true);
});
