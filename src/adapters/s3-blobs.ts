// Tarballs in an S3-compatible object store, for several nodes that share no disk. Keys are
// `PREFIX<aa>/<sha512 hex>.tgz`, like the local store's file names: content-addressed, so a put
// is idempotent and an object's bytes always match its name. S3 makes an object visible only
// once it is stored completely, and acknowledges a PUT only when it is durable; Content-MD5
// lets the server refuse bytes damaged on the way.
//
// The location is one URL (config `blobs`):
//   s3://BUCKET[/PREFIX]?region=R&endpoint=http://host:port
//   s3://ACCESS_KEY:SECRET@BUCKET/...   (credentials; else AWS_* variables, profiles, roles)
// Path-style requests and checksums only where the server requires them (`WHEN_REQUIRED`)
// keep S3-compatible servers (MinIO, Ceph, s3rver) working with the current SDK.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { BlobStore } from '../core/ports.ts';

const KEY = /^[0-9a-f]{128}$/;

export interface S3Location {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
  client: S3ClientConfig;
}

/** Parses an s3:// URL; `env` supplies AWS_REGION / AWS_DEFAULT_REGION when the URL has none. */
export function parseS3Url(spec: string, env: NodeJS.ProcessEnv = {}): S3Location {
  const url = new URL(spec);
  if (url.protocol !== 's3:' || !url.hostname) throw new Error('blobs must look like s3://BUCKET[/PREFIX][?region=R&endpoint=URL]');
  const path = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const endpoint = url.searchParams.get('endpoint');
  const region = url.searchParams.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const client: S3ClientConfig = {
    region,
    forcePathStyle: url.searchParams.get('pathStyle') !== 'false',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(endpoint ? { endpoint } : {}),
  };
  if (url.username) {
    client.credentials = { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) };
  }
  return { bucket: url.hostname, prefix: path ? `${path}/` : '', client };
}

const isMissing = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.name === 'NoSuchBucket' || err.$metadata?.httpStatusCode === 404;
};

export interface S3BlobStore extends BlobStore {
  /** Creates the bucket when it does not exist (the "migration" of the blob store). */
  ensureBucket(): Promise<void>;
  close(): void;
}

export function createS3BlobStore(location: S3Location): S3BlobStore {
  const s3 = new S3Client(location.client);
  const { bucket, prefix } = location;
  const keyOf = (sha512Hex: string) => `${prefix}${sha512Hex.slice(0, 2)}/${sha512Hex}.tgz`;
  return {
    async ensureBucket() {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        if (!isMissing(e)) throw e;
        await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: { name?: string }) => {
          // Another node created it meanwhile.
          if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
        });
      }
    },
    async put(bytes, sha512Hex) {
      if (!KEY.test(sha512Hex)) throw new Error('blob key must be a sha512 hex digest');
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keyOf(sha512Hex),
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'application/octet-stream',
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
        }),
      );
      return sha512Hex;
    },
    async get(key) {
      if (!KEY.test(key)) return null;
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        if (!res.Body) return null;
        const bytes = await res.Body.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async stream(key) {
      if (!KEY.test(key)) return null;
      try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        if (!res.Body) return null;
        // In Node the SDK's body is the HTTP response itself: read with back-pressure, and
        // destroying it ends the connection to the store.
        const body = res.Body as Readable;
        if (res.ContentLength === undefined) {
          const bytes = Buffer.from(await res.Body.transformToByteArray());
          return { size: bytes.length, bytes };
        }
        return { size: res.ContentLength, body };
      } catch (e) {
        if (isMissing(e)) return null;
        throw e;
      }
    },
    async delete(key) {
      if (!KEY.test(key)) return;
      // Deleting a missing object succeeds in S3.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
    },
    close() {
      s3.destroy();
    },
  };
}
