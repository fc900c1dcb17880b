// Password guessing, throttled per client network and per account (docs/security.md):
// - a network (an IPv4 address, an IPv6 /64: see address.ts) gets 429 (with Retry-After) once
//   it has `passwordFailuresPerAddress` (9) failures in the window that began at its first
//   failure (15 minutes), whatever accounts it tries;
// - an account, after 10 failures from anywhere, answers each further attempt only after a
//   delay that doubles from 1 s up to 30 s since the last failure. The delay is short and a
//   correct password resets it, so an attacker can slow the real owner down by at most 30 s but
//   never lock them out, while guesses against one account drop to about two a minute.
// Every attempt is counted BEFORE its password is hashed, atomically for every node (reserved,
// as reserveOtpAttempt does for codes): parallel guesses cannot outrun the count. A right
// password takes its reservation back. Refused attempts are not checked and not counted.
// An attempt refused only because of attempts of this process still being checked (which may
// yet succeed: twenty CI jobs logging in at once) waits for them instead of being refused.
//
// The same module holds the per-network budgets of unauthenticated work that creates state
// (sign-ups; logins and web logins started): so many per hour, counted when allowed.

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import type { CounterState } from '../ports.ts';
import { addressNetwork } from './address.ts';

export const IP_WINDOW_MS = 15 * 60_000;
export const ACCOUNT_FREE_FAILURES = 10;
export const ACCOUNT_MAX_DELAY_MS = 30_000;
const ACCOUNT_WINDOW_MS = 24 * 3600_000;
/** How long an attempt waits, at most, for this process's attempts in flight to settle. */
const SETTLE_WAIT_MS = 10_000;

export function accountDelayMs(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return Math.min(ACCOUNT_MAX_DELAY_MS, 1000 * 2 ** (failures - ACCOUNT_FREE_FAILURES));
}

const ipKey = (ip: string) => `login-ip:${addressNetwork(ip)}`;
const accountKey = (name: string) => `login-user:${name}`;

function tooMany(message: string, untilMs: number, now: number): never {
  fail('TOO_MANY_ATTEMPTS', message, { retryAfter: Math.max(1, Math.ceil((untilMs - now) / 1000)) });
}

// Attempts of this process being checked right now, per store and counter key; and who waits
// for one of them to settle.
interface Flight {
  n: number;
  waiters: Set<() => void>;
}
const flights = new WeakMap<object, Map<string, Flight>>();
function flightsOf(deps: Deps): Map<string, Flight> {
  let map = flights.get(deps.store);
  if (!map) flights.set(deps.store, (map = new Map()));
  return map;
}
const inFlight = (deps: Deps, key: string) => flightsOf(deps).get(key)?.n ?? 0;
function land(deps: Deps, key: string): void {
  const map = flightsOf(deps);
  const f = map.get(key);
  if (!f) return;
  f.n--;
  for (const w of f.waiters) w();
  f.waiters.clear();
  if (f.n <= 0) map.delete(key);
}
function settled(deps: Deps, keys: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    for (const k of keys) flightsOf(deps).get(k)?.waiters.add(done);
  });
}

type Verdict = { ok: true } | { ok: false; message: string; untilMs: number; waitHelps: boolean };

function judge(ipLimit: number, ip: CounterState | null, account: CounterState | null, now: number, ipLocal: number, accountLocal: number): Verdict {
  const ipCount = ip?.count ?? 0;
  if (ip && ipCount >= ipLimit) {
    return { ok: false, message: 'Too many failed logins from your address. Try again later.', untilMs: ip.expiresAt, waitHelps: ipCount - ipLocal < ipLimit };
  }
  if (account) {
    const until = account.lastAt + accountDelayMs(account.count);
    if (now < until) {
      const settledCount = account.count - accountLocal;
      return { ok: false, message: 'Too many failed logins for this account. Wait a moment and try again.', untilMs: until, waitHelps: accountLocal > 0 && now >= account.lastAt + accountDelayMs(settledCount) };
    }
  }
  return { ok: true };
}

/** A reserved password attempt: say how the check ended, exactly once. */
export interface PasswordAttempt {
  /** The password was right: the reservation is taken back and the account's count reset. */
  succeeded(): Promise<void>;
  /** The password was wrong (or the check failed): the reservation stays, as a failure. */
  failed(): void;
}

/**
 * Counts one password attempt from `ip` on the account `name` (null: no such account) before it
 * is checked, or refuses it: TOO_MANY_ATTEMPTS (429) with `retryAfter` in seconds.
 * Used by every password check: logins, Basic credentials, and the password asked again by
 * token creation, 2FA changes and password changes.
 */
export async function reservePasswordAttempt(deps: Deps, ip: string, name: string | null): Promise<PasswordAttempt> {
  const keys = name === null ? [ipKey(ip)] : [ipKey(ip), accountKey(name)];
  const started = Date.now();
  for (;;) {
    const now = deps.clock.now();
    let verdict: Verdict = { ok: true };
    await deps.store.counters.update(keys, now, ([ip, account]) => {
      verdict = judge(deps.settings.addressLimits.passwordFailures, ip, account ?? null, now, inFlight(deps, keys[0]), keys[1] ? inFlight(deps, keys[1]) : 0);
      if (!verdict.ok) return null;
      const next: CounterState[] = [ip ? { ...ip, count: ip.count + 1, lastAt: now } : { count: 1, lastAt: now, expiresAt: now + IP_WINDOW_MS }];
      if (keys[1]) next.push({ count: (account?.count ?? 0) + 1, lastAt: now, expiresAt: now + ACCOUNT_WINDOW_MS });
      return next;
    });
    const v = verdict as Verdict;
    if (v.ok) break;
    const left = SETTLE_WAIT_MS - (Date.now() - started);
    if (!v.waitHelps || left <= 0) tooMany(v.message, v.untilMs, now);
    await settled(deps, keys, Math.min(left, 250));
  }
  const map = flightsOf(deps);
  for (const k of keys) {
    const f = map.get(k) ?? { n: 0, waiters: new Set() };
    f.n++;
    map.set(k, f);
  }
  let done = false;
  const finish = () => {
    if (done) return false;
    done = true;
    for (const k of keys) land(deps, k);
    return true;
  };
  return {
    async succeeded() {
      if (done) return;
      try {
        await deps.store.counters.update(keys, deps.clock.now(), ([ip]) => [ip && ip.count > 1 ? { ...ip, count: ip.count - 1 } : null, null].slice(0, keys.length));
      } finally {
        finish();
      }
    },
    failed() {
      finish();
    },
  };
}

/** Unauthenticated work that creates state, budgeted per network and hour. */
export type AddressBudget = 'signup' | 'login';

const BUDGET_WINDOW_MS = 3600_000;
const BUDGET_TEXT: Record<AddressBudget, string> = {
  signup: 'Too many accounts were created from your address. Try again later.',
  login: 'Too many sign-ins from your address. Try again later.',
};

/**
 * Spends one unit of the network's hourly budget of `kind` (settings.addressLimits: sign-ups;
 * logins, web sign-ins and web logins started), or refuses: TOO_MANY_ATTEMPTS (429) with
 * `retryAfter` until the window (an hour from its first use) ends. Refusals spend nothing.
 */
export async function spendAddressBudget(deps: Deps, ip: string, kind: AddressBudget): Promise<void> {
  const limit = kind === 'signup' ? deps.settings.addressLimits.signupsPerHour : deps.settings.addressLimits.loginsPerHour;
  const now = deps.clock.now();
  const { written, seen } = await deps.store.counters.update([`budget-${kind}:${addressNetwork(ip)}`], now, ([c]) => {
    if (c && c.count >= limit) return null;
    return [c ? { ...c, count: c.count + 1, lastAt: now } : { count: 1, lastAt: now, expiresAt: now + BUDGET_WINDOW_MS }];
  });
  if (!written) tooMany(BUDGET_TEXT[kind], seen[0]?.expiresAt ?? now, now);
}
