// The bytes a version counts toward maxPackumentMb (core/packages/manifest-limits.ts): computed
// at publish, and backfilled by the SQLite migration for versions stored before, equally.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/adapters/sqlite/migrations.ts';
import { countedManifestBytes } from '../../src/core/packages/manifest-limits.ts';

const manifests: Array<Record<string, unknown>> = [
  { name: 'a', version: '1.0.0' },
  { name: 'a', version: '1.0.1', readme: '# Hello "world"\n\u00e9\u{1F600}', description: 'caf\u00e9' },
  { name: 'a', version: '1.0.2', readme: { not: 'a string' }, x: 'y'.repeat(1000) },
];

test('countedManifestBytes is the JSON size without the readme', () => {
  assert.equal(countedManifestBytes(manifests[0]), Buffer.byteLength(JSON.stringify(manifests[0])));
  const withReadme = manifests[1];
  assert.equal(countedManifestBytes(withReadme), Buffer.byteLength(JSON.stringify(withReadme)) - Buffer.byteLength(JSON.stringify(withReadme.readme)));
  assert.equal(countedManifestBytes(manifests[2]), Buffer.byteLength(JSON.stringify(manifests[2])));
});

test('the SQLite migration backfills versions.manifest_bytes as countedManifestBytes computes it', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE versions (id INTEGER PRIMARY KEY, package TEXT NOT NULL DEFAULT \'p\', manifest TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO versions (manifest) VALUES (?)');
  for (const m of manifests) insert.run(JSON.stringify(m));
  db.exec(migrations.find((m) => m.includes('ADD COLUMN manifest_bytes')) as string);
  const rows = db.prepare('SELECT manifest_bytes AS n FROM versions ORDER BY id').all() as Array<{ n: number }>;
  assert.deepEqual(rows.map((r) => r.n), manifests.map(countedManifestBytes));
  db.close();
});

test('the SQLite migration sets packages.manifest_bytes to the sum of its versions\' counts', () => {
  const db = new Database(':memory:');
  const at = migrations.findIndex((m) => m.includes('ALTER TABLE packages ADD COLUMN manifest_bytes'));
  assert.ok(at > 0);
  for (const m of migrations.slice(0, at)) db.exec(m);
  const pkg = db.prepare("INSERT INTO packages (name, rev, access, created_at, modified_at) VALUES (?, 1, 'public', 'x', 'x')");
  const version = db.prepare("INSERT INTO versions (package, version, manifest, published_at, file, blob_key, size, integrity, shasum, manifest_bytes) VALUES (?, ?, '{}', 'x', 'f', 'b', 1, 'i', 's', ?)");
  pkg.run('a');
  pkg.run('empty');
  version.run('a', '1.0.0', 100);
  version.run('a', '1.0.1', 250);
  db.exec(migrations[at]);
  const totals = db.prepare('SELECT name, manifest_bytes AS n FROM packages ORDER BY name').all();
  assert.deepEqual(totals, [{ name: 'a', n: 350 }, { name: 'empty', n: 0 }]);
  db.close();
});
