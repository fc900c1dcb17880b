// Who is making a request, as the HTTP edge resolved it from the credential.

import type { TokenRecord, User } from '../ports.ts';

export type Principal =
  | { kind: 'anonymous'; notice?: string }
  | {
      kind: 'user';
      user: User;
      token: TokenRecord | null;
      via: 'token' | 'basic';
      /** Basic credentials of an account with 2FA: this request's code was checked (and used) at sign-in. */
      secondFactorPassed?: boolean;
    };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export const anonymous: Principal = { kind: 'anonymous' };
