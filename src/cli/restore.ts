// tessera restore DIR: puts a `tessera backup` into an empty data folder, checking the
// database's integrity and every tarball against its name, then opens the database once so
// that a backup from an older Tessera is migrated. Start the server on the folder afterwards.

import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { copyTarballs, fsyncPath, inspectSqlite, listTarballs } from '../adapters/backup.ts';
import { openDatabase } from '../adapters/sqlite/open.ts';
import { BACKUP_FORMAT, BACKUP_MANIFEST } from './backup.ts';

export async function restore(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [source] = positionals;
  if (!source) {
    process.stderr.write('usage: tessera restore DIR [--data DATA]   (DATA must be new or empty)\n');
    return 2;
  }
  const config = loadConfig({ flags, env: process.env });
  if (config.database || config.blobs) {
    process.stderr.write('tessera restore restores the embedded storage. With PostgreSQL use pg_restore: see docs/operations.md.\n');
    return 2;
  }
  const dir = resolve(source);
  let manifest: { format?: number };
  try {
    manifest = JSON.parse(readFileSync(join(dir, BACKUP_MANIFEST), 'utf8')) as { format?: number };
  } catch {
    process.stderr.write(`tessera restore: ${dir} is not a Tessera backup (no readable ${BACKUP_MANIFEST}).\n`);
    return 2;
  }
  if (manifest.format !== BACKUP_FORMAT) {
    process.stderr.write(`tessera restore: unknown backup format ${String(manifest.format)}.\n`);
    return 2;
  }
  const data = resolve(config.data);
  if (existsSync(data) && readdirSync(data).length > 0) {
    process.stderr.write(`tessera restore: ${data} is not empty; restore into an empty data folder (move the old one away first).\n`);
    return 2;
  }
  const db = inspectSqlite(join(dir, 'tessera.db'));
  if (db.integrity !== 'ok') {
    process.stderr.write(`tessera restore: the backup's database is damaged: ${db.integrity}\n`);
    return 1;
  }

  mkdirSync(join(data, 'tarballs'), { recursive: true, mode: 0o700 });
  const copied = await copyTarballs(join(dir, 'tarballs'), join(data, 'tarballs'));
  if (existsSync(join(dir, 'server.key'))) {
    copyFileSync(join(dir, 'server.key'), join(data, 'server.key'));
    chmodSync(join(data, 'server.key'), 0o600);
  }
  // The database last, under its final name only when complete.
  copyFileSync(join(dir, 'tessera.db'), join(data, 'tessera.db.partial'));
  await fsyncPath(join(data, 'tessera.db.partial'));
  renameSync(join(data, 'tessera.db.partial'), join(data, 'tessera.db'));
  await fsyncPath(data);
  openDatabase(join(data, 'tessera.db')).close();

  const present = new Set(listTarballs(join(data, 'tarballs')));
  const missing = db.blobKeys.filter((k) => !present.has(k));
  process.stdout.write(`Restored ${db.users} users, ${db.packages} packages and ${copied.copied} tarballs into ${data}.\n`);
  if (missing.length > 0 || copied.corrupt.length > 0) {
    process.stderr.write(`tessera restore: ${missing.length} tarballs the database refers to are missing, ${copied.corrupt.length} were damaged and skipped.\n`);
    return 1;
  }
  return 0;
}
