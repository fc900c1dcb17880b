// The file-level pieces of `tessera backup` and `tessera restore` for the embedded storage: a
// consistent copy of a live SQLite database (its online backup API, which copies a snapshot
// while the server keeps writing), and tarball copies that are checked against their names.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const KEY_FILE = /^([0-9a-f]{128})\.tgz$/;

export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes bytes to a temporary name, fsyncs, renames into place: never a half-written file. */
export async function writeDurably(path: string, bytes: Buffer, mode = 0o644): Promise<void> {
  const temp = `${path}.partial`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** Keys of the tarballs under a tarball folder (`<aa>/<sha512>.tgz`). */
export function listTarballs(root: string): string[] {
  if (!existsSync(root)) return [];
  const keys: string[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory() || !/^[0-9a-f]{2}$/.test(dir.name)) continue;
    for (const file of readdirSync(join(root, dir.name))) {
      const m = KEY_FILE.exec(file);
      if (m && m[1].startsWith(dir.name)) keys.push(m[1]);
    }
  }
  return keys.sort();
}

export interface CopyResult {
  copied: number;
  bytes: number;
  /** Files whose bytes no longer match their name: not copied. */
  corrupt: string[];
}

/** Copies the tarballs `to` lacks, each checked against its SHA-512 name and fsync'd. */
export async function copyTarballs(from: string, to: string): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, bytes: 0, corrupt: [] };
  const have = new Set(listTarballs(to));
  const dirs = new Set<string>();
  for (const key of listTarballs(from)) {
    if (have.has(key)) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(join(from, key.slice(0, 2), `${key}.tgz`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile (unpublished)
      throw e;
    }
    if (createHash('sha512').update(bytes).digest('hex') !== key) {
      result.corrupt.push(key);
      continue;
    }
    const dir = join(to, key.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await writeDurably(join(dir, `${key}.tgz`), bytes);
    dirs.add(dir);
    result.copied++;
    result.bytes += bytes.length;
  }
  for (const dir of dirs) await fsyncPath(dir);
  if (dirs.size > 0) await fsyncPath(to);
  return result;
}

/** A consistent snapshot of a (possibly live) SQLite database into `dest`, fsync'd. */
export async function backupSqlite(file: string, dest: string): Promise<void> {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(dest);
  } finally {
    db.close();
  }
  // The copy is one self-contained file (no -wal beside it).
  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  await fsyncPath(dest);
}

/** What a database file holds: its schema version, its integrity, the tarballs it refers to. */
export function inspectSqlite(file: string): { version: number; integrity: string; blobKeys: string[]; users: number; packages: number } {
  const db = new Database(file, { fileMustExist: true, readonly: true });
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? 'unknown';
    const version = (db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined)?.version ?? 0;
    const blobKeys = db.prepare('SELECT DISTINCT blob_key FROM versions').pluck().all() as string[];
    const users = db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
    const packages = db.prepare('SELECT COUNT(*) FROM packages WHERE unpublished = 0').pluck().get() as number;
    return { version, integrity, blobKeys, users, packages };
  } finally {
    db.close();
  }
}
