// Turns a bearer token into a principal: one lookup by hash, then expiry. Dead tokens make
// the caller anonymous with a notice; routes that need an identity refuse anonymous callers.

import type { OrgMembership, Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import type { TokenRecord, User } from '../ports.ts';
import { fail } from '../errors.ts';
import { ipAllowed } from './cidr.ts';
import { hasTokenShape, hashToken, isWellFormedToken } from './format.ts';

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

export async function authenticateToken(deps: Deps, secret: string, ip: string): Promise<Principal> {
  // The shape is checked, not the checksum: that is for scanners, and a forged one is public
  // knowledge anyway; an unknown token costs one lookup either way.
  if (!hasTokenShape(secret)) return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  const found = await deps.store.tokens.findWithUser(hashToken(secret));
  if (!found) return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  const { token, user } = found;
  // Browser sessions live in a cookie only: as a bearer token they are worthless.
  if (token.kind === 'web') return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  const now = deps.clock.now();
  if (expiresAtMs(token) <= now) return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  // Outside its address ranges a token is refused on every request, reads included.
  if (token.cidr.length > 0 && !ipAllowed(token.cidr, ip)) {
    fail('IP_NOT_ALLOWED', `This token may not be used from ${ip}. Allowed ranges: ${token.cidr.join(', ')}.`);
  }
  requireActive(user);
  deps.usage.record(token.key, now);
  return { kind: 'user', user, token, via: 'token', orgs: await orgsOf(deps, user.id) };
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
