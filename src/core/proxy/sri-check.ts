// Subresource Integrity strings as npm lockfiles and packuments carry them (`sha512-BASE64`,
// several separated by whitespace), checked as npm checks a tarball: ssri's checkData /
// integrityStream ($(npm root -g)/npm/node_modules/ssri/lib/index.js) pick the strongest
// algorithm listed and accept the bytes when any hash of that algorithm matches. So a
// lockfile's `sha512-A sha1-B` is decided by sha512 alone (a matching sha1 cannot stand in for
// a wrong sha512), and `sha512-A sha512-B` accepts either.

import { createHash, type Hash } from 'node:crypto';

/** The algorithms read, weakest first (ssri's DEFAULT_PRIORITY order); others are ignored. */
const ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const;
export type IntegrityAlgorithm = (typeof ALGORITHMS)[number];

/** What a tarball must hash to: the strongest algorithm of an SRI string and its digests. */
export interface ExpectedIntegrity {
  algorithm: IntegrityAlgorithm;
  /** Base64 digests of that algorithm; any one matching is enough. */
  digests: string[];
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses an SRI string (W3C Subresource Integrity, as ssri reads it loosely: whitespace
 * separated `ALGORITHM-BASE64[?options]`). Returns the strongest known algorithm and its
 * digests, or null when the string holds no usable hash (empty, malformed, unknown algorithms).
 */
export function expectedIntegrity(sri: string | undefined): ExpectedIntegrity | null {
  if (typeof sri !== 'string') return null;
  const byAlgorithm = new Map<IntegrityAlgorithm, string[]>();
  for (const token of sri.trim().split(/\s+/)) {
    const m = /^([a-z0-9]+)-([^?]+)(\?.*)?$/.exec(token);
    if (!m || !BASE64.test(m[2])) continue;
    const algorithm = ALGORITHMS.find((a) => a === m[1]);
    if (!algorithm) continue;
    byAlgorithm.set(algorithm, [...(byAlgorithm.get(algorithm) ?? []), m[2]]);
  }
  for (const algorithm of [...ALGORITHMS].reverse()) {
    const digests = byAlgorithm.get(algorithm);
    if (digests) return { algorithm, digests };
  }
  return null;
}

/** `sha1-BASE64` from a hex SHA-1 (a packument's `dist.shasum`, yarn 1's `resolved` #fragment); null if not hex. */
export function sha1HexIntegrity(hex: string | undefined): string | null {
  if (typeof hex !== 'string' || !/^[0-9a-f]{40}$/i.test(hex)) return null;
  return `sha1-${Buffer.from(hex, 'hex').toString('base64')}`;
}

/** The verdict on bytes: whether they match, and what they hash to (`ALGORITHM-BASE64`). */
export interface IntegrityVerdict {
  ok: boolean;
  actual: string;
}

/**
 * Hashes bytes as they stream in (`update` per chunk, then `verdict` once) against an expected
 * integrity, so a tarball is checked without being held in memory.
 */
export class IntegrityCheck {
  readonly expected: ExpectedIntegrity;
  readonly #hash: Hash;

  constructor(expected: ExpectedIntegrity) {
    this.expected = expected;
    this.#hash = createHash(expected.algorithm);
  }

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }

  verdict(): IntegrityVerdict {
    const digest = this.#hash.digest('base64');
    return { ok: this.expected.digests.includes(digest), actual: `${this.expected.algorithm}-${digest}` };
  }
}
