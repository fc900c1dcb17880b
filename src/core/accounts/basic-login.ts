// Basic credentials (user:password) as a principal, for the few npm flows that send them
// (the enable-2fa profile read, the couch login fallback). A password hash per call, so it is
// never used for ordinary requests.

import type { Principal } from '../access/principal.ts';
import { type Deps, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { normalizePassword } from './password-policy.ts';

export async function basicPrincipal(deps: Deps, ctx: RequestContext, name: string, password: string): Promise<Principal> {
  const user = await deps.store.users.findByName(name);
  if (!user || password.length > 1024 || !(await deps.hasher.verify(user.passwordHash, normalizePassword(password)))) {
    if (user) await logEvent(deps, ctx, user.id, 'login-failed', { reason: 'password', via: 'basic' });
    fail('BAD_LOGIN', 'Incorrect user name or password.');
  }
  return { kind: 'user', user, token: null, via: 'basic' };
}
