// The abbreviated packument is the full one's versions projected onto npm's install fields:
// abbreviatedPackument picks them from the manifest directly (core/packages/packument.ts), and
// these tests hold the two forms equal over many kinds of manifest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ABBREVIATED, abbreviatedPackument, fullPackument } from '../../src/core/packages/packument.ts';
import { PROVENANCE_KEY } from '../../src/core/packages/provenance.ts';
import type { PackageRecord, VersionRecord } from '../../src/core/ports.ts';

const URL = 'http://registry.test/';

function pkgOf(name: string, versions: VersionRecord[]): PackageRecord {
  return {
    name,
    rev: 3,
    access: 'public',
    unpublished: false,
    org: null,
    mfa: { publishRequiresTfa: false, automationOverridesTfa: false },
    createdAt: '2026-01-01T00:00:00.000Z',
    modifiedAt: '2026-02-01T00:00:00.000Z',
    owners: [{ id: 1, name: 'ann', email: 'ann@example.com' }],
    distTags: { latest: versions.at(-1)?.version ?? '1.0.0' },
    versions,
    removedVersions: [],
    stars: [],
  };
}

/** The full packument's versions with only the ABBREVIATED fields, in that order. */
function projected(full: Record<string, unknown>): Record<string, unknown> {
  const versions = full.versions as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(versions).map(([v, doc]) => [v, Object.fromEntries(ABBREVIATED.filter((k) => doc[k] !== undefined).map((k) => [k, doc[k]]))]));
}

const field = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }));
const manifestArb = fc.record(
  {
    description: fc.string(),
    dependencies: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
    deprecated: fc.string(),
    hasInstallScript: fc.boolean(),
    scripts: fc.record({ install: fc.string(), test: fc.string(), postinstall: fc.oneof(fc.string(), fc.integer()) }, { requiredKeys: [] }),
    bin: field,
    engines: field,
    os: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
    funding: field,
    readme: fc.string(),
    readmeFilename: fc.string(),
    _hasShrinkwrap: fc.boolean(),
    [PROVENANCE_KEY]: field,
    main: fc.string(),
    unknownField: field,
  },
  { requiredKeys: [] },
);
const versionArb = fc.record({
  manifest: manifestArb,
  deprecated: fc.option(fc.string({ minLength: 1 }), { nil: null }),
  attestations: fc.boolean(),
});

test('the abbreviated packument equals the full one projected onto the install fields, for any manifest', () => {
  fc.assert(
    fc.property(fc.array(versionArb, { minLength: 1, maxLength: 4 }), (vs) => {
      const versions: VersionRecord[] = vs.map((v, i) => {
        const version = `1.0.${i}`;
        const dist: Record<string, unknown> = { integrity: `sha512-${i}`, shasum: `${i}` };
        if (v.attestations) dist.attestations = { provenance: { predicateType: 'https://slsa.dev/provenance/v1' } };
        return {
          version,
          manifest: { name: 'p', version, ...v.manifest, dist },
          publishedAt: `2026-01-0${i + 1}T00:00:00.000Z`,
          deprecated: v.deprecated,
          tarball: { file: `p-${version}.tgz`, blobKey: 'k', size: 1, integrity: `sha512-${i}`, shasum: `${i}` },
        };
      });
      const pkg = pkgOf('p', versions);
      const abbreviated = abbreviatedPackument(pkg, URL);
      // Key order matters too: the bodies' bytes (and their ETags) are compared by clients.
      assert.equal(JSON.stringify(abbreviated.versions), JSON.stringify(projected(fullPackument(pkg, URL))));
      assert.deepEqual(Object.keys(abbreviated), ['name', 'modified', 'dist-tags', 'versions']);
    }),
    { numRuns: 300 },
  );
});

test('an abbreviated version: the tarball URL made from the public URL, deprecation and install scripts from the stored record', () => {
  const pkg = pkgOf('@acme/widget', [
    {
      version: '2.0.0',
      manifest: { name: '@acme/widget', version: '2.0.0', scripts: { postinstall: 'node x.js' }, readme: 'long', dist: { integrity: 'sha512-x', tarball: 'http://elsewhere/x.tgz' } },
      publishedAt: '2026-01-01T00:00:00.000Z',
      deprecated: 'use 3',
      tarball: { file: 'widget-2.0.0.tgz', blobKey: 'k', size: 1, integrity: 'sha512-x', shasum: 's' },
    },
  ]);
  const v = (abbreviatedPackument(pkg, URL).versions as Record<string, Record<string, unknown>>)['2.0.0'];
  assert.deepEqual(v, {
    name: '@acme/widget',
    version: '2.0.0',
    deprecated: 'use 3',
    dist: { integrity: 'sha512-x', tarball: 'http://registry.test/@acme/widget/-/widget-2.0.0.tgz' },
    hasInstallScript: true,
  });
});
