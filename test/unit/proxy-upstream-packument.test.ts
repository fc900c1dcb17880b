// The checks and the view of an upstream packument (core/proxy/upstream-packument.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadUpstreamPackument, integrityOf, parseUpstreamPackument, proxiedView, tarballFileOf } from '../../src/core/proxy/upstream-packument.ts';

const doc = {
  name: '@s/pkg',
  'dist-tags': { latest: '1.1.0' },
  versions: {
    '1.0.0': { name: '@s/pkg', version: '1.0.0', dist: { tarball: 'https://up.example/@s/pkg/-/pkg-1.0.0.tgz', shasum: 'ab'.repeat(20) } },
    '1.1.0': { name: '@s/pkg', version: '1.1.0', dist: { tarball: 'https://up.example/@s/pkg/-/pkg-1.1.0.tgz', integrity: 'sha1-xx sha512-yy==', shasum: 'cd'.repeat(20) } },
  },
};

test('a valid packument parses; every kind of bad one is refused with the reason', () => {
  assert.equal(parseUpstreamPackument(Buffer.from(JSON.stringify(doc)), '@s/pkg').name, '@s/pkg');
  for (const [body, why] of [
    ['nope', /not valid JSON/],
    ['null', /not a JSON object/],
    [JSON.stringify({ ...doc, name: '@s/other' }), /names "@s\/other"/],
    [JSON.stringify({ ...doc, versions: { '1.0.0': { dist: { tarball: 'ftp://x/a.tgz', shasum: 'a' } } } }), /http\(s\) dist\.tarball/],
    [JSON.stringify({ ...doc, 'dist-tags': { latest: {} } }), /dist-tags/],
  ] as const) {
    assert.throws(() => parseUpstreamPackument(Buffer.from(body), '@s/pkg'), (e: Error) => e instanceof BadUpstreamPackument && why.test(e.message));
  }
});

test('the integrity checked is the sha512 of dist.integrity, else sha1 from the shasum', () => {
  assert.equal(integrityOf({ integrity: 'sha1-xx sha512-yy==' }), 'sha512-yy==');
  assert.equal(integrityOf({ shasum: 'ab'.repeat(20) }), `sha1-${Buffer.from('ab'.repeat(20), 'hex').toString('base64')}`);
  assert.equal(integrityOf({ integrity: 'md5-zz' }), null);
  assert.equal(tarballFileOf('https://r/@s/pkg/-/pkg-1.0.0.tgz'), 'pkg-1.0.0.tgz');
  assert.equal(tarballFileOf('https://r/pkg/-/'), null);
  assert.equal(tarballFileOf('https://r/pkg/-/pkg%2F..%2Fx.tgz'), null, 'no path separators in a file name');
});

test('the view rewrites every tarball URL to the public URL and lists the files with their upstream URL', () => {
  const view = proxiedView(doc, 'full', 'full', '@s/pkg', 'https://tessera.example/npm/', { nowMs: 0, minReleaseAgeMs: 0, blocked: new Map() });
  const versions = view.doc.versions as Record<string, { dist: { tarball: string } }>;
  assert.equal(versions['1.0.0'].dist.tarball, 'https://tessera.example/npm/@s/pkg/-/pkg-1.0.0.tgz');
  assert.equal(versions['1.1.0'].dist.tarball, 'https://tessera.example/npm/@s/pkg/-/pkg-1.1.0.tgz');
  assert.deepEqual(view.files.get('pkg-1.1.0.tgz'), { version: '1.1.0', url: 'https://up.example/@s/pkg/-/pkg-1.1.0.tgz', integrity: 'sha512-yy==' });
  assert.equal((doc.versions['1.0.0'].dist as { tarball: string }).tarball, 'https://up.example/@s/pkg/-/pkg-1.0.0.tgz', 'the source is not changed');
});
