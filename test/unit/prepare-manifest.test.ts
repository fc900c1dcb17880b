// The shortcuts prepareManifest takes for speed give the answers of npm's own preparation
// (@npmcli/package-json): the one-README shortcut against the library's `readme` step, and the
// steps it skips when their trigger files are absent against running every step.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareManifest, useReadmeShortcut } from '../../src/core/packages/prepare-manifest.ts';
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
