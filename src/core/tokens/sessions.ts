// Session tokens: what a login hands out. They expire after the configured lifetime, do not
// appear in token lists, and die on logout or on a password change elsewhere.

import { type Deps, isoNow } from '../deps.ts';
import type { TokenRecord } from '../ports.ts';
import { generateTokenSecret, hashToken, SHOWN_PREFIX_LENGTH } from './format.ts';

export async function createSession(deps: Deps, userId: number): Promise<{ secret: string; token: TokenRecord }> {
  const secret = generateTokenSecret();
  const now = deps.clock.now();
  const token: TokenRecord = {
    key: hashToken(secret),
    userId,
    kind: 'session',
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    name: null,
    description: null,
    readonly: false,
    cidr: [],
    limits: null,
    bypass2fa: false,
    createdAt: isoNow(deps),
    expiresAt: new Date(now + deps.settings.sessionTtlMs).toISOString(),
    lastUsedAt: null,
  };
  await deps.store.tokens.create(token);
  return { secret, token };
}

/** Logout: whoever knows a token may end it. Unknown or dead tokens are fine (idempotent). */
export async function endSession(deps: Deps, secret: string): Promise<void> {
  await deps.store.tokens.delete(hashToken(secret));
}
