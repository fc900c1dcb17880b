// Turns a bearer token into a principal: one lookup by hash, then expiry. Dead tokens make
// the caller anonymous with a notice; routes that need an identity refuse anonymous callers.

import type { OrgMembership, Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import type { TokenRecord, User } from '../ports.ts';
import { fail } from '../errors.ts';
import { ipAllowed } from './cidr.ts';
import { hasTokenShape, hashToken, isWellFormedToken, TOKEN_LENGTH } from './format.ts';

export const DEAD_TOKEN_NOTICE = 'Access token expired or revoked. Please try logging in again.';

/**
 * ACCOUNT_DISABLED (403) unless the account is active: what every credential of a disabled or
 * deleted account gets (tokens, sessions, passwords; core/accounts/admin.ts).
 */
export function requireActive(user: User): void {
  if (user.status !== 'active') fail('ACCOUNT_DISABLED', `The account ${user.name} is ${user.status === 'deleted' ? 'deleted' : 'disabled'}: ask an administrator.`);
}

/** Expiry times as numbers, computed once per (immutable) token record. */
const expiryMs = new WeakMap<TokenRecord, number>();
function expiresAtMs(token: TokenRecord): number {
  let ms = expiryMs.get(token);
  if (ms === undefined) {
    ms = token.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(token.expiresAt);
    expiryMs.set(token, ms);
  }
  return ms;
}

const DEAD: Principal = Object.freeze({ kind: 'anonymous', notice: DEAD_TOKEN_NOTICE });

/**
 * The checks every use of a found token makes: the dead-token principal (anonymous with a
 * notice) for no token, a browser session, or an expired one; null when it may be used.
 * Throws IP_NOT_ALLOWED outside the token's address ranges (`ip` is asked only then) and
 * ACCOUNT_DISABLED for a disabled or deleted account.
 */
function refusal(found: { token: TokenRecord; user: User } | null, ip: () => string, now: number): Principal | null {
  if (!found) return DEAD;
  const { token, user } = found;
  // Browser sessions live in a cookie only: as a bearer token they are worthless.
  if (token.kind === 'web') return DEAD;
  if (expiresAtMs(token) <= now) return DEAD;
  // Outside its address ranges a token is refused on every request, reads included.
  if (token.cidr.length > 0) {
    const address = ip();
    if (!ipAllowed(token.cidr, address)) fail('IP_NOT_ALLOWED', `This token may not be used from ${address}. Allowed ranges: ${token.cidr.join(', ')}.`);
  }
  requireActive(user);
  return null;
}

/**
 * The principal of a bearer token (`secret`, as sent): a user principal, or anonymous with the
 * dead-token notice for an unknown, expired or browser-session token. `ip` is the client's
 * address, or a function giving it (asked only for a token with address ranges). Throws
 * IP_NOT_ALLOWED and ACCOUNT_DISABLED (refusal above). Records the use (core/tokens/usage.ts).
 */
export async function authenticateToken(deps: Deps, secret: string, ip: string | (() => string)): Promise<Principal> {
  // The shape is checked, not the checksum: that is for scanners, and a forged one is public
  // knowledge anyway; an unknown token costs one lookup either way.
  if (!hasTokenShape(secret)) return DEAD;
  const found = await deps.store.tokens.findWithUser(hashToken(secret));
  const now = deps.clock.now();
  const dead = refusal(found, typeof ip === 'string' ? () => ip : ip, now);
  if (dead || !found) return dead ?? DEAD;
  deps.usage.record(found.token.key, now);
  return { kind: 'user', user: found.user, token: found.token, via: 'token', orgs: await orgsOf(deps, found.user.id) };
}

/**
 * authenticateToken's answer when the store's caches hold everything it needs (the token, its
 * user and the user's memberships), without waiting; undefined when only the store can
 * answer. The read fast path (http/fast-reads.ts) answers cached reads synchronously with it.
 * Same checks, same errors, same use record; a secret of the right length but not the shape is
 * left to authenticateToken (undefined: it cannot be in the cache), which calls it dead.
 */
export function authenticateTokenInMemory(deps: Deps, secret: string, ip: () => string): Principal | undefined {
  const { tokens, orgs } = deps.store;
  if (!tokens.inMemory || !orgs.membershipsInMemory) return undefined;
  // The length alone bounds what is hashed: only a stored token's hash can be in the cache, so
  // a string of the right length but not the shape misses it, and authenticateToken (the full
  // shape check) answers. A second alphabet loop per read would cost more than the hash saves.
  if (secret.length !== TOKEN_LENGTH) return DEAD;
  const found = tokens.inMemory(hashToken(secret));
  if (!found) return undefined;
  const now = deps.clock.now();
  const dead = refusal(found, ip, now);
  if (dead) return dead;
  const memberships = orgs.membershipsInMemory(found.user.id);
  if (!memberships) return undefined;
  deps.usage.record(found.token.key, now);
  return { kind: 'user', user: found.user, token: found.token, via: 'token', orgs: memberships };
}

/**
 * The user's organisations, roles and teams, read with the credential on every request (one
 * query), so that a removed member or a changed team counts at once (core/access/permissions.ts).
 */
export function orgsOf(deps: Deps, userId: number): Promise<OrgMembership[]> {
  return deps.store.orgs.membershipsOf(userId);
}

/**
 * A browser session from its cookie: a 'web' token, within its absolute lifetime and not idle
 * for longer than `idleMs`. Null when dead (the cookie is then cleared).
 */
export async function authenticateWebSession(deps: Deps, secret: string, idleMs: number): Promise<{ user: User; token: TokenRecord; orgs: OrgMembership[] } | null> {
  if (!isWellFormedToken(secret)) return null;
  const found = await deps.store.tokens.findWithUser(hashToken(secret));
  if (!found || found.token.kind !== 'web' || found.user.status !== 'active') return null;
  const now = deps.clock.now();
  if (found.token.expiresAt !== null && Date.parse(found.token.expiresAt) <= now) return null;
  const lastSeen = deps.usage.lastUsed(found.token.key) ?? found.token.lastUsedAt ?? found.token.createdAt;
  if (Date.parse(lastSeen) + idleMs <= now) {
    await deps.store.tokens.delete(found.token.key);
    return null;
  }
  deps.usage.record(found.token.key, now);
  return { ...found, orgs: await orgsOf(deps, found.user.id) };
}
