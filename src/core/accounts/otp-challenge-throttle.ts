// Bounds how many web OTP challenges (rows made by startOtpChallenge) can be started: per client
// address (an IPv6 client by its /64, which one host usually holds whole) and per account, so a
// flood can neither create unbounded rows nor fill one account's approvals. The count is taken
// before the row is made, atomically (the counters port), so parallel requests cannot outrun it;
// refused attempts are counted too, so a flood stays refused until it pauses for the window.
// The style of login-throttle.ts.

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { addressNetwork } from './address.ts';

/** Challenges one address (or one account) may start per window. */
export const OTP_CHALLENGE_STARTS = 20;
/** The window: as long as a challenge lives (web-otp.ts OTP_CHALLENGE_TTL_MS), 5 minutes. */
export const OTP_CHALLENGE_WINDOW_MS = 5 * 60_000;

/**
 * Takes one challenge start for `ip` and `userId`, or refuses with TOO_MANY_ATTEMPTS (429,
 * retryAfter in seconds until the window after the last start ends).
 */
export async function takeOtpChallengeStart(deps: Deps, ip: string, userId: number): Promise<void> {
  const now = deps.clock.now();
  for (const key of [`otp-challenge-ip:${addressNetwork(ip)}`, `otp-challenge-user:${userId}`]) {
    const hit = await deps.store.counters.increment(key, now, OTP_CHALLENGE_WINDOW_MS);
    if (hit.count > OTP_CHALLENGE_STARTS) {
      fail('TOO_MANY_ATTEMPTS', 'Too many approval requests were started. Wait a few minutes, or give a code with --otp.', {
        retryAfter: Math.max(1, Math.ceil((hit.lastAt + OTP_CHALLENGE_WINDOW_MS - now) / 1000)),
      });
    }
  }
}
