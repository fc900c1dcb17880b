// RFC 6238 time-based one-time passwords (HMAC-SHA1, 6 digits, 30 s steps) for end-to-end
// tests, written with node:crypto only so that the tests do not share code with the server.
import { createHmac } from 'node:crypto';

export const STEP_SECONDS = 30;
export const DIGITS = 6;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and '=' padding ignored). */
export function base32Decode(input: string): Buffer {
  const clean = input.toUpperCase().replace(/[\s=-]/g, '');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = ALPHABET.indexOf(ch);
    if (value < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP value for a counter. */
export function hotp(key: Buffer, counter: number, digits = DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The time step that contains `timeMs`. */
export function stepAt(timeMs: number = Date.now()): number {
  return Math.floor(timeMs / 1000 / STEP_SECONDS);
}

/** The code of a given time step for a base32 secret. */
export function codeForStep(secret: string, step: number): string {
  return hotp(base32Decode(secret), step);
}

/** The code for a base32 secret at a moment (now by default). */
export function totp(secret: string, timeMs: number = Date.now()): string {
  return codeForStep(secret, stepAt(timeMs));
}

export interface CodeSource {
  /** A code for a time step not yet handed out; waits for the next 30 s boundary if needed. */
  next(): Promise<string>;
  /** The step of the last code handed out. */
  readonly lastStep: number | undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Hands out codes of unused time steps for one secret: the current step T, then T+1 (the
 * server accepts one step of drift either way and each step only once), and only when both
 * are used does it wait for the next 30 s boundary. Use one source (one account) per scenario.
 */
export function codeSource(
  secret: string,
  clock: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
): CodeSource {
  const now = clock.now ?? Date.now;
  const wait = clock.sleep ?? sleep;
  const key = base32Decode(secret);
  let last: number | undefined;
  return {
    get lastStep() {
      return last;
    },
    async next() {
      for (;;) {
        const current = stepAt(now());
        const candidate = last === undefined ? current : Math.max(current, last + 1);
        if (candidate <= current + 1) {
          last = candidate;
          return hotp(key, candidate);
        }
        // both T and T+1 are spent: wait until T+1 begins, when T+2 becomes acceptable
        const nextBoundary = (current + 1) * STEP_SECONDS * 1000;
        await wait(Math.max(nextBoundary - now(), 0) + 50);
      }
    },
  };
}
