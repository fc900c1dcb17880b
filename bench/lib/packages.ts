// npm publish bodies with real gzipped ustar tarballs of about 5 KB (package/package.json,
// index.js and a README of incompressible text), as npm 11 sends them.

import { createHash, randomBytes } from 'node:crypto';
import { makeTarball } from '../../test/support/tarball.ts';

export const PASSWORD = 'violet kettle orbit 42';

export interface Built {
  body: string;
  tarballBytes: number;
}

/** ~4.5 KB of random bytes as base64 gzip to a tarball of about 5 KB. */
const FILLER_BYTES = 4500;

export function manifestFor(name: string, version: string): Record<string, unknown> {
  return {
    name,
    version,
    description: `Benchmark package ${name}`,
    main: 'index.js',
    license: 'MIT',
    keywords: ['bench', 'tessera'],
    repository: { type: 'git', url: 'git+https://example.invalid/bench.git' },
    dependencies: { semver: '^7.6.0', 'tiny-lru': '^11.0.0' },
    engines: { node: '>=18' },
  };
}

export function tarballFor(name: string, version: string, fillerBytes = FILLER_BYTES): Buffer {
  return makeTarball({
    'package.json': JSON.stringify(manifestFor(name, version)),
    'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
    'README.md': `# ${name}\n\n${randomBytes(fillerBytes).toString('base64')}\n`,
  });
}

export function digests(tarball: Buffer): { integrity: string; shasum: string } {
  return {
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
    shasum: createHash('sha1').update(tarball).digest('hex'),
  };
}

export function publishBody(name: string, version: string, fillerBytes = FILLER_BYTES): Built {
  const tarball = tarballFor(name, version, fillerBytes);
  const file = `${name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name}-${version}.tgz`;
  const body = {
    _id: name,
    name,
    description: `Benchmark package ${name}`,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...manifestFor(name, version),
        readme: 'ERROR: No README data found!',
        _id: `${name}@${version}`,
        _nodeVersion: '20.20.2',
        _npmVersion: '11.19.1',
        dist: { ...digests(tarball), tarball: `http://127.0.0.1/${name}/-/${file}` },
      },
    },
    access: null,
    _attachments: {
      [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length },
    },
  };
  return { body: JSON.stringify(body), tarballBytes: tarball.length };
}

/** Publish bodies of distinct versions, built ahead so that building costs no time in a measurement. */
export class BodyPool {
  private next = 0;
  private readonly ready: string[] = [];

  constructor(
    private readonly name: string,
    private readonly major: number,
    prebuild: number,
  ) {
    for (let i = 0; i < prebuild; i++) this.ready.push(this.build(i));
  }

  private build(i: number): string {
    return publishBody(this.name, `${this.major}.${Math.floor(i / 1000)}.${i % 1000}`).body;
  }

  take(): string {
    const i = this.next++;
    return i < this.ready.length ? this.ready[i] : this.build(i);
  }

  get used(): number {
    return this.next;
  }
}
