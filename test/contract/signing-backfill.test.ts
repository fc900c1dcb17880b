// Registry signatures for versions stored before them (issue 19): the migration marks every
// stored version, and the one-off pass at start (core/packages/sign-stored.ts) signs each once
// through unsignedVersions/setSignatures, in both adapters: a database at the schema just before
// the migration, with versions as older code wrote them, then opened by the current code.

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
import { generateSigningKey, parseSigningKeys, staticSigning, verifyVersion } from '../../src/core/packages/signatures.ts';
import { signStoredVersions } from '../../src/core/packages/sign-stored.ts';
import { type Store, systemClock } from '../../src/core/ports.ts';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { publish, version } from './suite/harness.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const INTEGRITY = (n: number) => `sha512-${Buffer.alloc(64, n).toString('base64')}`;
const manifest = (name: string, v: string, n: number) => JSON.stringify({ name, version: v, dist: { integrity: INTEGRITY(n), shasum: 'a'.repeat(40) } });
const OLD_ROWS = [
  `INSERT INTO packages (name, rev, access, created_at, modified_at) VALUES ('old-lib', 2, 'public', '${T0}', '${T0}'), ('@s/old', 1, 'public', '${T0}', '${T0}')`,
  `INSERT INTO versions (package, version, manifest, published_at, file, blob_key, size, integrity, shasum) VALUES
    ('old-lib', '1.0.0', '${manifest('old-lib', '1.0.0', 1)}', '${T0}', 'old-lib-1.0.0.tgz', 'a', 1, '${INTEGRITY(1)}', 's'),
    ('old-lib', '1.1.0', '${manifest('old-lib', '1.1.0', 2)}', '${T0}', 'old-lib-1.1.0.tgz', 'b', 1, '${INTEGRITY(2)}', 's'),
    ('@s/old', '0.1.0', '${manifest('@s/old', '0.1.0', 3)}', '${T0}', 'old-0.1.0.tgz', 'c', 1, '${INTEGRITY(3)}', 's')`,
  `INSERT INTO dist_tags (package, tag, version) VALUES ('old-lib', 'latest', '1.1.0'), ('@s/old', 'latest', '0.1.0')`,
];

const signingIndex = (list: string[]) => {
  const i = list.findIndex((m) => m.includes('ADD COLUMN needs_signature'));
  assert.ok(i > 0, 'the signing migration exists');
  return i;
};

async function assertSignedOnce(store: Store) {
  const signing = staticSigning(parseSigningKeys(generateSigningKey()));
  const key = signing.current();
  assert.equal((await store.packages.unsignedVersions(2)).length, 2, 'a batch is at most the limit');
  const changed: string[] = [];
  assert.equal(await signStoredVersions({ store, signing, packageChanged: (n) => changed.push(n) }, 2), 3);
  assert.deepEqual([...new Set(changed)].sort(), ['@s/old', 'old-lib']);
  for (const [name, v, n] of [['old-lib', '1.0.0', 1], ['old-lib', '1.1.0', 2], ['@s/old', '0.1.0', 3]] as const) {
    const one = await store.packages.getVersion(name, v);
    const dist = one!.version.manifest.dist as { integrity: string; signatures: Array<{ keyid: string; sig: string }> };
    assert.equal(dist.integrity, INTEGRITY(n), 'the rest of dist is kept');
    assert.equal(dist.signatures.length, 1);
    assert.equal(dist.signatures[0].keyid, key.keyid);
    assert.ok(verifyVersion(key.publicKey, name, v, INTEGRITY(n), dist.signatures[0].sig), `${name}@${v}`);
  }
  assert.equal((await store.packages.get('old-lib'))!.rev, 2, 'signing is no change of the package');
  // Once: nothing is marked any more, a second pass signs nothing, setSignatures refuses.
  assert.deepEqual(await store.packages.unsignedVersions(10), []);
  assert.equal(await signStoredVersions({ store, signing, packageChanged: () => {} }), 0);
  assert.equal(await store.packages.setSignatures('old-lib', '1.0.0', [{ keyid: 'x', sig: 'y' }]), false);
  assert.equal(await store.packages.setSignatures('no-such', '1.0.0', [{ keyid: 'x', sig: 'y' }]), false);
  // A version published since is never marked (it is signed at publish).
  await store.packages.commit('old-lib', publish(version('2.0.0')));
  assert.deepEqual(await store.packages.unsignedVersions(10), []);
}

test('SQLite: versions stored before signatures are signed once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-signing-'));
  const file = join(dir, 'tessera.db');
  const upTo = signingIndex(sqliteMigrations);
  const db = new Database(file);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(upTo);
  for (const m of sqliteMigrations.slice(0, upTo)) db.exec(m);
  for (const row of OLD_ROWS) db.exec(row);
  db.close();
  const store = createSqliteStore(file, systemClock);
  try {
    await assertSignedOnce(store);
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

  test('PostgreSQL: versions stored before signatures are signed once', async () => {
    const url = await server.createDatabase();
    const upTo = signingIndex(postgresMigrations);
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
      await assertSignedOnce(store);
    } finally {
      await store.close();
    }
  });
});
