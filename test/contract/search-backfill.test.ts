// The migration that keeps search data per package (latest version, keyword list) backfills
// databases made before it, in both adapters: a database at the schema just before it, with
// packages written as the older code wrote them, then opened by the current code.

import assert from 'node:assert/strict';
import { oldDatabaseTests } from '../support/old-database.ts';
import type { Store } from '../../src/core/ports.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';
const manifest = (name: string, version: string, extra: object) => JSON.stringify({ name, version, ...extra });

/** Rows as the code before the migration wrote them (description and keywords columns only). */
const OLD_ROWS = [
  `INSERT INTO users (id, name, email, password_hash, created_at, updated_at) VALUES (1, 'alice', 'alice@example.com', 'x', '${T0}', '${T0}')`,
  `INSERT INTO packages (name, rev, access, created_at, modified_at, description, keywords) VALUES ('kw', 2, 'public', '${T0}', '${T1}', 'one', 'two words x')`,
  `INSERT INTO packages (name, rev, access, created_at, modified_at, description, keywords) VALUES ('notag', 2, 'public', '${T0}', '${T1}', NULL, '')`,
  `INSERT INTO versions (package, version, manifest, published_at, file, blob_key, size, integrity, shasum) VALUES
    ('kw', '1.0.0', '${manifest('kw', '1.0.0', { description: 'one', keywords: ['two words', 'x', 3] })}', '${T0}', 'kw-1.0.0.tgz', 'a', 1, 'i', 's'),
    ('kw', '2.0.0', '${manifest('kw', '2.0.0', { keywords: 'not-an-array' })}', '${T1}', 'kw-2.0.0.tgz', 'b', 1, 'i', 's'),
    ('notag', '1.0.0', '${manifest('notag', '1.0.0', { keywords: ['old'] })}', '${T0}', 'notag-1.0.0.tgz', 'c', 1, 'i', 's'),
    ('notag', '1.1.0', '${manifest('notag', '1.1.0', { keywords: ['new'] })}', '${T1}', 'notag-1.1.0.tgz', 'd', 1, 'i', 's')`,
  `INSERT INTO dist_tags (package, tag, version) VALUES ('kw', 'latest', '1.0.0'), ('kw', 'next', '2.0.0')`,
  `INSERT INTO owners (package, user_id, position) VALUES ('kw', 1, 1), ('notag', 1, 1)`,
];

const backfillIndex = (list: readonly string[]) => {
  const i = list.findIndex((m) => m.includes('ADD COLUMN latest_version'));
  assert.ok(i > 0, 'the search-data migration exists');
  return i;
};

async function assertBackfilled(store: Store) {
  const { hits, total } = await store.packages.search({ text: '', from: 0, size: 10, viewerId: null });
  assert.equal(total, 2);
  assert.deepEqual(
    hits.map((h) => [h.name, h.version, h.keywords]),
    [
      ['kw', '1.0.0', ['two words', 'x']],
      ['notag', '1.1.0', ['new']],
    ],
  );
  assert.deepEqual(hits[0].owners, [{ id: 1, name: 'alice', email: 'alice@example.com' }]);
}

oldDatabaseTests({ title: 'opening a database made before the search data backfills it', before: backfillIndex, rows: OLD_ROWS, check: assertBackfilled });
