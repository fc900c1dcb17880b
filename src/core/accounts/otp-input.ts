/**
 * Classifies the raw value of an `npm-otp` header (or an OTP body field)
 * before any verification (npm CLI lib/utils/read-user-info.js; npm/registry
 * docs/user/authentication.md: a recovery code works wherever an OTP does):
 * six digits go to the TOTP path, exactly 64 hex characters to the
 * recovery-code path. npm's own prompt strips spaces and accepts only these
 * two shapes.
 */

import { createHash } from 'node:crypto';

/** Longer raw input is refused before any other processing. */
export const OTP_INPUT_MAX_LENGTH = 128;

export type ParsedOtp =
  | { kind: 'totp'; code: string }
  | { kind: 'recovery'; code: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'none' };

const TOTP_SHAPE = /^[0-9]{6}$/;
const RECOVERY_SHAPE = /^[0-9a-fA-F]{64}$/;
const DIGITS_ONLY = /^[0-9]+$/;

/**
 * `undefined`, or a value that is empty after whitespace removal, means no OTP
 * was supplied. Otherwise whitespace anywhere is removed; six digits are a
 * TOTP code, 64 hex characters (any case, returned lower-cased) a recovery
 * code; everything else is invalid with a short reason (safe to show the user,
 * never contains the input).
 */
export function parseOtp(raw: string | undefined): ParsedOtp {
  if (raw === undefined) return { kind: 'none' };
  if (raw.length > OTP_INPUT_MAX_LENGTH) {
    return { kind: 'invalid', reason: `one-time password is longer than ${OTP_INPUT_MAX_LENGTH} characters` };
  }
  const value = raw.replace(/\s+/g, '');
  if (value.length === 0) return { kind: 'none' };
  if (TOTP_SHAPE.test(value)) return { kind: 'totp', code: value };
  if (RECOVERY_SHAPE.test(value)) return { kind: 'recovery', code: value.toLowerCase() };
  if (DIGITS_ONLY.test(value)) {
    return { kind: 'invalid', reason: 'one-time password must be exactly 6 digits' };
  }
  return {
    kind: 'invalid',
    reason: 'expected a 6-digit one-time password or a 64-character hexadecimal recovery code',
  };
}

/** A single-use value from a browser approval (web-otp.ts): `tsrotp_` and 43 base64url characters. */
const WEB_VALUE = /^tsrotp_[A-Za-z0-9_-]{43}$/;

/** Whether an npm-otp value is a browser-approval value rather than a code. */
export const isWebOtpValue = (raw: string | undefined): raw is string => raw !== undefined && WEB_VALUE.test(raw.trim());

/** The SHA-256 hex under which a browser-approval value is stored (values are never stored). */
export const webOtpValueHash = (raw: string): string => createHash('sha256').update(raw.trim()).digest('hex');
