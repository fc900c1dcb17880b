// tessera restore DIR: puts a `tessera backup` into an empty data folder, checking the
// database's integrity and every tarball against its name, then opens the database once so
// that a backup from an older Tessera is migrated. Start the server on the folder afterwards.
//
// Nothing in the backup folder is trusted (it may be writable by others: a shared staging
// folder, a copied-in volume): anything but regular files and folders (a symbolic link, a
// FIFO, a device) is refused before anything is read, and every file is opened with
// O_NOFOLLOW | O_NONBLOCK and checked on its descriptor (src/adapters/backup.ts). The restore is
// built in a temporary folder beside DATA and moved into place whole at the end, so a refused
// or failed restore leaves DATA as it was. Every file is created 0600, every folder 0700.

import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { escapeControls } from '../core/text.ts';
import { BACKUP_FORMAT, BACKUP_MANIFEST } from './backup.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera restore DIR [--data DATA]', note: 'into a new or empty data folder' };

export async function restore(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [source] = positionals;
  if (!source) return printUsage(usage);
  const { copyRegularFile, copyTarballs, fsyncPath, inspectSqlite, listTarballs, NotRegularFileError, readRegularFile, requirePlainTree } = await import('../adapters/backup.ts');
  const { openDatabase } = await import('../adapters/sqlite/open.ts');
  const config = loadConfig({ flags, env: process.env });
  if (config.database || config.blobs) {
    process.stderr.write('tessera restore restores the embedded storage. With PostgreSQL use pg_restore: see docs/operations.md.\n');
    return 2;
  }
  const dir = resolve(source);
  try {
    requirePlainTree(dir);
  } catch (e) {
    if (e instanceof NotRegularFileError) {
      process.stderr.write(`tessera restore: ${e.message} A backup holds only regular files and folders.\n`);
      return 2;
    }
    process.stderr.write(`tessera restore: ${dir} is not a readable folder (${(e as NodeJS.ErrnoException).code ?? 'error'}).\n`);
    return 2;
  }
  let manifest: { format?: number };
  try {
    manifest = JSON.parse(readRegularFile(join(dir, BACKUP_MANIFEST)).toString('utf8')) as { format?: number };
  } catch {
    process.stderr.write(`tessera restore: ${dir} is not a Tessera backup (no readable ${BACKUP_MANIFEST}).\n`);
    return 2;
  }
  if (manifest.format !== BACKUP_FORMAT) {
    process.stderr.write(`tessera restore: unknown backup format ${escapeControls(String(JSON.stringify(manifest.format)))}.\n`);
    return 2;
  }
  const data = resolve(config.data);
  if (existsSync(data) && (!lstatSync(data).isDirectory() || readdirSync(data).length > 0)) {
    process.stderr.write(`tessera restore: ${data} is not empty; restore into an empty data folder (move the old one away first).\n`);
    return 2;
  }

  // Everything is built beside DATA (same file system: the final rename is atomic).
  mkdirSync(dirname(data), { recursive: true, mode: 0o700 });
  const staging = join(dirname(data), `.${basename(data)}.restore-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    // The database is copied first (no link, no FIFO), then checked as copied.
    copyRegularFile(join(dir, 'tessera.db'), join(staging, 'tessera.db'));
    const db = inspectSqlite(join(staging, 'tessera.db'));
    if (db.integrity !== 'ok') {
      process.stderr.write(`tessera restore: the backup's database is damaged: ${escapeControls(db.integrity)}\n`);
      rmSync(staging, { recursive: true, force: true });
      return 1;
    }
    mkdirSync(join(staging, 'tarballs'), { mode: 0o700 });
    const copied = await copyTarballs(join(dir, 'tarballs'), join(staging, 'tarballs'));
    if (lstatExists(join(dir, 'server.key'))) copyRegularFile(join(dir, 'server.key'), join(staging, 'server.key'));
    if (lstatExists(join(dir, 'signing.key'))) copyRegularFile(join(dir, 'signing.key'), join(staging, 'signing.key'));
    openDatabase(join(staging, 'tessera.db')).close();
    await fsyncPath(join(staging, 'tessera.db'));
    await fsyncPath(staging);

    renameSync(staging, data); // replaces an empty DATA folder (rename(2)); ENOTEMPTY if one was filled meanwhile
    await fsyncPath(dirname(data));

    const present = new Set(listTarballs(join(data, 'tarballs')));
    const missing = db.blobKeys.filter((k) => !present.has(k));
    process.stdout.write(`Restored ${db.users} users, ${db.packages} packages and ${copied.copied} tarballs into ${data}.\n`);
    if (missing.length > 0 || copied.corrupt.length > 0) {
      process.stderr.write(`tessera restore: ${missing.length} tarballs the database refers to are missing, ${copied.corrupt.length} were damaged and skipped.\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (e instanceof NotRegularFileError) {
      process.stderr.write(`tessera restore: ${e.message} A backup holds only regular files and folders; ${data} was not changed.\n`);
      return 2;
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`tessera restore: ${(e as NodeJS.ErrnoException).path ?? 'a file'} is missing from the backup; ${data} was not changed.\n`);
      return 2;
    }
    throw e;
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
