// The file-level pieces of `tessera backup` and `tessera restore` for the embedded storage: a
// consistent copy of a live SQLite database (its online backup API, which copies a snapshot
// while the server keeps writing), and tarball copies that are checked against their names.

import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync, writeSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { privateDatabaseFile } from './sqlite/open.ts';

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
export async function writeDurably(path: string, bytes: Buffer, mode = 0o600): Promise<void> {
  const temp = `${path}.partial`;
  const handle = await open(temp, 'w', mode);
  await handle.chmod(mode); // a .partial left by a crash keeps its old mode otherwise
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/** A file that is a symbolic link, a FIFO, a device, a socket or a folder where a file belongs. */
export class NotRegularFileError extends Error {
  constructor(readonly path: string, readonly what: string) {
    super(`${path} is ${what}, not a regular file; refusing it.`);
    this.name = 'NotRegularFileError';
  }
}

function kindOf(st: { isSymbolicLink(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'a device';
  return 'a special file';
}

/**
 * Opens `path` for reading only if it is a regular file: O_NOFOLLOW (a symbolic link fails with
 * ELOOP), O_NONBLOCK (opening a FIFO does not wait for a writer), then fstat of the opened
 * descriptor (what was opened is what is checked: no race with a swap after an lstat). Returns
 * the descriptor; throws NotRegularFileError (ENOENT as from open).
 */
export function openRegularFile(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') throw new NotRegularFileError(path, kindOf(lstatSync(path)));
    throw e;
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotRegularFileError(path, kindOf(st));
  }
  return fd;
}

/** The bytes of a regular file (see openRegularFile): never through a link, never a FIFO. */
export function readRegularFile(path: string): Buffer {
  const fd = openRegularFile(path);
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Copies a regular file (see openRegularFile) to a new file `to` of mode 0600 (O_EXCL), fsync'd. */
export function copyRegularFile(from: string, to: string): void {
  const src = openRegularFile(from);
  try {
    const dst = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        for (let off = 0; off < n; ) off += writeSync(dst, buf, off, n - off);
      }
      fstatSync(dst); // surfaces a closed descriptor before the sync
    } finally {
      closeSync(dst);
    }
  } finally {
    closeSync(src);
  }
}

/**
 * Refuses (NotRegularFileError) anything under `root` that is neither a regular file nor a
 * folder: symbolic links, FIFOs, sockets, devices. `tessera restore` checks a backup folder
 * with it before reading anything, as the folder may be writable by others (review 2, #7).
 */
export function requirePlainTree(root: string): void {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) requirePlainTree(path);
    else if (!entry.isFile()) throw new NotRegularFileError(path, kindOf(lstatSync(path)));
  }
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
      // Never through a symbolic link, never a FIFO (which would block forever).
      bytes = readRegularFile(join(from, key.slice(0, 2), `${key}.tgz`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile (unpublished)
      throw e;
    }
    if (createHash('sha512').update(bytes).digest('hex') !== key) {
      result.corrupt.push(key);
      continue;
    }
    const dir = join(to, key.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
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
  privateDatabaseFile(dest);
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
