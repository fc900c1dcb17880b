// The BlobStore contract against a real S3-protocol server (s3rver, started here), and the
// parsing of `blobs` URLs.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { withBlobCache } from '../../src/adapters/cached-blobs.ts';
import { createFsBlobStore } from '../../src/adapters/fs-blobs.ts';
import { createS3BlobStore, parseS3Url } from '../../src/adapters/s3-blobs.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { blobContract } from './blob-contract.ts';

describe('S3 blob store', () => {
  let s3: TestS3;
  let n = 0;
  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3?.stop();
  });

  blobContract('S3 (s3rver)', async () => {
    // A new bucket (created by ensureBucket, as at start) and a prefix per test.
    const blobs = createS3BlobStore(parseS3Url(`${s3.url(`bucket-${++n}`).replace('?', '/tarballs?')}`));
    await blobs.ensureBucket();
    await blobs.ensureBucket();
    return { blobs, cleanup: async () => blobs.close() };
  });
});

blobContract('local disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-blobs-'));
  return { blobs: createFsBlobStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

// The memory cache in front (server.ts): small blobs kept and handed out whole, large ones
// (over an eighth of the budget) streamed from the store behind it.
for (const [label, budget] of [['small', 64 * 1024 * 1024], ['large, streamed', 1024 * 1024]] as const) {
  blobContract(`local disk behind the memory cache (${label} blobs)`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-blobs-'));
    return { blobs: withBlobCache(createFsBlobStore(dir), budget), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });
}

test('an s3:// URL names the bucket, prefix, endpoint, region and credentials', () => {
  const loc = parseS3Url('s3://AK:S%2FK@my-bucket/npm/tarballs/?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-3');
  assert.equal(loc.bucket, 'my-bucket');
  assert.equal(loc.prefix, 'npm/tarballs/');
  assert.equal(loc.client.endpoint, 'http://127.0.0.1:9000');
  assert.equal(loc.client.region, 'eu-west-3');
  assert.deepEqual(loc.client.credentials, { accessKeyId: 'AK', secretAccessKey: 'S/K' });
  assert.equal(loc.client.forcePathStyle, true);
  assert.equal(loc.client.requestChecksumCalculation, 'WHEN_REQUIRED');
  assert.equal(loc.client.responseChecksumValidation, 'WHEN_REQUIRED');
  const aws = parseS3Url('s3://plain?pathStyle=false', { AWS_REGION: 'us-west-2' });
  assert.equal(aws.prefix, '');
  assert.equal(aws.client.region, 'us-west-2');
  assert.equal(aws.client.endpoint, undefined);
  assert.equal(aws.client.credentials, undefined);
  assert.equal(aws.client.forcePathStyle, false);
  assert.throws(() => parseS3Url('http://bucket'));
});
