// A clean `npm ci` on this Node prints no EBADENGINE or deprecation warning (issue #20 item 5):
// every package in package-lock.json accepts the running Node (what npm checks for
// EBADENGINE) and none is marked deprecated; package.json's `engines` is what the locked
// packages together allow. .ci/run also greps the real `npm ci` log for such lines.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import semver from 'semver';

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[]; deprecated?: string }> };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };

test('every locked package accepts this Node, and none is deprecated (no npm ci warning)', () => {
  const refusing: string[] = [];
  const deprecated: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') continue;
    const node = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (node && !semver.satisfies(process.version, node, { includePrerelease: true })) refusing.push(`${path}@${entry.version} wants node ${node}`);
    if (entry.deprecated) deprecated.push(`${path}@${entry.version}: ${entry.deprecated}`);
  }
  assert.deepEqual(refusing, [], `npm ci would print EBADENGINE on ${process.version}`);
  assert.deepEqual(deprecated, [], 'npm ci would print deprecation warnings');
});

test('package.json engines accepts this Node and nothing the locked packages refuse', () => {
  const ours = pkg.engines.node;
  assert.ok(semver.satisfies(process.version, ours), `${process.version} satisfies ${ours}`);
  for (const [path, entry] of Object.entries(lock.packages)) {
    const node = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!path || !node) continue;
    assert.ok(semver.subset(ours, node), `${ours} promises Node versions ${path}@${entry.version} refuses (${node})`);
  }
});
