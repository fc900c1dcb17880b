// The migration that keeps search data per package (latest version, keyword list) backfills
// databases made before it, in both adapters: a database at the schema just before it, with
// packages written as the older code wrote them, then opened by the current code.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrations as postgresMigrations } from '../../src/adapters/postgres/migrations.ts';
import { createPostgresStore } from '../../src/adapters/postgres/index.ts';
import { createSqliteStore } from '../../src/adapters/sqlite/index.ts';
import { migrations as sqliteMigrations } from '../../src/adapters/sqlite/migrations.ts';
import { type Store, systemClock } from '../../src/core/ports.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';

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

const backfillIndex = (list: string[]) => {
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

test('SQLite: opening a database made before the search data backfills it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-backfill-'));
  const file = join(dir, 'tessera.db');
  const upTo = backfillIndex(sqliteMigrations);
  const db = new Database(file);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(upTo);
  for (const m of sqliteMigrations.slice(0, upTo)) db.exec(m);
  for (const row of OLD_ROWS) db.exec(row);
  db.close();
  const store = createSqliteStore(file, systemClock);
  try {
    await assertBackfilled(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('PostgreSQL', { skip: postgresSkipReason() ?? false }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('PostgreSQL: opening a database made before the search data backfills it', async () => {
    const url = await server.createDatabase();
    const upTo = backfillIndex(postgresMigrations);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await pool.query('CREATE TABLE tessera_schema (version INTEGER NOT NULL)');
      await pool.query('INSERT INTO tessera_schema (version) VALUES ($1)', [upTo]);
      for (const m of postgresMigrations.slice(0, upTo)) await pool.query(m);
      for (const row of OLD_ROWS) await pool.query(row);
    } finally {
      await pool.end();
    }
    const store = await createPostgresStore(url, systemClock);
    try {
      await assertBackfilled(store);
    } finally {
      await store.close();
    }
  });
});
