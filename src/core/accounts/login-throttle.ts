// Password guessing, throttled per client address and per account:
// - an address gets 429 (with Retry-After) from its 10th failure within 15 minutes, whatever
//   accounts it tries;
// - an account, after 10 failures from anywhere, answers each further attempt only after a
//   delay that doubles from 1 s up to 30 s since the last failure. The delay is short and a
//   correct login resets it, so an attacker can slow the real owner down by at most 30 s but
//   never lock them out, while guesses against one account drop to about two a minute.
// Refused attempts are not checked and not counted.

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';

export const IP_FAILURES = 10;
export const IP_WINDOW_MS = 15 * 60_000;
export const ACCOUNT_FREE_FAILURES = 10;
export const ACCOUNT_MAX_DELAY_MS = 30_000;
const ACCOUNT_WINDOW_MS = 24 * 3600_000;

export function accountDelayMs(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return Math.min(ACCOUNT_MAX_DELAY_MS, 1000 * 2 ** (failures - ACCOUNT_FREE_FAILURES));
}

const ipKey = (ip: string) => `login-ip:${ip}`;
const accountKey = (name: string) => `login-user:${name}`;

function tooMany(message: string, untilMs: number, now: number): never {
  fail('TOO_MANY_ATTEMPTS', message, { retryAfter: Math.max(1, Math.ceil((untilMs - now) / 1000)) });
}

/** Refuses the attempt when the address or the account is throttled. */
export async function checkLoginThrottle(deps: Deps, ip: string, name: string): Promise<void> {
  const now = deps.clock.now();
  const byIp = await deps.store.counters.get(ipKey(ip));
  if (byIp && byIp.count >= IP_FAILURES - 1 && now < byIp.lastAt + IP_WINDOW_MS) {
    tooMany('Too many failed logins from your address. Try again later.', byIp.lastAt + IP_WINDOW_MS, now);
  }
  const byAccount = await deps.store.counters.get(accountKey(name));
  if (byAccount) {
    const until = byAccount.lastAt + accountDelayMs(byAccount.count);
    if (now < until) tooMany('Too many failed logins for this account. Wait a moment and try again.', until, now);
  }
}

export async function recordLoginFailure(deps: Deps, ip: string, name: string | null): Promise<void> {
  const now = deps.clock.now();
  await deps.store.counters.increment(ipKey(ip), now, IP_WINDOW_MS);
  if (name !== null) await deps.store.counters.increment(accountKey(name), now, ACCOUNT_WINDOW_MS);
}

export async function recordLoginSuccess(deps: Deps, name: string): Promise<void> {
  await deps.store.counters.reset(accountKey(name));
}
