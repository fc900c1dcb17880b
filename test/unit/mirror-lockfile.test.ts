// What `tessera mirror` reads from a lockfile (src/core/proxy/lockfile.ts): the registry
// packages (name, exact version, integrity) of npm, yarn 1, yarn 2+ and pnpm lockfiles, the
// entries it leaves out with why, and the refusal of text that is no lockfile. The fixtures
// (test/unit/fixtures/lockfiles/README.md) were written by the real clients where installed.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readLockfile } from '../../src/core/proxy/lockfile.ts';
import { isDomainError } from '../../src/core/errors.ts';

const dir = new URL('./fixtures/lockfiles/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, dir), 'utf8');

const INTEGRITY = {
  beta: 'sha512-fYn782OWvM3zIFcRmTG1NRC8xfzSckCDk8l8FAVPUXPnE0sW7Tz3GNRG2K4l2kjMhFpFy1+d4r1m+lznxjlBgA==',
  alpha1: 'sha512-r+XShGcEurHBmEstpqz2JGbct/XDWNQLb0mcw3kIwYD18KP7l3jro2BVpwiZNrCJJX903fg9cq0De0128JRY1w==',
  alpha2: 'sha512-qgP3VvsgDmsQG3+JwtLDuLMyzm/tKOLrUZC9smumnPxtiTbirlrdn8BZsFAk/nJ8qoYi6ir0ra/7JzAl3ztMIA==',
  delta: 'sha512-T65yK2NCJmTZiSmrTbmeQuApD3q6kdCCYTvq7nwxUqCh3/DdAzovVRaWVRLm9WwBKy+JBh/B4MJJNwLFADj0AA==',
};
const FOUR = ['@demo/beta@1.0.0', 'alpha@1.0.0', 'alpha@2.0.0', 'delta@1.0.0'];
const ids = (r: ReturnType<typeof readLockfile>) => r.packages.map((p) => `${p.name}@${p.version}`);
const integrities = (r: ReturnType<typeof readLockfile>) => r.packages.map((p) => p.integrity);

function refused(text: string, pattern: RegExp): void {
  assert.throws(() => readLockfile(text), (e: unknown) => isDomainError(e) && e.code === 'BAD_REQUEST' && pattern.test(e.message));
}

test('every fixture yields the same four registry packages, aliases under their real name, once each', () => {
  const files = readdirSync(dir).filter((f) => !f.endsWith('.md'));
  assert.equal(files.length, 8);
  for (const file of files) {
    const r = readLockfile(fixture(file));
    assert.deepEqual(ids(r), FOUR, file);
    assert.deepEqual(r.problems, [], file);
  }
});

test('npm v2 and v3: nested node_modules (under a package and under a workspace), the alias\'s "name", links skipped', () => {
  for (const v of [2, 3]) {
    const r = readLockfile(fixture(`npm-v${v}.package-lock.json`));
    assert.equal(r.format, `package-lock.json v${v}`);
    assert.deepEqual(integrities(r), [INTEGRITY.beta, INTEGRITY.alpha1, INTEGRITY.alpha2, INTEGRITY.delta]);
    assert.match(r.packages[1].resolved ?? '', /\/alpha\/-\/alpha-1\.0\.0\.tgz$/);
    assert.deepEqual(
      r.skipped.map((s) => s.entry),
      ['node_modules/local', 'node_modules/ws-a'],
    );
    assert.match(r.skipped[1].reason, /link to the local folder packages\/ws-a/);
  }
});

test('npm v1: the dependencies tree, `npm:` aliases and file: entries (with their nested dependencies read)', () => {
  const r = readLockfile(fixture('npm-v1.package-lock.json'));
  assert.equal(r.format, 'package-lock.json v1');
  assert.deepEqual(integrities(r), [INTEGRITY.beta, INTEGRITY.alpha1, INTEGRITY.alpha2, INTEGRITY.delta]);
  assert.deepEqual(r.skipped, [
    { entry: 'local', reason: 'a local folder or tarball (file:local)' },
    { entry: 'ws-a', reason: 'a local folder or tarball (file:packages/ws-a)' },
  ]);
});

test('npm: git, remote tarball, file: tarball and bundled entries are skipped with why; a range or a bad name is a problem', () => {
  const lock = {
    lockfileVersion: 3,
    packages: {
      '': { name: 'p', version: '1.0.0' },
      'node_modules/from-git': { version: '1.0.0', resolved: 'git+ssh://git@github.com/u/from-git.git#0123456789abcdef0123456789abcdef01234567' },
      'node_modules/remote': { version: '2.0.0', resolved: 'https://example.com/downloads/remote.tgz', integrity: 'sha512-AAAA' },
      'node_modules/packed': { version: '1.0.0', resolved: 'file:vendor/packed-1.0.0.tgz', integrity: 'sha512-AAAA' },
      'node_modules/host': { version: '1.0.0', resolved: 'https://registry.npmjs.org/host/-/host-1.0.0.tgz', integrity: 'sha512-BBBB' },
      'node_modules/host/node_modules/inside': { version: '3.0.0', inBundle: true },
      'node_modules/@scope/no-integrity': { version: '1.0.0-beta.1', resolved: 'https://registry.npmjs.org/@scope/no-integrity/-/no-integrity-1.0.0-beta.1.tgz' },
      'node_modules/ranged': { version: '^1.0.0' },
      'node_modules/Bad Name': { version: '1.0.0' },
      'node_modules/nothing': { resolved: 'https://registry.npmjs.org/nothing/-/nothing-1.0.0.tgz' },
    },
  };
  const r = readLockfile(JSON.stringify(lock));
  assert.deepEqual(r.packages, [
    { name: '@scope/no-integrity', version: '1.0.0-beta.1', resolved: 'https://registry.npmjs.org/@scope/no-integrity/-/no-integrity-1.0.0-beta.1.tgz' },
    { name: 'host', version: '1.0.0', integrity: 'sha512-BBBB', resolved: 'https://registry.npmjs.org/host/-/host-1.0.0.tgz' },
  ]);
  assert.deepEqual(
    r.skipped.map((s) => [s.entry, s.reason.split(' (')[0]]),
    [
      ['node_modules/from-git', 'a git dependency'],
      ['node_modules/remote', 'a tarball URL'],
      ['node_modules/packed', 'a local folder or tarball'],
      ['node_modules/host/node_modules/inside', 'bundled inside its parent\'s tarball'],
    ],
  );
  assert.deepEqual(r.problems, [
    { entry: 'node_modules/ranged', reason: '"^1.0.0" is not an exact version' },
    { entry: 'node_modules/Bad Name', reason: '"Bad Name" is not a package name' },
    { entry: 'node_modules/nothing', reason: 'the entry has no version' },
  ]);
});

test('yarn 1: patterns sharing an entry count once, `npm:` aliases, sha1 from the resolved URL when there is no integrity', () => {
  const r = readLockfile(fixture('yarn-v1.yarn.lock'));
  assert.equal(r.format, 'yarn.lock v1');
  assert.deepEqual(integrities(r), [INTEGRITY.beta, INTEGRITY.alpha1, INTEGRITY.alpha2, INTEGRITY.delta]);
  assert.doesNotMatch(r.packages[0].resolved ?? '', /#/);
  assert.deepEqual(r.skipped, [{ entry: 'local@file:./local', reason: 'a local folder or tarball (file:./local)' }]);

  const old = [
    '# yarn lockfile v1',
    '',
    'left-pad@^1.0.0, left-pad@^1.3.0:',
    '  version "1.3.0"',
    '  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#5b8a3a7765dfe001261dde915589e782f8c94d1e"',
    '',
    '"shorthand@user/repo":',
    '  version "0.1.0"',
    '  resolved "https://codeload.github.com/user/repo/tar.gz/0123456789abcdef0123456789abcdef01234567"',
    '',
    '"viagit@git+https://github.com/u/viagit.git#v1":',
    '  version "1.0.0"',
    '  resolved "git+https://github.com/u/viagit.git#0123456789abcdef0123456789abcdef01234567"',
    '',
  ].join('\n');
  const o = readLockfile(old);
  assert.deepEqual(o.packages, [
    { name: 'left-pad', version: '1.3.0', integrity: 'sha1-W4o6d2Xf4AEmHd6RVYnngvjJTR4=', resolved: 'https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz' },
  ]);
  assert.deepEqual(o.skipped.map((s) => s.reason.split(' (')[0]), ['a tarball URL', 'a git dependency']);
});

test('yarn 1: a file with merge conflicts that cannot be merged is refused; a mergeable one is read', () => {
  const entry = (v: string) => [`alpha@^1.0.0:`, `  version "${v}"`, `  resolved "https://r.example/alpha/-/alpha-${v}.tgz"`];
  const conflicted = ['# yarn lockfile v1', '', '<<<<<<< HEAD', ...entry('1.0.0'), '=======', ...entry('1.1.0'), '>>>>>>> other', ''].join('\n');
  assert.deepEqual(ids(readLockfile(conflicted)), ['alpha@1.1.0']);
  refused(['# yarn lockfile v1', '<<<<<<< HEAD', 'a@1:', '  version "1"', '=======', 'a@1: {{', '>>>>>>> x', ''].join('\n'), /merge conflicts/);
  refused('# yarn lockfile v1\nalpha@^1:\n  version {{\n', /cannot be read/);
});

test('yarn 2+: resolutions, not descriptors; workspaces, patches, git and archive URLs', () => {
  const r = readLockfile(fixture('yarn-berry.yarn.lock'));
  assert.equal(r.format, 'yarn.lock v2+');
  assert.deepEqual(integrities(r), [undefined, undefined, undefined, undefined], 'the checksum is of yarn\'s zip, not of the tarball');
  assert.deepEqual(r.skipped, [{ entry: 'local@file:./local#./local', reason: 'a local folder or tarball (file:./local#./local)' }]);

  const berry = [
    '__metadata:',
    '  version: 8',
    '  cacheKey: 10c0',
    '',
    '"resolve@npm:^1.20.0":',
    '  version: 1.22.8',
    '  resolution: "resolve@npm:1.22.8"',
    '',
    '"resolve@patch:resolve@npm%3A^1.20.0#optional!builtin<compat/resolve>":',
    '  version: 1.22.8',
    '  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"',
    '',
    '"ws-a@workspace:packages/ws-a":',
    '  version: 0.0.0-use.local',
    '  resolution: "ws-a@workspace:packages/ws-a"',
    '',
    '"proj@workspace:.":',
    '  version: 0.0.0-use.local',
    '  resolution: "proj@workspace:."',
    '',
    '"repo@https://github.com/u/repo.git#commit=0123456789abcdef0123456789abcdef01234567":',
    '  version: 1.0.0',
    '  resolution: "repo@https://github.com/u/repo.git#commit=0123456789abcdef0123456789abcdef01234567"',
    '',
    '"odd@npm:2.0.0":',
    '  version: 2.0.0',
    '  resolution: "odd@npm:2.0.0::__archiveUrl=https%3A%2F%2Fregistry.example%2Fodd%2F-%2Fodd-2.0.0.tgz"',
    '',
  ].join('\n');
  const b = readLockfile(berry);
  assert.deepEqual(b.packages, [
    { name: 'odd', version: '2.0.0', resolved: 'https://registry.example/odd/-/odd-2.0.0.tgz' },
    { name: 'resolve', version: '1.22.8' },
  ]);
  assert.deepEqual(
    b.skipped.map((s) => [s.entry, s.reason.split(' (')[0]]),
    [
      ['resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>', 'a patch yarn applies to another entry'],
      ['ws-a@workspace:packages/ws-a', 'a workspace'],
      ['repo@https://github.com/u/repo.git#commit=0123456789abcdef0123456789abcdef01234567', 'a git dependency'],
    ],
  );
});

test('pnpm v9, v6 and v5: keys of each version, peer suffixes stripped, folders and GitHub tarballs skipped', () => {
  for (const [file, format] of [['pnpm-v9.pnpm-lock.yaml', 'pnpm-lock.yaml v9'], ['pnpm-v6.pnpm-lock.yaml', 'pnpm-lock.yaml v6'], ['pnpm-v5.pnpm-lock.yaml', 'pnpm-lock.yaml v5']]) {
    const r = readLockfile(fixture(file));
    assert.equal(r.format, format);
    assert.deepEqual(integrities(r), [INTEGRITY.beta, INTEGRITY.alpha1, INTEGRITY.alpha2, INTEGRITY.delta], file);
  }
  assert.deepEqual(readLockfile(fixture('pnpm-v9.pnpm-lock.yaml')).skipped, [{ entry: 'local@file:local', reason: 'a local folder (local)' }]);
  assert.deepEqual(
    readLockfile(fixture('pnpm-v6.pnpm-lock.yaml')).skipped.map((s) => [s.entry, s.reason.split(' (')[0]]),
    [
      ['file:local', 'a local folder'],
      ['github.com/user/repo/0123456789abcdef0123456789abcdef01234567', 'a tarball URL'],
    ],
  );
});

test('pnpm: the two documents pnpm 10 may write are both read; scoped names with peers in v6 keys', () => {
  const text = [
    '---',
    "lockfileVersion: '9.0'",
    'importers:',
    '  .:',
    '    packageManagerDependencies:',
    '      pnpm:',
    '        specifier: 10.0.0',
    '        version: 10.0.0',
    'packages:',
    '  pnpm@10.0.0:',
    '    resolution: {integrity: sha512-AAAA}',
    '---',
    "lockfileVersion: '9.0'",
    'packages:',
    "  '@types/react-dom@18.0.0':",
    '    resolution: {integrity: sha512-BBBB}',
    '',
  ].join('\n');
  assert.deepEqual(ids(readLockfile(text)), ['@types/react-dom@18.0.0', 'pnpm@10.0.0']);
  const v6 = ["lockfileVersion: '6.0'", 'packages:', '  /@scope/with-peer@1.2.3(react@18.2.0)(@types/react@18.0.0):', '    resolution: {integrity: sha512-CCCC}', ''].join('\n');
  assert.deepEqual(readLockfile(v6).packages, [{ name: '@scope/with-peer', version: '1.2.3', integrity: 'sha512-CCCC' }]);
});

test('text that is no lockfile, or broken, is refused naming the problem', () => {
  refused('{"name": "x", "version": "1.0.0"}', /not a lockfile.*lockfileVersion/);
  refused('{"lockfileVersion": 3, ', /not valid JSON/);
  refused('# just a readme\n', /not a lockfile tessera mirror reads/);
  refused("lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n", /pnpm-lock\.yaml is not valid YAML/);
  refused('__metadata:\n  version: 8\n"a@npm:1": [\n', /yarn\.lock is not valid YAML/);
  refused('lockfileVersion: 4\n', /lockfileVersion of 5 or later/);
});
