// tessera migrate: brings the database schema (SQLite or PostgreSQL) up to date and makes sure
// the blob store exists (the S3 bucket). `tessera serve` does the same at start; run this
// first when several nodes are upgraded together, so that none serves with an old schema.

import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../config/load.ts';
import type { CommandUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera migrate [--data DIR | --database postgres://...] [--blobs s3://...]' };

export async function migrateCommand(flags: Record<string, string>): Promise<number> {
  const config = loadConfig({ flags, env: process.env });
  const data = resolve(config.data);
  let where: string;
  let version: number;
  if (config.database) {
    const { migratePostgres } = await import('../adapters/postgres/index.ts');
    version = await migratePostgres(config.database);
    const url = new URL(config.database);
    where = `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
  } else {
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const { migrate: migrateSqlite } = await import('../adapters/sqlite/migrations.ts');
    const { openDatabase } = await import('../adapters/sqlite/open.ts');
    const db = openDatabase(join(data, 'tessera.db'));
    version = migrateSqlite(db);
    db.close();
    where = `SQLite ${join(data, 'tessera.db')}`;
  }
  process.stdout.write(`Database schema at version ${version} (${where}).\n`);
  if (config.blobs) {
    const { createS3BlobStore, parseS3Url } = await import('../adapters/s3-blobs.ts');
    const location = parseS3Url(config.blobs, process.env);
    const s3 = createS3BlobStore(location);
    try {
      await s3.ensureBucket();
    } finally {
      s3.close();
    }
    process.stdout.write(`Blob store ready: s3://${location.bucket}/${location.prefix}\n`);
  }
  return 0;
}
