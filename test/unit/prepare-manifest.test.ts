// The shortcuts prepareManifest takes for speed give the answers of npm's own preparation
// (@npmcli/package-json): the one-README shortcut against the library's `readme` step, and the
// steps it skips when their trigger files are absent against running every step.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareManifest, useGitUrlMemo, useReadmeShortcut } from '../../src/core/packages/prepare-manifest.ts';
import { readTarball } from '../../src/core/packages/tarball.ts';
import { makeTarball } from '../support/tarball.ts';

const base = { name: 'prep-pkg', version: '1.0.0', main: 'index.js' };

async function both(files: Record<string, string>) {
  const contents = await readTarball(makeTarball({ 'index.js': 'module.exports = 1;\n', ...files }), { maxUnpackedBytes: 1 << 26 });
  useReadmeShortcut(true);
  const fast = await prepareManifest(contents);
  useReadmeShortcut(false);
  try {
    return { fast, slow: await prepareManifest(contents) };
  } finally {
    useReadmeShortcut(true);
  }
}

const cases: Array<[string, Record<string, string>]> = [
  ['README.md', { 'package.json': JSON.stringify(base), 'README.md': '# Title\r\n\ntext ✓\n' }],
  ['readme (lower case, no extension)', { 'package.json': JSON.stringify(base), readme: 'plain' }],
  ['Readme.markdown', { 'package.json': JSON.stringify(base), 'Readme.markdown': '*x*' }],
  ['README.txt', { 'package.json': JSON.stringify(base), 'README.txt': 'text file' }],
  ['readme.MD', { 'package.json': JSON.stringify(base), 'readme.MD': 'upper ext' }],
  ['an empty README', { 'package.json': JSON.stringify(base), 'README.md': '' }],
  ['a readme field in package.json', { 'package.json': JSON.stringify({ ...base, readme: 'from the field' }), 'README.md': 'from the file' }],
  ['an empty readme field', { 'package.json': JSON.stringify({ ...base, readme: '' }), 'README.md': 'from the file' }],
  ['no README at all', { 'package.json': JSON.stringify(base) }],
  ['README and AUTHORS', { 'package.json': JSON.stringify(base), 'README.md': 'r', AUTHORS: 'Ann <a@example.com>\n# comment\nBo\n' }],
  ['server.js, binding.gyp, bin folder, types', {
    'package.json': JSON.stringify({ ...base, directories: { bin: 'bin' } }),
    'README.md': 'r',
    'server.js': '',
    'binding.gyp': '{}',
    'bin/tool.js': '#!/usr/bin/env node\n',
    'index.d.ts': 'export {};\n',
  }],
];

for (const [what, files] of cases) {
  test(`prepareManifest: ${what}: the shortcut gives npm's own answer`, async () => {
    const { fast, slow } = await both(files);
    assert.deepEqual(fast.prepared, slow.prepared);
    assert.deepEqual(fast.raw, slow.raw);
  });
}

test('prepareManifest: skipped steps would have changed nothing (the full answer for a package with every trigger)', async () => {
  const { fast } = await both(cases[cases.length - 1][1]);
  const p = fast.prepared as Record<string, any>;
  assert.equal(p.scripts.install, 'node-gyp rebuild');
  assert.equal(p.scripts.start, 'node server.js');
  assert.deepEqual(p.bin, { 'tool.js': 'bin/tool.js' });
  assert.equal(p.types, './index.d.ts');
  assert.equal(p.readme, 'r');
  assert.equal(p.readmeFilename, 'README.md');
});

test('prepareManifest: remembered hosted-git-info misses give the library\'s own answers (git specs, ranges, URLs, repositories)', async () => {
  const deps = {
    a: '^1.2.0', b: 'github:npm/cli', c: 'npm/hosted-git-info#v7', d: 'git+https://github.com/npm/cli.git', e: 'https://example.invalid/x.tgz',
    f: 'git@gitlab.com:group/proj.git', g: 'file:../x', h: 'latest', i: '1.x || >=2.5.0', j: 'bitbucket:team/repo', k: 'git://example.invalid/r.git', l: '',
  };
  const manifests = [
    { ...base, dependencies: deps, devDependencies: deps, repository: 'npm/cli' },
    { ...base, dependencies: deps, repository: { type: 'git', url: 'git+https://example.invalid/bench.git' } },
    { ...base, repository: { type: 'git', url: 'https://github.com/npm/cli' }, bugs: undefined },
  ];
  for (const m of manifests) {
    const contents = await readTarball(makeTarball({ 'package.json': JSON.stringify(m), 'README.md': 'r' }), { maxUnpackedBytes: 1 << 26 });
    useGitUrlMemo(false);
    const library = await prepareManifest(contents);
    useGitUrlMemo(true);
    const first = await prepareManifest(contents);
    const remembered = await prepareManifest(contents);
    assert.deepEqual(first, library);
    assert.deepEqual(remembered, library);
  }
  const p = (await prepareManifest(await readTarball(makeTarball({ 'package.json': JSON.stringify(manifests[0]) }), { maxUnpackedBytes: 1 << 26 }))).prepared as Record<string, any>;
  assert.equal(p.dependencies.a, '^1.2.0');
  assert.equal(p.dependencies.b, 'github:npm/cli');
  assert.match(p.repository.url, /github\.com\/npm\/cli/);
});
