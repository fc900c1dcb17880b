// Builds npm-style tarballs (gzipped ustar with package/...) and publish bodies for tests.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

function header(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export function makeTarball(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    parts.push(header(`package/${name}`, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

/** A tar archive (not gzipped) of entries given with their full paths, duplicates and odd types allowed. */
export function tarArchive(entries: Array<{ path: string; content?: string | Buffer; type?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.content ?? '');
    parts.push(header(e.path, data.length, e.type ?? '0'), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A publish body for a given gzipped tarball, with checksums that match it. */
export function publishBodyFor(name: string, version: string, tarball: Buffer, manifest: Record<string, unknown> = {}): Record<string, any> {
  const body = publishBody(name, version, { manifest });
  const v = body.versions[version];
  v.dist.integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  v.dist.shasum = createHash('sha1').update(tarball).digest('hex');
  const att = Object.values(body._attachments)[0] as Record<string, unknown>;
  att.data = tarball.toString('base64');
  att.length = tarball.length;
  return body;
}

export interface PublishOptions {
  tag?: string;
  access?: 'public' | 'restricted' | null;
  manifest?: Record<string, unknown>;
  /** Corrupts the body after the checksums were computed. */
  tamper?: (body: Record<string, any>) => void;
  tarballManifest?: Record<string, unknown>;
  /** More files in the tarball, beside package.json and index.js. */
  files?: Record<string, string>;
}

export function publishBody(name: string, version: string, options: PublishOptions = {}): Record<string, any> {
  const pkgJson = { name, version, main: 'index.js', ...options.manifest };
  const tarball = makeTarball({
    'package.json': JSON.stringify(options.tarballManifest ?? pkgJson),
    'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
    ...options.files,
  });
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  const shasum = createHash('sha1').update(tarball).digest('hex');
  const body: Record<string, any> = {
    _id: name,
    name,
    description: 'test package',
    'dist-tags': { [options.tag ?? 'latest']: version },
    versions: {
      [version]: {
        ...pkgJson,
        _id: `${name}@${version}`,
        _nodeVersion: '20.20.2',
        _npmVersion: '11.19.1',
        dist: { integrity, shasum, tarball: `http://localhost/${name}/-/${name}-${version}.tgz` },
      },
    },
    access: options.access ?? null,
    _attachments: {
      [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length },
    },
  };
  options.tamper?.(body);
  return body;
}
