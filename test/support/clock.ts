// The one test clock: a settable Clock (src/core/ports.ts) for in-process tests and the store
// contract. Time is kept in milliseconds since the epoch, as Clock.now() returns it; the
// methods that move it say their unit in their name, so no call can mistake seconds for
// milliseconds.

import type { Clock } from '../../src/core/ports.ts';

/** 2026-03-01T12:00:10Z: ten seconds into a 30-second TOTP step, so `advanceSeconds(30)` is the next step. */
export const TEST_CLOCK_START_MS = Date.parse('2026-03-01T12:00:10Z');

export class TestClock implements Clock {
  /** Milliseconds since the epoch; tests may set it directly. */
  ms: number;

  constructor(ms: number = TEST_CLOCK_START_MS) {
    this.ms = ms;
  }

  /** Clock.now(): milliseconds since the epoch (an arrow, so it can be passed around unbound). */
  now = (): number => this.ms;

  advanceMs(ms: number): void {
    this.ms += ms;
  }

  advanceSeconds(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** The RFC 6238 time step of now: floor(seconds / 30). */
  step(): number {
    return Math.floor(this.ms / 30_000);
  }

  /** Now as an ISO 8601 UTC string, the form the store writes timestamps in. */
  iso(): string {
    return new Date(this.ms).toISOString();
  }
}
