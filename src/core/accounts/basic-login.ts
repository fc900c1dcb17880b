// Basic credentials (user:password) as a principal, for the few npm flows that send them
// (the enable-2fa profile read, the token npm creates to replace legacy credentials, `npm owner`'s
// user lookup, the couch login fallback). A password hash per call, throttled like a login, so
// it is never used for ordinary requests.
//
// Basic credentials sign in anew on every request: for an account with 2FA (confirmed) that is
// a login, so the request must carry the second factor (npm's otplease retries with the OTP
// after the 401 `WWW-Authenticate: otp`), checked after the password and used up at once; the
// rest of the request then needs no further code. A password alone is never a signed-in user
// of a 2FA account.

import type { Principal } from '../access/principal.ts';
import { confirmedTfaMode } from '../access/second-factor.ts';
import { requireSecondFactor } from './require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { checkPassword } from './sign-in.ts';
import { orgsOf } from '../tokens/authenticate.ts';

/**
 * The user of `name:password` (401 BAD_LOGIN, 429 when throttled), and for an account with 2FA
 * the request's OTP or recovery code (401 OTP_REQUIRED without or with a wrong one).
 */
export async function basicPrincipal(deps: Deps, ctx: RequestContext, name: string, password: string): Promise<Principal> {
  const user = await checkPassword(deps, ctx, name, password, 'basic');
  const orgs = await orgsOf(deps, user.id);
  if (!confirmedTfaMode(user)) return { kind: 'user', user, token: null, via: 'basic', orgs };
  const otp = await requireSecondFactor(deps, { ...ctx, principal: { kind: 'anonymous' } }, 'login', { user, credentialKey: null });
  if (otp) await deps.store.users.consumeOtp(otp);
  return { kind: 'user', user, token: null, via: 'basic', secondFactorPassed: true, orgs };
}
