// The contract of a BlobStore (local disk, S3): content-addressed, idempotent puts, exact
// bytes back, deletion, and null for what is not there.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { BlobStore } from '../../src/core/ports.ts';

const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

export function blobContract(label: string, factory: () => Promise<{ blobs: BlobStore; cleanup(): Promise<void> }>): void {
  describe(`BlobStore contract: ${label}`, () => {
    const check = (name: string, fn: (blobs: BlobStore) => Promise<void>) =>
      test(name, async () => {
        const { blobs, cleanup } = await factory();
        try {
          await fn(blobs);
        } finally {
          await cleanup();
        }
      });

    check('a put returns the key, and get returns exactly the bytes', async (blobs) => {
      const bytes = randomBytes(300_000);
      const key = await blobs.put(bytes, sha512(bytes));
      assert.equal(key, sha512(bytes));
      const back = await blobs.get(key);
      assert.ok(back);
      assert.ok(back.equals(bytes));
    });

    check('stream gives the size and exactly the bytes, read with back-pressure; null for what is not there', async (blobs) => {
      const bytes = randomBytes(1_500_000);
      const key = await blobs.put(bytes, sha512(bytes));
      const opened = await blobs.stream(key);
      assert.ok(opened);
      assert.equal(opened.size, bytes.length);
      let back = opened.bytes;
      if (!back) {
        const chunks: Buffer[] = [];
        for await (const chunk of opened.body!) chunks.push(chunk as Buffer);
        back = Buffer.concat(chunks);
      }
      assert.ok(back.equals(bytes));
      const unread = await blobs.stream(key);
      unread?.body?.destroy();
      assert.equal(await blobs.stream(sha512(Buffer.from('never stored'))), null);
      assert.equal(await blobs.stream('../../etc/passwd'), null);
    });

    check('putting the same bytes again is harmless', async (blobs) => {
      const bytes = Buffer.from('same tarball');
      const key = sha512(bytes);
      await blobs.put(bytes, key);
      await Promise.all([blobs.put(bytes, key), blobs.put(bytes, key)]);
      assert.ok((await blobs.get(key))?.equals(bytes));
    });

    check('an empty blob round-trips', async (blobs) => {
      const bytes = Buffer.alloc(0);
      const key = await blobs.put(bytes, sha512(bytes));
      assert.deepEqual(await blobs.get(key), bytes);
    });

    check('a deleted blob is gone; deleting again or deleting a missing one is fine', async (blobs) => {
      const bytes = Buffer.from('to delete');
      const key = await blobs.put(bytes, sha512(bytes));
      const keep = Buffer.from('to keep');
      await blobs.put(keep, sha512(keep));
      await blobs.delete(key);
      assert.equal(await blobs.get(key), null);
      await blobs.delete(key);
      await blobs.delete('0'.repeat(128));
      assert.ok((await blobs.get(sha512(keep)))?.equals(keep));
    });

    check('missing and malformed keys read as null; a malformed key is never stored', async (blobs) => {
      assert.equal(await blobs.get('a'.repeat(128)), null);
      assert.equal(await blobs.get('../../etc/passwd'), null);
      assert.equal(await blobs.get(''), null);
      await assert.rejects(blobs.put(Buffer.from('x'), 'not-a-digest'));
    });
  });
}
