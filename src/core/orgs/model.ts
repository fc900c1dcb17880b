// The organisations' records (issue #18): orgs, their members and roles, pending invitations,
// teams, the teams' package grants and the org's own security log. The port that stores them is
// OrgStore in core/ports.ts (adapters: src/adapters/sqlite/orgs.ts, src/adapters/postgres/orgs.ts;
// one contract suite, test/contract/suite/orgs.ts, runs against both).

/** The roles of npmjs organisations (docs.npmjs.com "Organization roles and permissions"). */
export type OrgRole = 'owner' | 'admin' | 'developer';

export const ORG_ROLES: readonly OrgRole[] = ['owner', 'admin', 'developer'];

/** What a team may do with a package (npm access grant <read-only|read-write>). */
export type TeamPermission = 'read-only' | 'read-write';

/** The team every org has, that new members join (as on npmjs). */
export const DEVELOPERS_TEAM = 'developers';

export interface Org {
  id: number;
  /** Also the scope the org owns (`@name`); shares one namespace with user names. */
  name: string;
  /** "Members must use 2FA" (issue #18 item 4). */
  requireTfa: boolean;
  /**
   * What the developers team gets on each new package of the org: 'read-write' (npmjs's
   * default), 'read-only', or null (nothing).
   */
  developersAccess: TeamPermission | null;
  createdAt: string;
}

export interface OrgMember {
  userId: number;
  name: string;
  role: OrgRole;
  /** The user has a confirmed second factor (what the org's 2FA requirement asks for). */
  hasTfa: boolean;
  joinedAt: string;
}

export interface OrgInvitation {
  orgId: number;
  orgName: string;
  userId: number;
  userName: string;
  role: OrgRole;
  /** The inviter; null when that account is gone. */
  invitedById: number | null;
  invitedByName: string | null;
  createdAt: string;
  /** When it can no longer be accepted (ISO 8601); null: never (made without a lifetime). */
  expiresAt: string | null;
}

export interface Team {
  id: number;
  orgId: number;
  orgName: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface TeamGrant {
  team: Team;
  package: string;
  permission: TeamPermission;
}

/** One line of an org's security log (read by its owners). */
export interface OrgEvent {
  /** Who did it; null for an administrator's command (tessera org create/adopt). */
  actorId: number | null;
  type: string;
  ip: string | null;
  userAgent: string | null;
  /** Non-secret details: a user name, a role, a team, a package. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface StoredOrgEvent extends OrgEvent {
  id: number;
  orgId: number;
  /** The actor's name when the account still exists. */
  actorName: string | null;
  at: string;
}
