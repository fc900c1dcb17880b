// Registry signatures (issue 19): npmjs's keyid form, DER signatures npm's check accepts, the
// key list's text form and rotation.
import assert from 'node:assert/strict';
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  formatSigningKeys, generateSigningKey, parseSigningKeys, publicKeyEntry, rotateSigningKeys, signingKeyFromBase64, signVersion, sshKeyId, staticSigning, verifyVersion,
} from '../../src/core/packages/signatures.ts';

// npmjs's published key (https://registry.npmjs.org/-/npm/v1/keys, docs.npmjs.com/about-registry-signatures).
const NPMJS_KEY = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==';
const NPMJS_KEYID = 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA';

test('the keyid of npmjs\'s published key is the one npmjs lists (SHA-256 of the OpenSSH wire form, unpadded base64)', () => {
  const key = createPublicKey({ key: Buffer.from(NPMJS_KEY, 'base64'), format: 'der', type: 'spki' });
  assert.equal(sshKeyId(key), NPMJS_KEYID);
  assert.deepEqual(publicKeyEntry(key, null), { expires: null, keyid: NPMJS_KEYID, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: NPMJS_KEY });
});

test('a signature is base64 DER over NAME@VERSION:INTEGRITY and passes the check pacote makes (createVerify SHA256, PEM key)', () => {
  const key = signingKeyFromBase64(generateSigningKey(), null);
  const integrity = 'sha512-' + Buffer.alloc(64, 7).toString('base64');
  const { keyid, sig } = signVersion(key, '@scope/pkg', '1.2.3', integrity);
  assert.equal(keyid, key.keyid);
  const der = Buffer.from(sig, 'base64');
  assert.equal(der[0], 0x30, 'a DER SEQUENCE, not the 64-byte P1363 form');
  const pem = `-----BEGIN PUBLIC KEY-----\n${publicKeyEntry(key.publicKey, null).key}\n-----END PUBLIC KEY-----`;
  const verifier = createVerify('SHA256');
  verifier.write('@scope/pkg@1.2.3:' + integrity);
  verifier.end();
  assert.equal(verifier.verify(pem, sig, 'base64'), true);
  assert.equal(verifyVersion(key.publicKey, '@scope/pkg', '1.2.3', integrity, sig), true);
  assert.equal(verifyVersion(key.publicKey, '@scope/pkg', '1.2.4', integrity, sig), false, 'another version does not verify');
  assert.equal(verifyVersion(key.publicKey, '@scope/pkg', '1.2.3', 'sha512-' + Buffer.alloc(64, 8).toString('base64'), sig), false, 'another integrity does not verify');
});

test('key lists: text form round-trips, the first key without an expiry signs, all are listed', () => {
  const a = generateSigningKey();
  const b = generateSigningKey();
  const keys = parseSigningKeys(`${b}, ${a}@2026-01-02T03:04:05Z`);
  assert.equal(keys[1].expires, '2026-01-02T03:04:05.000Z');
  const signing = staticSigning(keys);
  assert.equal(signing.current().keyid, keys[0].keyid);
  assert.deepEqual(signing.list().map((k) => k.expires), [null, '2026-01-02T03:04:05.000Z']);
  assert.deepEqual(parseSigningKeys(formatSigningKeys(keys)).map((k) => [k.keyid, k.expires]), keys.map((k) => [k.keyid, k.expires]));
  // Rolling across nodes: a second key without expiry is listed but does not sign.
  const rolling = staticSigning(parseSigningKeys(`${a},${b}`));
  assert.equal(rolling.current().keyid, keys[1].keyid);
  assert.equal(rolling.list().length, 2);
});

test('rotation: a new key signs, the old one stays listed expiring at the rotation moment', () => {
  const old = parseSigningKeys(generateSigningKey());
  const now = new Date('2026-11-29T20:00:00Z');
  const rotated = rotateSigningKeys(old, now);
  assert.equal(rotated.length, 2);
  assert.notEqual(rotated[0].keyid, old[0].keyid);
  assert.equal(rotated[0].expires, null);
  assert.deepEqual([rotated[1].keyid, rotated[1].expires], [old[0].keyid, now.toISOString()]);
  assert.equal(staticSigning(rotated).current().keyid, rotated[0].keyid);
});

test('malformed key lists are refused, naming the problem and never the key', () => {
  const k = generateSigningKey();
  assert.throws(() => parseSigningKeys(''), /no signing key/);
  assert.throws(() => parseSigningKeys('bm90IGEga2V5'), (e: Error) => /signing key 1 is not a base64 PKCS#8/.test(e.message) && !e.message.includes('bm90'));
  assert.throws(() => parseSigningKeys(`${k}@yesterday`), /expiry is not an ISO-8601 time/);
  assert.throws(() => parseSigningKeys(`${k}@2026-01-01T00:00:00Z`), /one must be without/);
  // An RSA or P-384 key is not npm's scheme.
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  assert.throws(() => parseSigningKeys(p384), /P-256/);
});

test('proxied packuments: the upstream\'s signatures are kept, Tessera\'s added once, over dist.integrity or the sha1 pacote derives from a shasum', async () => {
  const { addRegistrySignatures, parseUpstreamKeys } = await import('../../src/core/proxy/upstream-signatures.ts');
  const signing = staticSigning(parseSigningKeys(generateSigningKey()));
  const theirs = { keyid: 'SHA256:upstream', sig: 'MEUC' };
  const integrity = 'sha512-' + Buffer.alloc(64, 1).toString('base64');
  const shasum = 'ab'.repeat(20);
  const doc: Record<string, any> = { name: 'p', versions: { '1.0.0': { dist: { integrity, signatures: [theirs] } }, '0.1.0': { dist: { shasum } }, bad: 'x' } };
  assert.equal(addRegistrySignatures(signing, 'p', doc), true);
  assert.equal(addRegistrySignatures(signing, 'p', doc), true, 'again: replaces its own, never piles up');
  const [up, ours] = doc.versions['1.0.0'].dist.signatures;
  assert.deepEqual(up, theirs);
  assert.equal(doc.versions['1.0.0'].dist.signatures.length, 2);
  assert.ok(verifyVersion(signing.current().publicKey, 'p', '1.0.0', integrity, ours.sig));
  const sha1 = `sha1-${Buffer.from(shasum, 'hex').toString('base64')}`;
  assert.ok(verifyVersion(signing.current().publicKey, 'p', '0.1.0', sha1, doc.versions['0.1.0'].dist.signatures[0].sig));
  assert.equal(addRegistrySignatures(undefined, 'p', doc), false, 'no key: nothing added');
  // Upstream key lists: npmjs's five fields only; anything else is no list.
  const npmjs = { expires: null, keyid: NPMJS_KEYID, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: NPMJS_KEY };
  assert.deepEqual(parseUpstreamKeys(Buffer.from(JSON.stringify({ keys: [{ ...npmjs, extra: 1 }] }))), [npmjs]);
  for (const bad of ['nope', '{}', '{"keys":[1]}', JSON.stringify({ keys: [{ ...npmjs, key: '<script>' }] }), JSON.stringify({ keys: [{ ...npmjs, expires: 5 }] })]) {
    assert.equal(parseUpstreamKeys(Buffer.from(bad)), null, bad);
  }
});
