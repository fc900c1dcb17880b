/**
 * Recovery codes (NIST SP 800-63B §5.1.2 look-up secrets; npm CLI
 * lib/utils/read-user-info.js): 64 lower-case hex
 * characters = 256 bits from the CSPRNG, because npm's OTP prompt accepts only
 * digits or exactly 64 hex characters. Only hashes are stored; single use is
 * enforced by the storage layer (NIST §5.1.2.2: `UPDATE ... WHERE hash = ? AND used_at IS NULL`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Default number of codes issued per set (npmjs issues 5: docs.npmjs.com, "Configuring two-factor authentication"). */
export const RECOVERY_CODE_COUNT = 10;
/** Random bytes per code: 32 bytes = 256 bits, written as 64 hex characters. */
export const RECOVERY_CODE_BYTES = 32;

const CODE_SHAPE = /^[0-9a-fA-F]{64}$/;
const HASH_SHAPE = /^[0-9a-f]{64}$/;
const SHA256_BYTES = 32;

/** `n` distinct codes (1..100), each 64 lower-case hex characters. */
export function generateRecoveryCodes(n: number = RECOVERY_CODE_COUNT): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError('recovery code count must be an integer from 1 to 100');
  const codes = new Set<string>();
  while (codes.size < n) codes.add(randomBytes(RECOVERY_CODE_BYTES).toString('hex'));
  return [...codes];
}

/**
 * Storage hash of a recovery code: lower-case hex SHA-256 of the lower-cased code.
 *
 * Why a plain, unsalted, fast hash is enough: each code carries 256 bits from
 * the CSPRNG, so neither brute force nor precomputed tables can invert the
 * hash; salts and slow hashes only help for guessable (low-entropy) secrets.
 * NIST SP 800-63B §5.1.2.2 and ASVS 4.0.3 2.6.2 / 5.0 6.5.2 allow an approved
 * unsalted hash for look-up secrets with >= 112 bits of entropy.
 * It also makes the stored hash usable as an indexed lookup key.
 */
export function hashRecoveryCode(code: string): string {
  if (!CODE_SHAPE.test(code)) throw new TypeError('a recovery code is exactly 64 hexadecimal characters');
  return createHash('sha256').update(code.toLowerCase(), 'ascii').digest('hex');
}

/**
 * Index of the stored hash matching `code`, or -1. Compares against every
 * entry with timingSafeEqual, without an early exit, so the running time does
 * not reveal which entry (if any) matched. A malformed code or stored hash
 * never matches. Used/consumed state is the caller's concern.
 */
export function findRecoveryCode(code: string, hashes: readonly string[]): number {
  const wellFormed = CODE_SHAPE.test(code);
  const given = wellFormed ? Buffer.from(hashRecoveryCode(code), 'hex') : Buffer.alloc(SHA256_BYTES);
  const placeholder = Buffer.alloc(SHA256_BYTES, 0xff);
  let found = -1;
  for (const [i, stored] of hashes.entries()) {
    const storedOk = HASH_SHAPE.test(stored);
    const equal = timingSafeEqual(storedOk ? Buffer.from(stored, 'hex') : placeholder, given);
    if (equal && wellFormed && storedOk && found === -1) found = i;
  }
  return found;
}
