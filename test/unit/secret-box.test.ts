import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateKey,
  needsReseal,
  openSecret,
  parseKeyRing,
  sealSecret,
  type KeyRing,
} from '../../src/core/accounts/secret-box.ts';

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const k1 = generateKey();
const k0 = generateKey();
const ring: KeyRing = { current: { id: 'k1', key: k1 }, old: [{ id: 'k0', key: k0 }] };
const oldRing: KeyRing = { current: { id: 'k0', key: k0 }, old: [] };

function flipChar(text: string): string {
  const c = text[0] === 'A' ? 'B' : 'A';
  return c + text.slice(1);
}

test('a sealed secret opens with the same key ring and owner', () => {
  const sealed = sealSecret(ring, SECRET, 'user:42');
  assert.equal(openSecret(ring, sealed, 'user:42'), SECRET);
});

test('the sealed form is v1.<keyId>.<iv>.<tag>.<ciphertext> in base64url', () => {
  const sealed = sealSecret(ring, SECRET, 'user:42');
  assert.match(sealed, /^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  assert.ok(!sealed.includes(SECRET));
});

test('sealing twice gives different output (fresh IV each time)', () => {
  assert.notEqual(sealSecret(ring, SECRET, 'u'), sealSecret(ring, SECRET, 'u'));
});

test('a secret sealed for one account does not open for another', () => {
  const sealed = sealSecret(ring, SECRET, 'user:42');
  assert.throws(() => openSecret(ring, sealed, 'user:43'), /failed authentication/);
});

test('a tampered ciphertext, tag or iv is refused', () => {
  const sealed = sealSecret(ring, SECRET, 'user:42');
  const parts = sealed.split('.');
  for (const index of [2, 3, 4]) {
    const copy = [...parts];
    copy[index] = flipChar(copy[index] ?? '');
    assert.throws(() => openSecret(ring, copy.join('.'), 'user:42'), /failed authentication|malformed/, `part ${index}`);
  }
});

test('relabelling a sealed secret with another key id is refused', () => {
  const sealed = sealSecret(ring, SECRET, 'user:42');
  const relabelled = sealed.replace(/^v1\.k1\./, 'v1.k0.');
  assert.throws(() => openSecret(ring, relabelled, 'user:42'), /failed authentication/);
});

test('an unknown key id is a clear error', () => {
  const sealed = sealSecret(ring, SECRET, 'u');
  const other: KeyRing = { current: { id: 'k9', key: generateKey() }, old: [] };
  assert.throws(() => openSecret(other, sealed, 'u'), /unknown key id "k1"/);
});

test('malformed sealed strings are clear errors', () => {
  assert.throws(() => openSecret(ring, 'garbage', 'u'), /malformed/);
  assert.throws(() => openSecret(ring, 'v2.k1.a.b.c', 'u'), /unsupported version/);
  assert.throws(() => openSecret(ring, 'v1.k1.!!.b.c', 'u'), /malformed/);
  assert.throws(() => openSecret(ring, 'v1.k1.AAAA.AAAA.AAAA', 'u'), /iv must be 12 bytes/);
});

test('a secret sealed under an old key still opens after rotation and needs a reseal', () => {
  const sealedOld = sealSecret(oldRing, SECRET, 'user:7');
  assert.equal(openSecret(ring, sealedOld, 'user:7'), SECRET);
  assert.equal(needsReseal(ring, sealedOld), true);
  const resealed = sealSecret(ring, openSecret(ring, sealedOld, 'user:7'), 'user:7');
  assert.equal(needsReseal(ring, resealed), false);
  assert.equal(openSecret(ring, resealed, 'user:7'), SECRET);
});

test('a secret sealed under the current key does not need a reseal', () => {
  assert.equal(needsReseal(ring, sealSecret(ring, SECRET, 'u')), false);
});

test('unicode plaintext and aad round-trip', () => {
  const sealed = sealSecret(ring, 'sécret ✓', 'ユーザー');
  assert.equal(openSecret(ring, sealed, 'ユーザー'), 'sécret ✓');
});

test('a generated key is 32 random bytes', () => {
  const a = generateKey();
  assert.equal(a.length, 32);
  assert.ok(!a.equals(generateKey()));
});

test('a key ring spec lists the current key first, then old keys', () => {
  const spec = `k1:${k1.toString('base64')}, k0:${k0.toString('base64url')}`;
  const parsed = parseKeyRing(spec);
  assert.equal(parsed.current.id, 'k1');
  assert.ok(parsed.current.key.equals(k1));
  assert.deepEqual(parsed.old.map((k) => k.id), ['k0']);
  assert.ok(parsed.old[0]?.key.equals(k0));
  const sealed = sealSecret(ring, SECRET, 'u');
  assert.equal(openSecret(parsed, sealed, 'u'), SECRET);
});

test('a single-key spec has no old keys', () => {
  const parsed = parseKeyRing(`main:${k1.toString('base64')}`);
  assert.equal(parsed.current.id, 'main');
  assert.equal(parsed.old.length, 0);
});

test('a key that is not 32 bytes is refused with a clear error that hides the key', () => {
  const short = Buffer.alloc(16, 7).toString('base64');
  assert.throws(() => parseKeyRing(`k1:${short}`), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.match(err.message, /must decode to 32 bytes, got 16/);
    assert.ok(!err.message.includes(short));
    return true;
  });
});

test('bad key ring specs are refused', () => {
  const good = k1.toString('base64');
  assert.throws(() => parseKeyRing(''), /empty/);
  assert.throws(() => parseKeyRing(' , '), /empty/);
  assert.throws(() => parseKeyRing(good), /id:base64key/);
  assert.throws(() => parseKeyRing(`a.b:${good}`), /key id/);
  assert.throws(() => parseKeyRing(`k1:${good},k1:${good}`), /duplicate key id "k1"/);
  assert.throws(() => parseKeyRing('k1:not base64!!'), /not valid base64/);
});

test('sealing with a key of the wrong length is refused', () => {
  const bad: KeyRing = { current: { id: 'k1', key: Buffer.alloc(16) }, old: [] };
  assert.throws(() => sealSecret(bad, SECRET, 'u'), /must be 32 bytes/);
});
