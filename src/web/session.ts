// Browser session plumbing: cookie names and flags, CSRF tokens, the short-lived pre-auth
// cookie between the password step and the OTP step, and the Origin check.
//
// - The session cookie holds the secret of a 'web' token (core/tokens: 12 h absolute, 30 min
//   idle, refused as a Bearer token). HttpOnly, SameSite=Lax, Path=/; over https also Secure
//   and named with the `__Host-` prefix (no Domain, so no sibling host can set it).
// - CSRF: every POST form carries HMAC(k_csrf, "session:" + session secret), or before sign-in
//   HMAC(k_csrf, "anon:" + a random nonce kept in its own cookie). Origin, Referer and
//   Sec-Fetch-Site, when they say anything, must say "this registry" (see originAllowed).
// - Pre-auth: after a right password for an account with 2FA, a 5-minute cookie says which
//   account passed its password: `base64url(JSON).base64url(HMAC)`. It never holds the password.
// The keys are derived (HKDF) from the server's current secret key, one per purpose.

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../core/deps.ts';

export const WEB_SESSION_TTL_MS = 12 * 3600_000;
export const WEB_IDLE_MS = 30 * 60_000;
export const PREAUTH_TTL_MS = 5 * 60_000;

export interface CookieNames {
  session: string;
  csrf: string;
  preauth: string;
  secure: boolean;
}

export function cookieNames(publicUrl: string): CookieNames {
  const secure = publicUrl.startsWith('https:');
  const p = secure ? '__Host-' : '';
  return { session: `${p}tessera-session`, csrf: `${p}tessera-csrf`, preauth: `${p}tessera-preauth`, secure };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    // The first wins: a cookie set for a more specific path comes first.
    if (name && !out.has(name) && /^[A-Za-z0-9._~+/=-]*$/.test(value)) out.set(name, value);
  }
  return out;
}

export function setCookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  return [
    `${name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
    ...(maxAgeSeconds !== undefined ? [`Max-Age=${maxAgeSeconds}`] : []),
  ].join('; ');
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', secure, 0);
}

const keys = new WeakMap<Buffer, Map<string, Buffer>>();
function webKey(deps: Deps, purpose: 'csrf' | 'preauth'): Buffer {
  const master = deps.secrets.current.key;
  let perPurpose = keys.get(master);
  if (!perPurpose) keys.set(master, (perPurpose = new Map()));
  let key = perPurpose.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', master, 'tessera-web-v1', purpose, 32));
    perPurpose.set(purpose, key);
  }
  return key;
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const newNonce = (): string => randomBytes(24).toString('base64url');

/** The CSRF token of a session (bind to "session:SECRET") or an anonymous nonce ("anon:NONCE"). */
export function csrfToken(deps: Deps, binding: string): string {
  return mac(webKey(deps, 'csrf'), binding);
}

export function csrfMatches(deps: Deps, given: unknown, bindings: string[]): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 100) return false;
  let ok = false;
  for (const b of bindings) ok = equalText(csrfToken(deps, b), given) || ok;
  return ok;
}

export interface PostOrigin {
  origin?: string;
  referer?: string;
  /** Sec-Fetch-Site (browsers send it to https and loopback origins). */
  fetchSite?: string;
}

/**
 * Whether a POST may come from the registry's own pages. Every signal the browser gives must
 * agree: Sec-Fetch-Site is `same-origin`, Origin and Referer are the registry's origin. Our own
 * pages say `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` and no
 * Referer even for same-origin POSTs (Fetch standard, "serializing a request origin"), so
 * `null` carries no information and the per-session CSRF token (plus the SameSite=Lax cookie)
 * decides; a real foreign origin is always refused.
 */
export function originAllowed(publicUrl: string, p: PostOrigin): boolean {
  const own = new URL(publicUrl).origin;
  if (p.fetchSite !== undefined && p.fetchSite !== 'same-origin') return false;
  if (p.origin !== undefined && p.origin !== 'null' && p.origin !== own) return false;
  if (p.referer !== undefined) {
    try {
      if (new URL(p.referer).origin !== own) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export interface Preauth {
  userId: number;
  /** Where to go after the second step (a path under the web UI). */
  next: string;
}

export function signPreauth(deps: Deps, p: Preauth): string {
  const payload = Buffer.from(JSON.stringify({ u: p.userId, n: p.next, e: deps.clock.now() + PREAUTH_TTL_MS, r: newNonce() })).toString('base64url');
  return `${payload}.${mac(webKey(deps, 'preauth'), payload)}`;
}

export function readPreauth(deps: Deps, value: string | undefined): Preauth | null {
  if (!value || value.length > 1000) return null;
  const dot = value.indexOf('.');
  if (dot < 0) return null;
  const payload = value.slice(0, dot);
  if (!equalText(mac(webKey(deps, 'preauth'), payload), value.slice(dot + 1))) return null;
  try {
    const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u: unknown; n: unknown; e: unknown };
    if (typeof p.u !== 'number' || typeof p.n !== 'string' || typeof p.e !== 'number') return null;
    if (p.e <= deps.clock.now()) return null;
    return { userId: p.u, next: p.n };
  } catch {
    return null;
  }
}
