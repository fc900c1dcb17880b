// Basic credentials (user:password) as a principal, for the few npm flows that send them
// (the enable-2fa profile read, the couch login fallback). A password hash per call, so it is
// never used for ordinary requests.

import type { Principal } from '../access/principal.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { checkPassword } from './sign-in.ts';

export async function basicPrincipal(deps: Deps, ctx: RequestContext, name: string, password: string): Promise<Principal> {
  const user = await checkPassword(deps, ctx, name, password, 'basic');
  return { kind: 'user', user, token: null, via: 'basic' };
}
