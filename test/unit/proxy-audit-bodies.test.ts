// The audit bodies taken apart by upstream (src/core/proxy/audit-bodies.ts): what is sent
// names only kept packages, whatever shape the client's body has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bulkBodyProblem,
  bulkFor,
  checkBulkAnswer,
  emptyQuickAnswer,
  mergeBulk,
  mergeQuick,
  quickAnswerProblem,
  quickBodyFor,
  quickNames,
} from '../../src/core/proxy/audit-bodies.ts';

const LOCAL = ['private-lib', '@alice/scoped', 'my-app', 'private-alias-target', '@corp/secret'];
const keep = (n: string) => !LOCAL.includes(n) && n !== 'workspace-a';
const leaks = (sent: unknown) => LOCAL.filter((n) => JSON.stringify(sent).includes(n));

test('a bulk body is an object of names to arrays of version strings; anything else is named', () => {
  assert.equal(bulkBodyProblem({ lodash: ['4.17.20'], '@s/x': ['1.0.0', '2.0.0'] }), null);
  assert.equal(bulkBodyProblem({}), null);
  for (const bad of [null, [], 'x', 42, { lodash: '4.17.20' }, { lodash: [1] }, { lodash: [''] }, { lodash: ['x'.repeat(300)] }, { lodash: null }]) {
    assert.match(String(bulkBodyProblem(bad)), /audit body/, JSON.stringify(bad));
  }
});

test('bulkFor keeps only the kept names, versions unchanged', () => {
  assert.deepEqual(bulkFor({ lodash: ['4.17.20', '3.0.0'], 'private-lib': ['1.0.0'], '@alice/scoped': ['1.0.0'] }, keep), { lodash: ['4.17.20', '3.0.0'] });
});

test('a bulk answer keeps only the names asked, and refuses entries that are not arrays of advisories', () => {
  const advisory = { id: 1, title: 'Prototype Pollution', severity: 'high', vulnerable_versions: '<4.17.21', url: 'https://example/1' };
  const asked = { lodash: ['4.17.20'], minimist: ['1.2.0'] };
  assert.deepEqual(checkBulkAnswer({ lodash: [advisory], unasked: [advisory] }, asked), { ok: { lodash: [advisory] } });
  assert.deepEqual(checkBulkAnswer({}, asked), { ok: {} });
  for (const bad of [[], null, 'x', { lodash: 'x' }, { lodash: [1] }, { lodash: [null] }]) {
    assert.ok('problem' in checkBulkAnswer(bad, asked), JSON.stringify(bad));
  }
  // A "__proto__" key stays data.
  const sneaky = JSON.parse('{"__proto__": [{"id": 9}]}');
  const checked = checkBulkAnswer(sneaky, JSON.parse('{"__proto__": ["1.0.0"]}'));
  assert.ok('ok' in checked);
  assert.equal(Object.getPrototypeOf(mergeBulk([checked.ok])), Object.prototype);
  assert.deepEqual(JSON.parse(JSON.stringify(mergeBulk([checked.ok, { lodash: [] }]))), JSON.parse('{"__proto__": [{"id": 9}], "lodash": []}'));
});

// npm 6's quick-audit body (lib/install/audit.js generate) with a local package, an alias and
// a file: dependency; the local package has a nested proxied dependency.
const npm6 = {
  name: 'my-app',
  version: '1.0.0',
  requires: { lodash: '^4.17.0', 'private-lib': '^1.0.0', aliased: 'npm:private-alias-target@^1.0.0', 'local-file': 'file:../private-lib' },
  dependencies: {
    lodash: { version: '4.17.20', integrity: 'sha512-abc', resolved: 'https://tessera.corp.example/lodash/-/lodash-4.17.20.tgz', requires: { 'private-lib': '^1' } },
    'private-lib': { version: '1.0.0', requires: { minimist: '^1.2.0' }, dependencies: { minimist: { version: '1.2.0' } } },
    aliased: { version: 'npm:private-alias-target@1.0.0' },
    'left-pad': { version: '1.3.0', dev: true, dependencies: { 'private-lib': { version: '0.9.0' } } },
  },
  install: ['lodash@4.17.20', 'private-lib@1.0.0', '@alice/scoped@1.0.0'],
  remove: [],
  metadata: { npm_version: '6.14.18', node_version: 'v20.20.0', platform: 'linux' },
};

// arborist's fallback body: a v2 lockfile (packages and dependencies) plus its metadata.
const lockV2 = {
  name: 'my-app',
  version: '1.0.0',
  lockfileVersion: 2,
  requires: true,
  packages: {
    '': { name: 'my-app', version: '1.0.0', dependencies: { lodash: '^4.17.0', 'private-lib': '^1.0.0', '@alice/scoped': '^1.0.0' }, workspaces: ['workspace-a'] },
    'node_modules/lodash': { version: '4.17.20', resolved: 'https://tessera.corp.example/lodash/-/lodash-4.17.20.tgz', integrity: 'sha512-abc' },
    'node_modules/private-lib': { version: '1.0.0', dependencies: { minimist: '^1.2.0' } },
    'node_modules/private-lib/node_modules/minimist': { version: '1.2.0' },
    'node_modules/@alice/scoped': { version: '1.0.0' },
    'node_modules/renamed': { name: 'private-alias-target', version: '1.0.0' },
    'node_modules/workspace-a': { resolved: 'workspace-a', link: true },
    'workspace-a': { name: 'workspace-a', version: '0.0.1', dependencies: { 'private-lib': '1' } },
    'node_modules/minimist': { version: '1.2.6', dev: true },
  },
  dependencies: { lodash: { version: '4.17.20' }, 'private-lib': { version: '1.0.0' } },
  npm_version: '8.19.4',
  node_version: 'v20.20.0',
  platform: 'linux',
  arch: 'x64',
  node_env: 'production',
};

test('quickNames finds the names of every part of both body shapes', () => {
  const n6 = quickNames(npm6);
  for (const name of ['lodash', 'private-lib', 'aliased', 'local-file', 'minimist', 'left-pad', '@alice/scoped']) assert.ok(n6.has(name), name);
  const n2 = quickNames(lockV2);
  for (const name of ['lodash', 'private-lib', 'minimist', '@alice/scoped', 'renamed', 'private-alias-target', 'workspace-a']) assert.ok(n2.has(name), name);
});

test("npm 6's quick body: only kept names at plain versions are sent, no project name, no URLs", () => {
  const sent = quickBodyFor(npm6, keep);
  assert.deepEqual(leaks(sent), []);
  assert.deepEqual(sent, {
    requires: { lodash: '^4.17.0' },
    dependencies: {
      lodash: { version: '4.17.20', integrity: 'sha512-abc', requires: {} },
      'left-pad': { version: '1.3.0', dev: true, dependencies: {} },
    },
    install: ['lodash@4.17.20'],
    remove: [],
    metadata: { npm_version: '6.14.18', node_version: 'v20.20.0', platform: 'linux' },
  });
  assert.doesNotMatch(JSON.stringify(sent), /tessera\.corp|file:|npm:/);
});

test("arborist's lockfile body: paths through a local package, aliases to a local name, links and workspaces are left out", () => {
  const sent = quickBodyFor(lockV2, keep);
  assert.deepEqual(leaks(sent), []);
  assert.deepEqual(sent, {
    npm_version: '8.19.4',
    node_version: 'v20.20.0',
    platform: 'linux',
    arch: 'x64',
    node_env: 'production',
    lockfileVersion: 2,
    requires: true,
    dependencies: { lodash: { version: '4.17.20' } },
    packages: {
      '': { dependencies: { lodash: '^4.17.0' } },
      'node_modules/lodash': { version: '4.17.20', integrity: 'sha512-abc' },
      'node_modules/minimist': { version: '1.2.6', dev: true },
    },
  });
});

test('a quick body of odd shapes sends nothing it cannot vouch for', () => {
  const odd = { requires: { lodash: 42, minimist: '^1' }, dependencies: { lodash: 'x', minimist: { version: { toString: 1 } } }, packages: [], install: 'lodash', metadata: { npm_version: 'x'.repeat(100) } };
  assert.deepEqual(quickBodyFor(odd, keep), { requires: { minimist: '^1' }, dependencies: {}, metadata: {} });
});

test('quick answers: checked, one returned unchanged, several merged with counts added', () => {
  const a = { actions: [{ action: 'update', module: 'lodash' }], advisories: { 1: { id: 1, module_name: 'lodash' } }, muted: [], metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 1, critical: 0 }, dependencies: 3, devDependencies: 0, optionalDependencies: 0, totalDependencies: 3 } };
  const b = { actions: [], advisories: { 2: { id: 2, module_name: '@mirror/x' } }, muted: [], metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 0, critical: 2 }, dependencies: 1, devDependencies: 1, optionalDependencies: 0, totalDependencies: 2 } };
  assert.equal(quickAnswerProblem(a), null);
  for (const bad of [[], null, { advisories: [] }, { actions: {} }, { muted: 'x' }, { metadata: 1 }]) assert.ok(quickAnswerProblem(bad), JSON.stringify(bad));
  assert.equal(mergeQuick([a]), a);
  const merged = mergeQuick([a, b]);
  assert.deepEqual(Object.keys(merged.advisories as object), ['1', '2']);
  assert.deepEqual(merged.metadata, { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 1, critical: 2 }, dependencies: 4, devDependencies: 1, optionalDependencies: 0, totalDependencies: 5 });
  assert.equal((merged.actions as unknown[]).length, 1);
});

test('"no advisories" in the npm 6 report form counts the top-level dependencies', () => {
  const empty = emptyQuickAnswer(npm6);
  assert.deepEqual(empty.advisories, {});
  assert.equal((empty.metadata as { dependencies: number }).dependencies, 4);
});
