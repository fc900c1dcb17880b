// Real packages still publish with the real npm CLI now that the registry holds the publish
// body to npm's preparation of the tarball's package.json: bins in every form, binding.gyp
// (npm adds the install script), server.js, git dependency specs, a README, a `+build`
// version, exports/engines/os/cpu, and real packages from node_modules repacked under test
// names. The registry then serves the tarball's fields, with hasInstallScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectOk } from './harness/expect.ts';
import { tempDir } from './harness/tmp.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
let npm: Npm;

before(async () => {
  server = await startServer();
  ({ npm } = await adduser(server.url, 'erin', PASSWORD, server));
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

/** A package folder with these files (package.json given as an object). */
function folder(pkg: Record<string, unknown>, files: Record<string, string> = {}): string {
  const dir = tempDir('pkg');
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), content);
  }
  return dir;
}

async function publish(dir: string, what: string): Promise<void> {
  const r = await npm.run(['publish', '--ignore-scripts'], { cwd: dir });
  expectOk(r, `npm publish ${what}`, server);
}

async function version(name: string, v: string, abbreviated = false): Promise<Record<string, any>> {
  const res = await api(server.url, `/${name.replace('/', '%2f')}`, abbreviated ? { headers: { accept: 'application/vnd.npm.install-v1+json' } } : {});
  assert.equal(res.status, 200, res.text);
  return res.json.versions[v];
}

test('bins: a string, an object, and directories.bin', T, async () => {
  await publish(folder({ name: 'bin-as-string', version: '1.0.0', bin: './cli.js' }, { 'cli.js': '#!/usr/bin/env node\n' }), 'bin string');
  assert.deepEqual((await version('bin-as-string', '1.0.0')).bin, { 'bin-as-string': 'cli.js' });
  await publish(folder({ name: 'bin-as-object', version: '1.0.0', bin: { a: 'bin/a.js', b: './bin/b.js' } }, { 'bin/a.js': '', 'bin/b.js': '' }), 'bin object');
  assert.deepEqual((await version('bin-as-object', '1.0.0')).bin, { a: 'bin/a.js', b: 'bin/b.js' });
  await publish(folder({ name: 'bin-from-dir', version: '1.0.0', directories: { bin: './tools' } }, { 'tools/one': '', 'tools/two.js': '' }), 'directories.bin');
  assert.deepEqual((await version('bin-from-dir', '1.0.0')).bin, { one: 'tools/one', 'two.js': 'tools/two.js' });
});

test('binding.gyp: npm adds the install script; the registry accepts it and says hasInstallScript', T, async () => {
  await publish(folder({ name: 'native-thing', version: '1.0.0' }, { 'binding.gyp': '{"targets": []}', 'index.js': '' }), 'binding.gyp');
  const v = await version('native-thing', '1.0.0');
  assert.deepEqual(v.scripts, { install: 'node-gyp rebuild' });
  assert.equal(v.gypfile, true);
  assert.equal(v.hasInstallScript, true);
  assert.equal((await version('native-thing', '1.0.0', true)).hasInstallScript, true);
});

test('server.js without a start script, git dependency specs, a README, exports, engines, os, cpu', T, async () => {
  const pkg = {
    name: 'many-fields',
    version: '1.0.0',
    exports: { '.': { import: './index.mjs', require: './index.js' }, './package.json': './package.json' },
    engines: { node: '>=18' },
    os: ['linux', 'darwin'],
    cpu: ['x64', 'arm64'],
    dependencies: { 'from-github': 'github:npm/cli#v11.0.0', 'from-short': 'npm/cli', 'from-git': 'git+https://github.com/npm/cli.git' },
    license: 'MIT',
  };
  await publish(folder(pkg, { 'server.js': '', 'index.js': '', 'index.mjs': '', 'README.md': '# many-fields\n\nHello.\n' }), 'many fields');
  const v = await version('many-fields', '1.0.0');
  assert.deepEqual(v.scripts, { start: 'node server.js' });
  assert.equal(v.hasInstallScript, undefined);
  assert.deepEqual(v.exports, pkg.exports);
  assert.deepEqual(v.engines, pkg.engines);
  assert.deepEqual(v.os, pkg.os);
  assert.deepEqual(v.cpu, pkg.cpu);
  assert.equal(Object.keys(v.dependencies).length, 3);
  assert.ok(v.dist.fileCount >= 5);
  assert.ok(v.dist.unpackedSize > 0);
  const doc = (await api(server.url, '/many-fields')).json;
  assert.match(doc.readme, /Hello\./);
});

test('a +build version publishes as npm cleans it', T, async () => {
  await publish(folder({ name: 'build-metadata', version: '1.0.0+build.1' }, { 'index.js': '' }), '1.0.0+build.1');
  assert.ok(await version('build-metadata', '1.0.0'));
});

/** Copies a package from this project's node_modules and renames it, without its publish settings. */
function repack(from: string, name: string): string {
  const dir = tempDir('real');
  const src = join(process.cwd(), 'node_modules', from);
  cpSync(src, dir, { recursive: true, filter: (p) => !p.includes(`${from}/node_modules`) && !p.endsWith(`${from}/build`) });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const k of Object.keys(pkg)) if (k.startsWith('_')) delete pkg[k];
  delete pkg.publishConfig;
  pkg.name = name;
  pkg.version = '1.0.0';
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  return dir;
}

for (const [from, name] of [
  ['semver', 'real-semver'],
  ['tar', 'real-tar'],
  ['fastify', 'real-fastify'],
  ['@npmcli/package-json', '@erin/real-package-json'],
  ['better-sqlite3', 'real-better-sqlite3'],
] as const) {
  test(`a real package repacked: ${from} as ${name}`, T, async () => {
    const dir = repack(from, name);
    const original = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    await publish(dir, name);
    const v = await version(name, '1.0.0');
    assert.deepEqual(v.dependencies, original.dependencies);
    if (original.scripts?.install) assert.equal(v.hasInstallScript, true);
  });
}
