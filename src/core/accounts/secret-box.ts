/**
 * Encryption at rest for TOTP secrets (RFC 4226 §7.5; NIST SP 800-63B §5.1.4.2;
 * ASVS 4.0.3 2.8.2: AES-256-GCM under a key
 * held outside the database), with key rotation.
 *
 * Sealed format (self-describing, ASCII, no separators inside parts):
 *   v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 * IV: 12 random bytes per seal; tag: 16 bytes.
 *
 * Additional authenticated data = `v1.<keyId>.` + the caller's `aad` (e.g. the
 * user id), so a sealed value copied to another account, or with its header
 * edited, fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SecretKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface KeyRing {
  readonly current: SecretKey;
  readonly old: readonly SecretKey[];
}

export const SECRET_BOX_VERSION = 'v1';
export const SECRET_BOX_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

interface SealedParts {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** A fresh 256-bit key from the CSPRNG. */
export function generateKey(): Buffer {
  return randomBytes(SECRET_BOX_KEY_BYTES);
}

function checkKey(k: SecretKey): void {
  if (!KEY_ID.test(k.id)) throw new Error(`secret-box key id "${k.id}" must be 1-64 characters of A-Z a-z 0-9 _ -`);
  if (k.key.length !== SECRET_BOX_KEY_BYTES) {
    throw new Error(`secret-box key "${k.id}" must be ${SECRET_BOX_KEY_BYTES} bytes, got ${k.key.length}`);
  }
}

function associatedData(keyId: string, aad: string): Buffer {
  return Buffer.from(`${SECRET_BOX_VERSION}.${keyId}.${aad}`, 'utf8');
}

function decodePart(text: string, name: string): Buffer {
  if (!B64URL.test(text)) throw new Error(`sealed secret is malformed: ${name} is not base64url`);
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw new Error(`sealed secret is malformed: ${name} is not canonical base64url`);
  return bytes;
}

function parseSealed(sealed: string): SealedParts {
  const parts = sealed.split('.');
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (
    parts.length !== 5 ||
    version === undefined ||
    keyId === undefined ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined
  ) {
    throw new Error('sealed secret is malformed: expected 5 dot-separated parts');
  }
  if (version !== SECRET_BOX_VERSION) throw new Error(`sealed secret has unsupported version "${version.slice(0, 8)}"`);
  if (!KEY_ID.test(keyId)) throw new Error('sealed secret is malformed: bad key id');
  const parsed = {
    keyId,
    iv: decodePart(iv, 'iv'),
    tag: decodePart(tag, 'tag'),
    ciphertext: decodePart(ciphertext, 'ciphertext'),
  };
  if (parsed.iv.length !== IV_BYTES) throw new Error('sealed secret is malformed: iv must be 12 bytes');
  if (parsed.tag.length !== TAG_BYTES) throw new Error('sealed secret is malformed: tag must be 16 bytes');
  return parsed;
}

/** Encrypts `plaintext` under the ring's current key, bound to `aad` (e.g. the user id). */
export function sealSecret(ring: KeyRing, plaintext: string, aad: string): string {
  checkKey(ring.current);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, ring.current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(ring.current.id, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SECRET_BOX_VERSION, ring.current.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/**
 * Decrypts a value made by sealSecret with the same `aad`. The key is found by
 * id among the current and old keys. Throws an Error for malformed input, an
 * unknown key id, or a failed authentication (tampering, wrong aad, wrong key).
 */
export function openSecret(ring: KeyRing, sealed: string, aad: string): string {
  const parts = parseSealed(sealed);
  const entry = [ring.current, ...ring.old].find((k) => k.id === parts.keyId);
  if (entry === undefined) throw new Error(`sealed secret uses unknown key id "${parts.keyId}"`);
  checkKey(entry);
  const decipher = createDecipheriv(ALGORITHM, entry.key, parts.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(parts.keyId, aad));
  decipher.setAuthTag(parts.tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch {
    throw new Error('sealed secret failed authentication (tampered, wrong key, or sealed for another owner)');
  }
  return plaintext.toString('utf8');
}

/** True when `sealed` is not under the current key (re-seal it after a successful open). */
export function needsReseal(ring: KeyRing, sealed: string): boolean {
  return parseSealed(sealed).keyId !== ring.current.id;
}

/**
 * Parses `id1:base64key,id0:base64key` (standard or url-safe base64 of 32
 * bytes); the first entry is the current key, the rest are old keys kept for
 * opening. Whitespace around entries is ignored. Error messages never include
 * key material.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new Error('key ring is empty: expected "id:base64key[,id:base64key...]"');
  const keys: SecretKey[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`key ring entry ${index + 1} must look like "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim().replace(/-/g, '+').replace(/_/g, '/');
    if (!KEY_ID.test(id)) throw new Error(`key ring entry ${index + 1}: key id must be 1-64 characters of A-Z a-z 0-9 _ -`);
    if (seen.has(id)) throw new Error(`key ring has duplicate key id "${id}"`);
    if (!B64.test(encoded)) throw new Error(`key ring key "${id}" is not valid base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== SECRET_BOX_KEY_BYTES) {
      throw new Error(`key ring key "${id}" must decode to ${SECRET_BOX_KEY_BYTES} bytes, got ${key.length}`);
    }
    seen.add(id);
    keys.push({ id, key });
  });
  const [current, ...old] = keys;
  if (current === undefined) throw new Error('key ring is empty');
  return { current, old };
}
