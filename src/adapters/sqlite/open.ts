// Opening the SQLite database with the durability settings docs/operations.md explains:
// WAL journal, synchronous=FULL (a committed transaction survives a power loss), secure_delete
// so that deleted secrets do not linger in free pages.

import Database from 'better-sqlite3';
import { migrate } from './migrations.ts';

export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
