// Registry signatures (npm's ECDSA P-256 scheme): every version's `dist.signatures` holds
// `{keyid, sig}`, `sig` being a base64 DER ECDSA-SHA256 signature over
// `${name}@${version}:${integrity}`, as pacote (lib/registry.js, `verifySignatures`) checks it
// with `crypto.createVerify('SHA256')` against the keys of `GET /-/npm/v1/keys`
// (npm lib/utils/verify-signatures.js). Signed once at publish, stored, never per read.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

/** One key as `GET /-/npm/v1/keys` lists it (npmjs's shape). */
export interface PublicKeyEntry {
  /** ISO-8601 moment after which versions published are not to be trusted with it, or null. */
  expires: string | null;
  /** `SHA256:` + unpadded base64 of the SHA-256 of the OpenSSH wire encoding (as `ssh-keygen -l`). */
  keyid: string;
  keytype: 'ecdsa-sha2-nistp256';
  scheme: 'ecdsa-sha2-nistp256';
  /** Base64 DER SubjectPublicKeyInfo, one line. */
  key: string;
}

export interface RegistrySignature {
  keyid: string;
  /** Base64 DER ECDSA signature. */
  sig: string;
}

/** A private key with its keyid and expiry. */
export interface SigningKey {
  keyid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  expires: string | null;
}

/** What the use cases sign with: the current key, and every key to list (current first). */
export interface RegistrySigning {
  /** The key new signatures are made with (never one with `expires` set). */
  current(): SigningKey;
  /** Every key clients should accept, as `GET /-/npm/v1/keys` lists them. */
  list(): PublicKeyEntry[];
}

const KEYTYPE = 'ecdsa-sha2-nistp256';

function sshString(bytes: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

/** Throws unless `key` is an EC key on P-256 (the only curve npm's scheme names). */
function requireP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('a registry signing key must be an ECDSA P-256 key');
  }
}

/**
 * The npmjs keyid of a P-256 public key: `SHA256:` + unpadded base64 of SHA-256 over the
 * OpenSSH wire form (string "ecdsa-sha2-nistp256", string "nistp256", string Q uncompressed;
 * RFC 5656 §3.1), what `ssh-keygen -l` prints.
 */
export function sshKeyId(publicKey: KeyObject): string {
  requireP256(publicKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const q = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const wire = Buffer.concat([sshString(Buffer.from(KEYTYPE)), sshString(Buffer.from('nistp256')), sshString(q)]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

/** The `/-/npm/v1/keys` entry of a public key. */
export function publicKeyEntry(publicKey: KeyObject, expires: string | null): PublicKeyEntry {
  const key = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  return { expires, keyid: sshKeyId(publicKey), keytype: KEYTYPE, scheme: KEYTYPE, key };
}

/** A signing key from base64 PKCS#8 DER (what `generateSigningKey` makes). Throws on any other key. */
export function signingKeyFromBase64(pkcs8: string, expires: string | null): SigningKey {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  requireP256(publicKey);
  return { keyid: sshKeyId(publicKey), privateKey, publicKey, expires };
}

/** A new P-256 private key as base64 PKCS#8 DER. */
export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

/** The message npm signs and verifies (pacote lib/registry.js): `${name}@${version}:${integrity}`. */
export function signedMessage(name: string, version: string, integrity: string): string {
  return `${name}@${version}:${integrity}`;
}

/** One signature of a version: base64 DER ECDSA-SHA256 (`dsaEncoding: 'der'`, not P1363). About 0.1 ms. */
export function signVersion(key: SigningKey, name: string, version: string, integrity: string): RegistrySignature {
  const sig = sign('sha256', Buffer.from(signedMessage(name, version, integrity)), { key: key.privateKey, dsaEncoding: 'der' });
  return { keyid: key.keyid, sig: sig.toString('base64') };
}

/** Whether `sig` is a valid signature of the version by `publicKey` (the check npm makes). */
export function verifyVersion(publicKey: KeyObject, name: string, version: string, integrity: string, sig: string): boolean {
  return verify('sha256', Buffer.from(signedMessage(name, version, integrity)), { key: publicKey, dsaEncoding: 'der' }, Buffer.from(sig, 'base64'));
}

/**
 * A key list in Tessera's text form (config `signingKeys`, DATA/signing.key): entries separated by
 * commas or new lines, each `BASE64_PKCS8[@EXPIRES]` (EXPIRES an ISO-8601 time). The first entry
 * without an expiry signs; every entry is listed. Throws an Error naming the problem (never the key).
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const entries = text.split(/[,\s]+/).filter((e) => e !== '');
  if (entries.length === 0) throw new Error('no signing key is given');
  const keys = entries.map((entry, i) => {
    const [b64, expires, ...extra] = entry.split('@');
    if (extra.length > 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error(`signing key ${i + 1} is not BASE64[@EXPIRES]`);
    if (expires !== undefined && (!/^\d{4}-\d\d-\d\dT/.test(expires) || Number.isNaN(Date.parse(expires)))) {
      throw new Error(`signing key ${i + 1}: its expiry is not an ISO-8601 time`);
    }
    try {
      return signingKeyFromBase64(b64, expires === undefined ? null : new Date(expires).toISOString());
    } catch {
      throw new Error(`signing key ${i + 1} is not a base64 PKCS#8 ECDSA P-256 private key`);
    }
  });
  if (!keys.some((k) => k.expires === null)) throw new Error('every signing key has an expiry: one must be without, to sign');
  return keys;
}

/** The text form of a key list (see parseSigningKeys), one entry per line. */
export function formatSigningKeys(keys: SigningKey[]): string {
  return keys
    .map((k) => {
      const b64 = k.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
      return k.expires === null ? b64 : `${b64}@${k.expires}`;
    })
    .join('\n');
}

/**
 * Rotation: a new key signs from now on; every key without an expiry gets `now` (the moment
 * of rotation: npm accepts a signature when the version's publish time is before it).
 */
export function rotateSigningKeys(keys: SigningKey[], now: Date, fresh = generateSigningKey()): SigningKey[] {
  const expires = now.toISOString();
  return [signingKeyFromBase64(fresh, null), ...keys.map((k) => (k.expires === null ? { ...k, expires } : k))];
}

/** A RegistrySigning over a fixed list (the first key without expiry signs). */
export function staticSigning(keys: SigningKey[]): RegistrySigning {
  const current = keys.find((k) => k.expires === null);
  if (!current) throw new Error('no signing key without an expiry');
  const list = keys.map((k) => publicKeyEntry(k.publicKey, k.expires));
  return { current: () => current, list: () => list };
}

/**
 * The `dist.signatures` of a version published now, or undefined when the registry has no key.
 * Any signatures the client sent never get here (publish-body.ts builds `dist` from the
 * registry's own values).
 */
export function distSignatures(signing: RegistrySigning | undefined, name: string, version: string, integrity: string): RegistrySignature[] | undefined {
  return signing ? [signVersion(signing.current(), name, version, integrity)] : undefined;
}
