// tessera backup DIR: a consistent copy of the embedded storage, taken while the server runs:
// the SQLite database through its online backup API, the tarballs (each checked against its
// SHA-512 name) and server.key. Tarballs are copied before and after the database snapshot,
// so that every tarball the snapshot refers to is in the backup even while people publish
// and unpublish. PostgreSQL and S3 are backed up with their own tools (docs/operations.md).

import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera backup DIR [--data DATA]', note: 'SQLite, tarballs, server.key, signing.key; while serving; DIR new or empty' };

export const BACKUP_MANIFEST = 'tessera-backup.json';
export const BACKUP_FORMAT = 1;

export async function backup(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [target] = positionals;
  if (!target) return printUsage(usage);
  const { backupSqlite, copyTarballs, fsyncPath, inspectSqlite, listTarballs, writeDurably } = await import('../adapters/backup.ts');
  const config = loadConfig({ flags, env: process.env });
  if (config.database || config.blobs) {
    process.stderr.write(
      'tessera backup copies the embedded storage (SQLite and DATA/tarballs). With PostgreSQL use pg_dump, with S3 the bucket\'s versioning or replication: see docs/operations.md.\n',
    );
    return 2;
  }
  const data = resolve(config.data);
  const dbFile = join(data, 'tessera.db');
  if (!existsSync(dbFile)) {
    process.stderr.write(`tessera backup: there is no database at ${dbFile}.\n`);
    return 2;
  }
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    process.stderr.write(`tessera backup: ${dir} is not empty; back up into a new folder.\n`);
    return 2;
  }
  mkdirSync(join(dir, 'tarballs'), { recursive: true, mode: 0o700 });

  const tarballs = join(data, 'tarballs');
  const before = await copyTarballs(tarballs, join(dir, 'tarballs'));
  await backupSqlite(dbFile, join(dir, 'tessera.db'));
  const after = await copyTarballs(tarballs, join(dir, 'tarballs'));
  const keyFile = join(data, 'server.key');
  if (existsSync(keyFile)) {
    copyFileSync(keyFile, join(dir, 'server.key'));
    chmodSync(join(dir, 'server.key'), 0o600);
  }
  // The registry signing keys (docs/signatures.md): restored, versions keep verifying.
  if (existsSync(join(data, 'signing.key'))) {
    copyFileSync(join(data, 'signing.key'), join(dir, 'signing.key'));
    chmodSync(join(dir, 'signing.key'), 0o600);
  }

  const db = inspectSqlite(join(dir, 'tessera.db'));
  const present = new Set(listTarballs(join(dir, 'tarballs')));
  const missing = db.blobKeys.filter((k) => !present.has(k));
  const corrupt = [...new Set([...before.corrupt, ...after.corrupt])];
  const manifest = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    schemaVersion: db.version,
    users: db.users,
    packages: db.packages,
    tarballs: present.size,
    bytes: before.bytes + after.bytes,
    serverKey: existsSync(keyFile),
    signingKey: existsSync(join(data, 'signing.key')),
    missingTarballs: missing,
    corruptTarballs: corrupt,
  };
  await writeDurably(join(dir, BACKUP_MANIFEST), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 0o600);
  await fsyncPath(dir);

  process.stdout.write(
    `Backed up ${db.users} users, ${db.packages} packages and ${present.size} tarballs (${manifest.bytes} bytes) to ${dir}` +
      `${manifest.serverKey || manifest.signingKey ? `, with ${[manifest.serverKey && 'server.key', manifest.signingKey && 'signing.key'].filter(Boolean).join(' and ')} (keep this backup as secret as the keys)` : ''}.\n`,
  );
  if (db.integrity !== 'ok') {
    process.stderr.write(`tessera backup: the database copy failed its integrity check: ${db.integrity}\n`);
    return 1;
  }
  if (missing.length > 0 || corrupt.length > 0) {
    process.stderr.write(
      `tessera backup: ${missing.length} tarballs the database refers to are missing from DATA/tarballs, ${corrupt.length} are damaged (listed in ${BACKUP_MANIFEST}).\n`,
    );
    return 1;
  }
  return 0;
}
