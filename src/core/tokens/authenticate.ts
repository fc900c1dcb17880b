// Turns a bearer token into a principal: one lookup by hash, then expiry. Dead tokens make
// the caller anonymous with a notice; routes that need an identity refuse anonymous callers.

import type { Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import type { TokenRecord, User } from '../ports.ts';
import { fail } from '../errors.ts';
import { ipAllowed } from './cidr.ts';
import { hashToken, isWellFormedToken } from './format.ts';

export const DEAD_TOKEN_NOTICE = 'Access token expired or revoked. Please try logging in again.';

export async function authenticateToken(deps: Deps, secret: string, ip: string): Promise<Principal> {
  if (!isWellFormedToken(secret)) return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  const found = await deps.store.tokens.findWithUser(hashToken(secret));
  if (!found) return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  const { token, user } = found;
  // Browser sessions live in a cookie only: as a bearer token they are worthless.
  if (token.kind === 'web') return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= deps.clock.now()) {
    return { kind: 'anonymous', notice: DEAD_TOKEN_NOTICE };
  }
  // Outside its address ranges a token is refused on every request, reads included.
  if (!ipAllowed(token.cidr, ip)) fail('IP_NOT_ALLOWED', `This token may not be used from ${ip}. Allowed ranges: ${token.cidr.join(', ')}.`);
  deps.usage.record(token.key, deps.clock.now());
  return { kind: 'user', user, token, via: 'token' };
}

/**
 * A browser session from its cookie: a 'web' token, within its absolute lifetime and not idle
 * for longer than `idleMs`. Null when dead (the cookie is then cleared).
 */
export async function authenticateWebSession(deps: Deps, secret: string, idleMs: number): Promise<{ user: User; token: TokenRecord } | null> {
  if (!isWellFormedToken(secret)) return null;
  const found = await deps.store.tokens.findWithUser(hashToken(secret));
  if (!found || found.token.kind !== 'web') return null;
  const now = deps.clock.now();
  if (found.token.expiresAt !== null && Date.parse(found.token.expiresAt) <= now) return null;
  const lastSeen = deps.usage.lastUsed(found.token.key) ?? found.token.lastUsedAt ?? found.token.createdAt;
  if (Date.parse(lastSeen) + idleMs <= now) {
    await deps.store.tokens.delete(found.token.key);
    return null;
  }
  deps.usage.record(found.token.key, now);
  return found;
}
