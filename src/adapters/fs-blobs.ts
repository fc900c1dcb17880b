// Tarballs on the local disk, named by the SHA-512 of their bytes. A put writes a temporary
// file, fsyncs it, renames it into place and fsyncs the folder: after a crash a tarball is
// either complete under its name or absent, never half-written, and its bytes always match
// its name (and so its integrity). Every step is on the thread pool: creating and renaming a
// file can wait for the file system's journal while other publishes fsync, and must not hold
// up the event loop meanwhile.

import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../core/ports.ts';

const KEY = /^[0-9a-f]{128}$/;

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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
        await mkdir(dir, { recursive: true, mode: 0o700 });
        made.add(dir);
      }
      const temp = join(tmp, `${sha512Hex.slice(0, 16)}-${tempPrefix}-${++temps}`);
      const handle = await open(temp, 'wx', 0o600); // files at rest are private (docs/operations.md)
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temp, pathOf(sha512Hex)).catch(async (e: NodeJS.ErrnoException) => {
          // the prefix folder was removed behind this process's back: make it again
          if (e.code !== 'ENOENT') throw e;
          await mkdir(dir, { recursive: true, mode: 0o700 });
          await rename(temp, pathOf(sha512Hex));
        });
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      await fsyncDir(dir);
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
