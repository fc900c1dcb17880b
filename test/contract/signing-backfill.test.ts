// Registry signatures for versions stored before them (issue 19): the migration marks every
// stored version, and the one-off pass at start (core/packages/sign-stored.ts) signs each once
// through unsignedVersions/setSignatures, in both adapters: a database at the schema just before
// the migration, with versions as older code wrote them, then opened by the current code.

import assert from 'node:assert/strict';
import { oldDatabaseTests } from '../support/old-database.ts';
import { generateSigningKey, parseSigningKeys, staticSigning, verifyVersion } from '../../src/core/packages/signatures.ts';
import { signStoredVersions } from '../../src/core/packages/sign-stored.ts';
import type { Store } from '../../src/core/ports.ts';
import { publish, version } from './suite/harness.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const INTEGRITY = (n: number) => `sha512-${Buffer.alloc(64, n).toString('base64')}`;
const manifest = (name: string, v: string, n: number) => JSON.stringify({ name, version: v, dist: { integrity: INTEGRITY(n), shasum: 'a'.repeat(40) } });
const OLD_ROWS = [
  `INSERT INTO packages (name, rev, access, created_at, modified_at) VALUES ('old-lib', 2, 'public', '${T0}', '${T0}'), ('@s/old', 1, 'public', '${T0}', '${T0}')`,
  `INSERT INTO versions (package, version, manifest, published_at, file, blob_key, size, integrity, shasum) VALUES
    ('old-lib', '1.0.0', '${manifest('old-lib', '1.0.0', 1)}', '${T0}', 'old-lib-1.0.0.tgz', 'a', 1, '${INTEGRITY(1)}', 's'),
    ('old-lib', '1.1.0', '${manifest('old-lib', '1.1.0', 2)}', '${T0}', 'old-lib-1.1.0.tgz', 'b', 1, '${INTEGRITY(2)}', 's'),
    ('@s/old', '0.1.0', '${manifest('@s/old', '0.1.0', 3)}', '${T0}', 'old-0.1.0.tgz', 'c', 1, '${INTEGRITY(3)}', 's')`,
  `INSERT INTO dist_tags (package, tag, version) VALUES ('old-lib', 'latest', '1.1.0'), ('@s/old', 'latest', '0.1.0')`,
];

const signingIndex = (list: readonly string[]) => {
  const i = list.findIndex((m) => m.includes('ADD COLUMN needs_signature'));
  assert.ok(i > 0, 'the signing migration exists');
  return i;
};

async function assertSignedOnce(store: Store) {
  const signing = staticSigning(parseSigningKeys(generateSigningKey()));
  const key = signing.current();
  assert.equal((await store.packages.unsignedVersions(2)).length, 2, 'a batch is at most the limit');
  const changed: string[] = [];
  assert.equal(await signStoredVersions({ store, signing, packageChanged: (n) => changed.push(n) }, 2), 3);
  assert.deepEqual([...new Set(changed)].sort(), ['@s/old', 'old-lib']);
  for (const [name, v, n] of [['old-lib', '1.0.0', 1], ['old-lib', '1.1.0', 2], ['@s/old', '0.1.0', 3]] as const) {
    const one = await store.packages.getVersion(name, v);
    const dist = one!.version.manifest.dist as { integrity: string; signatures: Array<{ keyid: string; sig: string }> };
    assert.equal(dist.integrity, INTEGRITY(n), 'the rest of dist is kept');
    assert.equal(dist.signatures.length, 1);
    assert.equal(dist.signatures[0].keyid, key.keyid);
    assert.ok(verifyVersion(key.publicKey, name, v, INTEGRITY(n), dist.signatures[0].sig), `${name}@${v}`);
  }
  assert.equal((await store.packages.get('old-lib'))!.rev, 2, 'signing is no change of the package');
  // Once: nothing is marked any more, a second pass signs nothing, setSignatures refuses.
  assert.deepEqual(await store.packages.unsignedVersions(10), []);
  assert.equal(await signStoredVersions({ store, signing, packageChanged: () => {} }), 0);
  assert.equal(await store.packages.setSignatures('old-lib', '1.0.0', [{ keyid: 'x', sig: 'y' }]), false);
  assert.equal(await store.packages.setSignatures('no-such', '1.0.0', [{ keyid: 'x', sig: 'y' }]), false);
  // A version published since is never marked (it is signed at publish).
  await store.packages.commit('old-lib', publish(version('2.0.0')));
  assert.deepEqual(await store.packages.unsignedVersions(10), []);
}

oldDatabaseTests({ title: 'versions stored before signatures are signed once', before: signingIndex, rows: OLD_ROWS, check: assertSignedOnce });
