/**
 * RFC 6238 TOTP (on top of the RFC 4226 HOTP core) with the parameters every
 * authenticator app honours: HMAC-SHA1, 6 digits, 30 s steps, T0 = 0.
 * npm documents "six-digit codes every 30 seconds" (docs.npmjs.com, "About two-factor
 * authentication"); apps ignore other values of the Key Uri Format's algorithm/digits/period.
 *
 * Pure: no I/O besides the CSPRNG used for secret generation. Replay protection
 * (RFC 6238 §5.2: accept a step only if it is later than the stored last step) is the
 * caller's job; matchTotp returns the matched step so the caller can do it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Time step X in seconds (RFC 6238 §4.1). */
export const TOTP_PERIOD_SECONDS = 30;
/** Code length (RFC 4226 §5.3). */
export const TOTP_DIGITS = 6;
/** Secret length: 160 bits, the RFC 4226 R6 / RFC 6238 §5.1 recommendation for SHA-1. */
export const TOTP_SECRET_BYTES = 20;
/** Largest accepted window: one step either side of the server clock (RFC 6238 §5.2). */
export const TOTP_MAX_WINDOW = 1;

export type HotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SIX_DIGITS = /^[0-9]{6}$/;

/** RFC 4648 §6 Base32, upper case, without `=` padding. */
function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 Base32 (case-insensitive, trailing `=` padding tolerated). */
function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').toUpperCase();
  if (clean.length === 0) throw new TypeError('TOTP secret is empty');
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new TypeError('TOTP secret is not valid Base32');
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

/**
 * HOTP (RFC 4226 §5.3): dynamic truncation of HMAC(key, 8-byte big-endian
 * counter) to 31 bits, modulo 10^digits. The counter is 64-bit (RFC 6238 §4.2).
 */
export function hotpCode(
  key: Uint8Array,
  counter: bigint,
  digits: number = TOTP_DIGITS,
  algorithm: HotpAlgorithm = 'sha1',
): string {
  if (counter < 0n || counter > 0xffff_ffff_ffff_ffffn) {
    throw new RangeError('HOTP counter must fit in an unsigned 64-bit integer');
  }
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new RangeError('HOTP digits must be an integer from 6 to 10');
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac.readUInt8(mac.length - 1) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fff_ffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** A fresh 160-bit secret from the CSPRNG, as Base32 without padding (RFC 4226 §4 R6; Key Uri Format). */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

/** The time step T = floor(now / 30 s) for a server-clock time in milliseconds (RFC 6238 §4.2; never a client's time). */
export function totpStep(nowMs: number): number {
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError('time must be a non-negative finite number of milliseconds');
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The 6-digit SHA-1 code of a Base32 secret for time step `step`. */
export function totpCode(secret: string, step: number): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError('TOTP step must be a non-negative safe integer');
  return hotpCode(base32Decode(secret), BigInt(step));
}

export interface OtpauthUrlInput {
  issuer: string;
  username: string;
  secret: string;
}

/**
 * Key URI (Google Authenticator "Key Uri Format",
 * https://github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/<Issuer>:<account>?secret=<BASE32>&issuer=<Issuer>&algorithm=SHA1&digits=6&period=30`.
 * Label parts and the issuer parameter are percent-encoded (spaces as %20, never `+`);
 * neither may contain `:`, which separates them in the label.
 */
export function otpauthUrl({ issuer, username, secret }: OtpauthUrlInput): string {
  if (issuer.length === 0 || issuer.includes(':')) throw new TypeError('issuer must be non-empty and must not contain ":"');
  if (username.length === 0 || username.includes(':')) throw new TypeError('username must be non-empty and must not contain ":"');
  if (!/^[A-Z2-7]+$/.test(secret)) throw new TypeError('secret must be upper-case Base32 without padding');
  const encodedIssuer = encodeURIComponent(issuer);
  const label = `${encodedIssuer}:${encodeURIComponent(username)}`;
  return (
    `otpauth://totp/${label}?secret=${secret}&issuer=${encodedIssuer}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
  );
}

/**
 * Checks a 6-digit code against the steps now, now-1 and now+1 (with the
 * default window of 1; 0 checks only now) and returns the matched step, or null.
 * Every candidate is computed and compared with timingSafeEqual, without an
 * early exit. Anything but exactly six ASCII digits is refused.
 * If two steps happen to share the code, the one nearest the server clock wins
 * (order: now, now-1, now+1).
 * The caller must still refuse steps <= the last accepted step (replay, RFC 6238 §5.2).
 */
export function matchTotp(secret: string, code: string, nowMs: number, window: number = TOTP_MAX_WINDOW): number | null {
  if (!Number.isInteger(window) || window < 0 || window > TOTP_MAX_WINDOW) {
    throw new RangeError(`TOTP window must be an integer from 0 to ${TOTP_MAX_WINDOW}`);
  }
  const key = base32Decode(secret);
  const now = totpStep(nowMs);
  if (!SIX_DIGITS.test(code)) return null;
  const given = Buffer.from(code, 'ascii');

  const candidates: number[] = [now];
  for (let offset = 1; offset <= window; offset++) candidates.push(now - offset, now + offset);

  let matched: number | null = null;
  for (const step of candidates) {
    if (step < 0) continue;
    const expected = Buffer.from(hotpCode(key, BigInt(step)), 'ascii');
    const equal = timingSafeEqual(expected, given);
    if (equal && matched === null) matched = step;
  }
  return matched;
}
