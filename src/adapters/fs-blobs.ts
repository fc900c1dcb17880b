// Tarballs on the local disk, named by the SHA-512 of their bytes. A put writes a temporary
// file, fsyncs it, renames it into place and fsyncs the folder: after a crash a tarball is
// either complete under its name or absent, never half-written, and its bytes always match
// its name (and so its integrity).
//
// The steps that take microseconds (open, a write of at most SYNC_WRITE_BYTES, close, rename)
// are synchronous calls: each of them as a promise cost more CPU on the event loop and the
// thread pool than the call itself. The fsyncs, which wait for the disk, and larger writes stay
// on the thread pool.

import { randomBytes } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, renameSync, rmSync, write, writeSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BlobStore } from '../core/ports.ts';

const KEY = /^[0-9a-f]{128}$/;
/** Largest blob written with synchronous writes (larger ones are written on the thread pool). */
const SYNC_WRITE_BYTES = 1024 * 1024;
const fsyncFd = promisify(fsync);
const writeAsync = promisify(write);

/** fsync of an open descriptor, which is closed afterwards whatever happens. */
async function syncAndClose(fd: number): Promise<void> {
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `bytes` at the descriptor's position: synchronously up to SYNC_WRITE_BYTES, else on the thread pool. */
async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  if (bytes.length <= SYNC_WRITE_BYTES) {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    return;
  }
  for (let at = 0; at < bytes.length; ) at += (await writeAsync(fd, bytes, at, bytes.length - at)).bytesWritten;
}

export function createFsBlobStore(root: string): BlobStore {
  const tmp = join(root, 'tmp');
  // Temporary files left by a crash were never renamed into place: nothing refers to them.
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const pathOf = (key: string) => join(root, key.slice(0, 2), `${key}.tgz`);
  // The (at most 256) prefix folders made or found by this process: made once, not per put.
  const made = new Set<string>();
  // Temporary names: unique within the process by the counter, across processes by the prefix.
  const tempPrefix = randomBytes(6).toString('hex');
  let temps = 0;
  return {
    async put(bytes, sha512Hex) {
      if (!KEY.test(sha512Hex)) throw new Error('blob key must be a sha512 hex digest');
      const dir = join(root, sha512Hex.slice(0, 2));
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        made.add(dir);
      }
      const temp = join(tmp, `${sha512Hex.slice(0, 16)}-${tempPrefix}-${++temps}`);
      const fd = openSync(temp, 'wx', 0o600); // files at rest are private (docs/operations.md)
      try {
        await writeAll(fd, bytes);
      } catch (e) {
        closeSync(fd);
        rmSync(temp, { force: true });
        throw e;
      }
      await syncAndClose(fd);
      try {
        try {
          renameSync(temp, pathOf(sha512Hex));
        } catch (e) {
          // the prefix folder was removed behind this process's back: make it again
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          renameSync(temp, pathOf(sha512Hex));
        }
      } catch (e) {
        rmSync(temp, { force: true });
        throw e;
      }
      await syncAndClose(openSync(dir, 'r'));
      return sha512Hex;
    },
    async get(key) {
      if (!KEY.test(key)) return null;
      try {
        return await readFile(pathOf(key));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async stream(key) {
      if (!KEY.test(key)) return null;
      let handle;
      try {
        handle = await open(pathOf(key), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      try {
        const { size } = await handle.stat();
        // The stream owns the handle from here: it closes it at the end or when destroyed.
        return { size, body: handle.createReadStream({ highWaterMark: 64 * 1024 }) };
      } catch (e) {
        await handle.close();
        throw e;
      }
    },
    async delete(key) {
      if (!KEY.test(key)) return;
      await unlink(pathOf(key)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    },
  };
}
