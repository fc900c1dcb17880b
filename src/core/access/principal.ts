// Who is making a request, as the HTTP edge resolved it from the credential.

import type { OrgRole } from '../orgs/model.ts';
import type { TokenRecord, User } from '../ports.ts';

/**
 * The caller's place in one organisation, read fresh with the credential on every request (so
 * a removed member or a changed team takes effect at once): the role, the teams (names without
 * the org), and whether the org requires 2FA of its members.
 */
export interface OrgMembership {
  org: string;
  role: OrgRole;
  teams: string[];
  tfaRequired: boolean;
}

export type Principal =
  | { kind: 'anonymous'; notice?: string }
  | {
      kind: 'user';
      user: User;
      token: TokenRecord | null;
      via: 'token' | 'basic';
      /** Basic credentials of an account with 2FA: this request's code was checked (and used) at sign-in. */
      secondFactorPassed?: boolean;
      /** The user's organisations (absent: none were read, as for a user in no org). */
      orgs?: OrgMembership[];
    };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export const anonymous: Principal = { kind: 'anonymous' };
