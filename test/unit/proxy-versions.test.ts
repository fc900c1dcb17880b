// The version policy of proxied packuments (core/proxy/versions.ts): the minimum release age,
// administrators' blocks, dist-tags moved as npm-pick-manifest moves a too-new tag, and the
// abbreviated form derived from the full one.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { abbreviate, ageSource, type PackumentDoc, visibleVersions } from '../../src/core/proxy/versions.ts';
import { versionPolicyOf } from '../../src/core/proxy/blocks.ts';
import { createSqliteStore } from '../../src/adapters/sqlite/index.ts';
import { TestClock } from '../support/clock.ts';
import { routeOf } from '../../src/core/proxy/rules.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

/** A full packument: versions with their publish times (ms before NOW), and tags. */
function packument(name: string, versions: Record<string, number>, tags: Record<string, string>, extra: Record<string, Record<string, unknown>> = {}): PackumentDoc {
  return {
    _id: name,
    name,
    description: 'a package',
    'dist-tags': tags,
    versions: Object.fromEntries(
      Object.keys(versions).map((v) => [v, { name, version: v, description: 'x', readme: 'long', scripts: { test: 'x' }, dist: { tarball: `https://up.example/${name}/-/${name}-${v}.tgz`, integrity: 'sha512-AA==', shasum: 'aa' }, ...extra[v] }]),
    ),
    time: { created: ago(400 * DAY), modified: ago(1 * HOUR), ...Object.fromEntries(Object.entries(versions).map(([v, a]) => [v, ago(a)])) },
    readme: 'long',
  };
}

const policy = (minReleaseAgeMs: number, blocked: Record<string, string> = {}) => ({ nowMs: NOW, minReleaseAgeMs, blocked: new Map(Object.entries(blocked)), ageSource: 'proxyRules[0].minReleaseAgeHours' });

test('a version younger than the minimum age is left out, with the reason its tarball will give', () => {
  const doc = packument('lodash', { '4.17.21': 300 * DAY, '4.17.22': 5 * HOUR }, { latest: '4.17.22' });
  const before = structuredClone(doc);
  const { doc: out, hidden } = visibleVersions(doc, 'full', policy(72 * HOUR));
  assert.deepEqual(doc, before, 'the input is not changed');
  assert.deepEqual(Object.keys(out.versions as object), ['4.17.21']);
  assert.deepEqual(out['dist-tags'], { latest: '4.17.21' });
  assert.equal(hidden.get('4.17.22'), 'lodash@4.17.22 was published 5 hours ago; versions younger than 72 hours are held back (proxyRules[0].minReleaseAgeHours)');
  assert.equal(hidden.size, 1);
  const time = out.time as Record<string, string>;
  assert.equal(time['4.17.22'], undefined, 'its time entry goes too');
  assert.ok(time.created && time.modified && time['4.17.21']);
});

test('a version exactly as old as the minimum is served; with the age off nothing is hidden and the document is returned as is', () => {
  const doc = packument('a', { '1.0.0': 72 * HOUR, '1.0.1': 1000 }, { latest: '1.0.1' });
  const at = visibleVersions(doc, 'full', policy(72 * HOUR));
  assert.deepEqual(Object.keys(at.doc.versions as object), ['1.0.0']);
  const off = visibleVersions(doc, 'full', policy(0));
  assert.equal(off.doc, doc);
  assert.equal(off.hidden.size, 0);
});

test('an exemption (routeOf gives it no minimum age) serves the young version', () => {
  const settings = {
    upstreams: new Map([['npmjs', { name: 'npmjs', url: 'http://127.0.0.1:9/', authorization: null, timeoutMs: 1000 }]]),
    rules: [{ pattern: '*', upstream: 'npmjs', minReleaseAgeMs: 72 * HOUR, minReleaseAgeExempt: ['@types/*'] }],
    freshMs: 1000,
    readers: 'anyone' as const,
  };
  const exempt = routeOf(settings, '@types/node');
  const held = routeOf(settings, 'lodash');
  assert.equal(exempt.minReleaseAgeMs, 0);
  assert.equal(ageSource(held), 'proxyRules[0].minReleaseAgeHours');
  const doc = packument('@types/node', { '1.0.0': 1000 }, { latest: '1.0.0' });
  assert.equal(visibleVersions(doc, 'full', { nowMs: NOW, minReleaseAgeMs: exempt.minReleaseAgeMs, blocked: new Map() }).doc, doc);
});

test('a version without a publish time is held back while a minimum age is in force (its age cannot be proven)', () => {
  const doc = packument('a', { '1.0.0': 10 * DAY }, { latest: '1.0.1' });
  (doc.versions as Record<string, unknown>)['1.0.1'] = { name: 'a', version: '1.0.1', dist: {} };
  (doc.time as Record<string, unknown>)['1.0.2'] = 'not a date';
  (doc.versions as Record<string, unknown>)['1.0.2'] = { name: 'a', version: '1.0.2', dist: {} };
  const { doc: out, hidden } = visibleVersions(doc, 'full', policy(DAY));
  assert.deepEqual(Object.keys(out.versions as object), ['1.0.0']);
  assert.match(hidden.get('1.0.1') ?? '', /^a@1\.0\.1 has no publish time in the upstream's packument, so its age is unknown; versions younger than 24 hours are held back/);
  assert.ok(hidden.has('1.0.2'));
  assert.deepEqual(out['dist-tags'], { latest: '1.0.0' });
  // The abbreviated form has no time at all: with an age in force, nothing can be shown.
  const abbreviated = visibleVersions(abbreviate(packument('a', { '1.0.0': 10 * DAY }, { latest: '1.0.0' })), 'abbreviated', policy(DAY));
  assert.deepEqual(abbreviated.doc.versions, {});
  assert.deepEqual(abbreviated.doc['dist-tags'], {});
  // Without a minimum age, a missing time hides nothing.
  assert.equal(visibleVersions(doc, 'full', policy(0)).hidden.size, 0);
});

test('a time in the future (a skewed upstream clock) is as young as can be', () => {
  const doc = packument('a', { '1.0.0': 10 * DAY, '1.1.0': -HOUR }, { latest: '1.1.0' });
  const { hidden } = visibleVersions(doc, 'full', policy(HOUR));
  assert.equal(hidden.get('1.1.0'), 'a@1.1.0 was published with a time in the future; versions younger than 1 hour are held back (proxyRules[0].minReleaseAgeHours)');
});

test('a blocked version is left out whatever its age, with the administrator\'s reason; blocks of versions the upstream dropped are listed too', () => {
  const doc = packument('evil', { '1.0.0': 100 * DAY, '1.0.1': 50 * DAY }, { latest: '1.0.1' });
  const { doc: out, hidden } = visibleVersions(doc, 'full', policy(0, { '1.0.1': 'worm, see INC-42', '0.9.0': '' }));
  assert.deepEqual(Object.keys(out.versions as object), ['1.0.0']);
  assert.equal(hidden.get('1.0.1'), 'blocked by an administrator: worm, see INC-42');
  assert.equal(hidden.get('0.9.0'), 'blocked by an administrator');
  assert.deepEqual(out['dist-tags'], { latest: '1.0.0' });
});

test('tags move as npm-pick-manifest moves them: prereleases only of the same version, latest preferred, deprecated avoided; a tag with nowhere to go is left out', () => {
  const doc = packument(
    'p',
    { '1.0.0': 90 * DAY, '1.1.0-rc.1': 60 * DAY, '1.1.0': HOUR, '1.2.0': 40 * DAY, '1.3.0': 30 * DAY, '2.0.0-beta.1': 20 * DAY, '2.0.0-beta.2': 2 * HOUR, '3.0.0': HOUR },
    { latest: '1.1.0', next: '2.0.0-beta.2', edge: '3.0.0', old: '1.0.0' },
    { '1.3.0': { deprecated: 'broken' } },
  );
  // latest 1.1.0 is young: `<=1.1.0` excludes 1.1.0-rc.1 (semver: a prerelease only matches a
  // comparator of its own version) → 1.0.0.
  const { doc: out } = visibleVersions(doc, 'full', policy(DAY));
  const tags = out['dist-tags'] as Record<string, string>;
  assert.equal(tags.latest, '1.0.0');
  // next 2.0.0-beta.2 is young: the visible `latest` (1.0.0, the original latest is hidden) is
  // not it; among <=2.0.0-beta.2, 2.0.0-beta.1 is highest (1.3.0 is deprecated).
  assert.equal(tags.next, '2.0.0-beta.1');
  // edge 3.0.0 is young: 2.0.0-beta.1 is not a candidate for <=3.0.0; 1.3.0 deprecated → 1.2.0.
  assert.equal(tags.edge, '1.2.0');
  assert.equal(tags.old, '1.0.0');
  // All versions hidden: no tag can stay.
  const none = visibleVersions(packument('q', { '1.0.0': HOUR }, { latest: '1.0.0' }), 'full', policy(DAY));
  assert.deepEqual(none.doc['dist-tags'], {});
  assert.deepEqual(none.doc.versions, {});
});

/** npm's own npm-pick-manifest, from the npm CLI installed on this machine. */
function npmPickManifest(): ((p: unknown, wanted: string, opts: Record<string, unknown>) => { version: string }) | null {
  try {
    const root = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    return createRequire(join(root, 'npm', 'package.json'))('npm-pick-manifest');
  } catch {
    return null;
  }
}

test('every moved tag is the version npm itself picks for that tag with --before (npm-pick-manifest)', () => {
  const pick = npmPickManifest();
  assert.ok(pick, 'the npm CLI is installed');
  const cases: [Record<string, number>, Record<string, string>, Record<string, Record<string, unknown>>][] = [
    [{ '1.0.0': 90 * DAY, '1.1.0-rc.1': 60 * DAY, '1.1.0': HOUR, '1.2.0': 40 * DAY, '1.3.0': 30 * DAY, '2.0.0-beta.1': 20 * DAY, '2.0.0-beta.2': 2 * HOUR, '3.0.0': HOUR }, { latest: '1.1.0', next: '2.0.0-beta.2', edge: '3.0.0' }, { '1.3.0': { deprecated: 'broken' } }],
    [{ '1.0.0': 90 * DAY, '1.9.0': 10 * DAY, '2.0.0-beta.1': 9 * DAY, '2.0.0-beta.2': HOUR }, { latest: '1.9.0', next: '2.0.0-beta.2' }, {}],
    [{ '0.1.0': 90 * DAY, '0.2.0': 80 * DAY, '0.3.0': HOUR }, { latest: '0.3.0', beta: '0.3.0' }, { '0.2.0': { deprecated: 'no' } }],
    [{ '4.0.0': 90 * DAY, '5.0.0': 10 * DAY, '5.0.1': HOUR, '6.0.0-alpha.0': 2 * DAY, '6.0.0-alpha.1': HOUR }, { latest: '5.0.1', v4: '4.0.0', alpha: '6.0.0-alpha.1' }, {}],
  ];
  for (const [versions, tags, extra] of cases) {
    const doc = packument('p', versions, tags, extra);
    const { doc: out } = visibleVersions(doc, 'full', policy(DAY));
    const served = out['dist-tags'] as Record<string, string>;
    for (const tag of Object.keys(tags)) {
      const picked: string = pick!(doc, tag, { before: new Date(NOW - DAY).toISOString() }).version;
      assert.equal(served[tag], picked, `tag ${tag} of ${JSON.stringify(tags)}`);
      // And npm, reading what is served, installs that very version.
      assert.equal(pick!(out, tag, {}).version, picked);
    }
  }
});

test('the abbreviated form: name, modified, dist-tags and the install fields of each version', () => {
  const doc = packument('a', { '1.0.0': 10 * DAY, '1.1.0': 5 * DAY }, { latest: '1.1.0' }, {
    '1.1.0': { scripts: { postinstall: 'node x' }, dependencies: { b: '^1' }, bin: { a: 'a.js' }, engines: { node: '>=20' }, _npmUser: { name: 'x' }, maintainers: [], gitHead: 'abc', deprecated: 'old', _hasShrinkwrap: false, funding: 'https://f' },
    '1.0.0': { hasInstallScript: false, scripts: { install: 'x' } },
  });
  const out = abbreviate(doc);
  assert.deepEqual(Object.keys(out), ['name', 'modified', 'dist-tags', 'versions']);
  assert.equal(out.modified, ago(HOUR));
  const v = (out.versions as Record<string, Record<string, unknown>>)['1.1.0']!;
  assert.deepEqual(v, {
    name: 'a', version: '1.1.0', deprecated: 'old', dependencies: { b: '^1' }, bin: { a: 'a.js' },
    dist: { tarball: 'https://up.example/a/-/a-1.1.0.tgz', integrity: 'sha512-AA==', shasum: 'aa' }, engines: { node: '>=20' }, _hasShrinkwrap: false, funding: 'https://f', hasInstallScript: true,
  });
  // The upstream's own hasInstallScript is kept as it is.
  assert.equal((out.versions as Record<string, Record<string, unknown>>)['1.0.0']!.hasInstallScript, false);
  assert.deepEqual(abbreviate(out), out, 'idempotent');
  // Derived after the policy: hidden versions and moved tags carry over.
  const held = abbreviate(visibleVersions(doc, 'full', policy(7 * DAY)).doc);
  assert.deepEqual(Object.keys(held.versions as object), ['1.0.0']);
  assert.deepEqual(held['dist-tags'], { latest: '1.0.0' });
});

test('odd upstream documents: prototype-named versions stay own data, non-object versions are dropped from the abbreviated form', () => {
  const doc = JSON.parse('{"name":"a","dist-tags":{"latest":"__proto__"},"versions":{"__proto__":{"name":"a","version":"__proto__"},"1.0.0":"text"},"time":{}}') as PackumentDoc;
  const { doc: out, hidden } = visibleVersions(doc, 'full', policy(DAY));
  assert.equal(hidden.size, 2);
  assert.deepEqual(Object.keys(out.versions as object), []);
  assert.deepEqual(out['dist-tags'], {});
  const abbr = abbreviate(doc);
  assert.deepEqual(Object.keys(abbr.versions as object), ['__proto__']);
  assert.equal(Object.getPrototypeOf(abbr.versions), Object.prototype);
});

test('versionPolicyOf: the route\'s minimum age and the name\'s blocks from the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-policy-'));
  const clock = new TestClock(NOW);
  const store = createSqliteStore(join(dir, 'tessera.db'), clock);
  try {
    await store.proxy.block({ name: 'lodash', version: '4.17.22', reason: 'worm', by: 'admin', at: NOW });
    await store.proxy.block({ name: 'other', version: '1.0.0', reason: 'x', by: 'admin', at: NOW });
    const p = await versionPolicyOf({ store, clock }, 'lodash', { minReleaseAgeMs: 72 * HOUR, ruleIndex: 2 });
    assert.deepEqual(p, { nowMs: NOW, minReleaseAgeMs: 72 * HOUR, blocked: new Map([['4.17.22', 'worm']]), ageSource: 'proxyRules[2].minReleaseAgeHours' });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
