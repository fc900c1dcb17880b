// Token secrets: `tsr_` + 30 base62 characters (178 random bits) + a 6-character base62
// CRC-32 of the random part. The prefix lets secret scanners find leaked tokens, and the
// checksum lets them tell a real token from a look-alike without asking the server.
// Only SHA-256 hashes are stored: at 178 bits of entropy a fast hash is enough (no guessing
// attack can succeed against it), and it keeps a token check to one indexed lookup.

import { hash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIX = 'tsr_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 30;
const CHECK_CHARS = 6;
/** Characters of the secret shown in token lists (prefix included). */
export const SHOWN_PREFIX_LENGTH = TOKEN_PREFIX.length + 8;

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function checksum(random: string): string {
  return base62(crc32(random) >>> 0, CHECK_CHARS);
}

export function generateTokenSecret(): string {
  let random = '';
  for (let i = 0; i < RANDOM_CHARS; i++) random += ALPHABET[randomInt(62)];
  return TOKEN_PREFIX + random + checksum(random);
}

/** Characters of a token secret: the prefix, the random part and the checksum. */
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_CHARS + CHECK_CHARS;

/**
 * Prefix, length and alphabet (base62) only: cheap, for every request's credential (a loop: the
 * read fast path asks on every request). `start` checks the secret inside a longer string (the
 * Authorization header after `Bearer `) in place: a loop over a slice of a string costs about
 * twice as much in V8 as over the string itself.
 */
export function hasTokenShape(secret: string, start = 0): boolean {
  if (secret.length - start !== TOKEN_LENGTH || !secret.startsWith(TOKEN_PREFIX, start)) return false;
  for (let i = start + TOKEN_PREFIX.length; i < secret.length; i++) {
    const c = secret.charCodeAt(i);
    // 0-9, A-Z, a-z
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/** True when the string has the token shape and a correct checksum. */
export function isWellFormedToken(secret: string): boolean {
  if (!hasTokenShape(secret)) return false;
  const random = secret.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + RANDOM_CHARS);
  return checksum(random) === secret.slice(TOKEN_PREFIX.length + RANDOM_CHARS);
}

export function hashToken(secret: string): string {
  return hash('sha256', secret, 'hex');
}
