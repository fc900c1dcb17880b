// Opening the SQLite database with the durability settings docs/operations.md explains:
// WAL journal, synchronous=FULL (a committed transaction survives a power loss), secure_delete
// so that deleted secrets do not linger in free pages.

import { chmodSync, closeSync, constants, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';

/**
 * Makes `file` exist with mode 0600 (created O_EXCL when missing; an existing one, and its -wal
 * and -shm, are set to 0600), so password hashes and sealed secrets are never readable by other
 * users whatever the umask and the folder's mode. SQLite creates -wal and -shm with the mode
 * of the database file (its unix VFS, robust_open), so they follow.
 */
export function privateDatabaseFile(file: string): void {
  if (!existsSync(file)) {
    try {
      closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      chmodSync(f, 0o600);
    } catch (e) {
      // Missing, or not ours to change (a database owned by another account, a read-only mount):
      // the open goes on, as before.
      if (!['ENOENT', 'EPERM', 'EROFS'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
  }
}

export function openDatabase(file: string): Database.Database {
  privateDatabaseFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
