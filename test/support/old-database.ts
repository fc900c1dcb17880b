// Databases made by older code, opened by the current code: for each store, a database at the
// schema just before a migration, with rows as the older code wrote them, then opened (and so
// migrated) by the current adapter, and checked. Used by the backfill contract tests.

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
import { postgresSkipReason, startPostgres, type TestPostgres } from './postgres.ts';

export interface OldDatabaseCase {
  /** The test's title after "SQLite: " / "PostgreSQL: ". */
  title: string;
  /** The index of the migration under test in a store's list (the database stops just before it). */
  before(migrations: readonly string[]): number;
  /** SQL that writes rows as the older code did (the same text for both stores). */
  rows: readonly string[];
  check(store: Store): Promise<void>;
}

/** Defines the SQLite test and the PostgreSQL one (skipped where the server binaries are absent, never in CI). */
export function oldDatabaseTests(c: OldDatabaseCase): void {
  test(`SQLite: ${c.title}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-old-db-'));
    const file = join(dir, 'tessera.db');
    const upTo = c.before(sqliteMigrations);
    const db = new Database(file);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(upTo);
    for (const m of sqliteMigrations.slice(0, upTo)) db.exec(m);
    for (const row of c.rows) db.exec(row);
    db.close();
    const store = createSqliteStore(file, systemClock);
    try {
      await c.check(store);
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

    test(`PostgreSQL: ${c.title}`, async () => {
      const url = await server.createDatabase();
      const upTo = c.before(postgresMigrations);
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await pool.query('CREATE TABLE tessera_schema (version INTEGER NOT NULL)');
        await pool.query('INSERT INTO tessera_schema (version) VALUES ($1)', [upTo]);
        for (const m of postgresMigrations.slice(0, upTo)) await pool.query(m);
        for (const row of c.rows) await pool.query(row);
      } finally {
        await pool.end();
      }
      const store = await createPostgresStore(url, systemClock);
      try {
        await c.check(store);
      } finally {
        await store.close();
      }
    });
  });
}
