// Session tokens: what a login hands out. They expire after the configured lifetime, do not
// appear in token lists, and die on logout or on a password change elsewhere.

import { type Deps, isoNow } from '../deps.ts';
import type { TokenRecord } from '../ports.ts';
import { generateTokenSecret, hashToken, SHOWN_PREFIX_LENGTH } from './format.ts';

/** A new session, not yet stored (a login stores it together with the OTP it consumes). */
export function newSession(deps: Deps, userId: number, kind: 'session' | 'web' = 'session', ttlMs = deps.settings.sessionTtlMs): { secret: string; token: TokenRecord } {
  const secret = generateTokenSecret();
  const token: TokenRecord = {
    key: hashToken(secret),
    userId,
    kind,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    name: null,
    description: null,
    readonly: false,
    cidr: [],
    limits: null,
    bypass2fa: false,
    createdAt: isoNow(deps),
    expiresAt: new Date(deps.clock.now() + ttlMs).toISOString(),
    lastUsedAt: null,
  };
  return { secret, token };
}

/** Logout: whoever knows a token may end it. Unknown or dead tokens are fine (idempotent). */
export async function endSession(deps: Deps, secret: string): Promise<void> {
  await deps.store.tokens.delete(hashToken(secret));
}
