// Organisations and teams in SQLite (core/orgs/model.ts). Every write is one IMMEDIATE
// transaction: the change, its org log line and the second factor's consumption.

import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { OrgStore, OrgWriteOptions, OtpUse } from '../../core/ports.ts';
import {
  DEVELOPERS_TEAM,
  type Org,
  type OrgEvent,
  type OrgInvitation,
  type OrgMember,
  type OrgRole,
  type StoredOrgEvent,
  type Team,
  type TeamGrant,
  type TeamPermission,
} from '../../core/orgs/model.ts';
import { otpConsumer } from './otp.ts';

interface OrgRow {
  id: number;
  name: string;
  require_tfa: number;
  developers_access: TeamPermission | null;
  created_at: string;
}

interface TeamRow {
  id: number;
  org_id: number;
  org_name: string;
  name: string;
  description: string | null;
  created_at: string;
}

const toOrg = (r: OrgRow): Org => ({ id: r.id, name: r.name, requireTfa: r.require_tfa === 1, developersAccess: r.developers_access, createdAt: r.created_at });
const toTeam = (r: TeamRow): Team => ({ id: r.id, orgId: r.org_id, orgName: r.org_name, name: r.name, description: r.description, createdAt: r.created_at });

const TEAM_COLUMNS = 't.id, t.org_id, o.name AS org_name, t.name, t.description, t.created_at';
const INVITATION_SELECT = `SELECT i.org_id, o.name AS org_name, i.user_id, u.name AS user_name, i.role, i.invited_by, b.name AS invited_by_name, i.created_at, i.expires_at
  FROM org_invitations i JOIN orgs o ON o.id = i.org_id JOIN users u ON u.id = i.user_id LEFT JOIN users b ON b.id = i.invited_by`;

interface InvitationRow {
  org_id: number;
  org_name: string;
  user_id: number;
  user_name: string;
  role: OrgRole;
  invited_by: number | null;
  invited_by_name: string | null;
  created_at: string;
  expires_at: string | null;
}

const toInvitation = (r: InvitationRow): OrgInvitation => ({
  orgId: r.org_id,
  orgName: r.org_name,
  userId: r.user_id,
  userName: r.user_name,
  role: r.role,
  invitedById: r.invited_by,
  invitedByName: r.invited_by_name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export function sqliteOrgs(db: Database.Database, now: () => string): OrgStore {
  const q = {
    orgByName: db.prepare('SELECT * FROM orgs WHERE name = ?'),
    orgById: db.prepare('SELECT * FROM orgs WHERE id = ?'),
    userNamed: db.prepare('SELECT 1 FROM users WHERE name = ?'),
    scopeRow: db.prepare('SELECT 1 FROM scopes WHERE scope = ?'),
    insertOrg: db.prepare('INSERT INTO orgs (name, created_at) VALUES (?, ?)'),
    insertMember: db.prepare('INSERT INTO org_members (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (org_id, user_id) DO NOTHING'),
    insertTeam: db.prepare('INSERT INTO teams (org_id, name, description, created_at) VALUES (?, ?, ?, ?)'),
    insertTeamMember: db.prepare('INSERT INTO team_members (team_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    upsertGrant: db.prepare(
      'INSERT INTO team_packages (team_id, package, permission, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (team_id, package) DO UPDATE SET permission = excluded.permission',
    ),
    role: db.prepare('SELECT role FROM org_members WHERE org_id = ? AND user_id = ?').pluck(),
    ownerCount: db.prepare("SELECT COUNT(*) FROM org_members WHERE org_id = ? AND role = 'owner'").pluck(),
    setRole: db.prepare('UPDATE org_members SET role = ? WHERE org_id = ? AND user_id = ?'),
    deleteMember: db.prepare('DELETE FROM org_members WHERE org_id = ? AND user_id = ?'),
    deleteMemberTeams: db.prepare('DELETE FROM team_members WHERE user_id = ? AND team_id IN (SELECT id FROM teams WHERE org_id = ?)'),
    deleteInvitation: db.prepare('DELETE FROM org_invitations WHERE org_id = ? AND user_id = ?'),
    upsertInvitation: db.prepare(
      'INSERT INTO org_invitations (org_id, user_id, role, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at',
    ),
    invitationRole: db.prepare('SELECT role FROM org_invitations WHERE org_id = ? AND user_id = ? AND (expires_at IS NULL OR expires_at > ?)').pluck(),
    deleteExpiredInvitations: db.prepare(
      'DELETE FROM org_invitations WHERE (org_id, user_id) IN (SELECT org_id, user_id FROM org_invitations WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT 100)',
    ),
    userHasTfa: db.prepare('SELECT tfa_mode IS NOT NULL AND tfa_pending = 0 FROM users WHERE id = ?').pluck(),
    teamByName: db.prepare(`SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.org_id = ? AND t.name = ?`),
    teamById: db.prepare(`SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.id = ?`),
    members: db.prepare(
      `SELECT m.user_id, u.name, m.role, (u.tfa_mode IS NOT NULL AND u.tfa_pending = 0) AS has_tfa, m.created_at
        FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY u.name`,
    ),
    scopePackages: db.prepare('SELECT name FROM packages WHERE substr(name, 1, length(?)) = ? ORDER BY name').pluck(),
    scopeOwners: db.prepare(
      'SELECT DISTINCT o.user_id FROM owners o WHERE substr(o.package, 1, length(?)) = ? ORDER BY o.user_id',
    ).pluck(),
    deleteScope: db.prepare('DELETE FROM scopes WHERE scope = ?'),
    packageExists: db.prepare('SELECT 1 FROM packages WHERE name = ?'),
    event: db.prepare('INSERT INTO org_events (org_id, actor_id, at, type, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  };
  const consume = otpConsumer(db, now);

  function mustOrg(id: number): OrgRow {
    const row = q.orgById.get(id) as OrgRow | undefined;
    if (!row) throw new DomainError('NOT_FOUND', 'No such organization.');
    return row;
  }
  function mustTeam(id: number): TeamRow {
    const row = q.teamById.get(id) as TeamRow | undefined;
    if (!row) throw new DomainError('NOT_FOUND', 'No such team.');
    return row;
  }
  function log(orgId: number, e: OrgEvent | undefined): void {
    if (e) q.event.run(orgId, e.actorId, now(), e.type, e.ip, e.userAgent, e.detail ? JSON.stringify(e.detail) : null);
  }
  /** The opening of every write: the second factor is consumed first (a replay changes nothing). */
  function begin(otp: OtpUse | null | undefined): void {
    consume(otp);
  }
  function nameTaken(name: string): boolean {
    return Boolean(q.userNamed.get(name) || q.orgByName.get(name));
  }
  function newOrg(name: string, ownerIds: number[]): { orgId: number; teamId: number } {
    const t = now();
    const orgId = Number(q.insertOrg.run(name, t).lastInsertRowid);
    const teamId = Number(q.insertTeam.run(orgId, DEVELOPERS_TEAM, null, t).lastInsertRowid);
    for (const id of ownerIds) {
      q.insertMember.run(orgId, id, 'owner', t);
      q.insertTeamMember.run(teamId, id, t);
    }
    return { orgId, teamId };
  }

  const create = db.transaction((name: string, ownerId: number, o: OrgWriteOptions): number => {
    begin(o.otp);
    if (nameTaken(name) || q.scopeRow.get(name)) throw new DomainError('USER_EXISTS', `The name ${name} is taken.`);
    const { orgId } = newOrg(name, [ownerId]);
    log(orgId, o.event);
    return orgId;
  });

  const adopt = db.transaction((scope: string, ownerId: number, o: OrgWriteOptions) => {
    begin(o.otp);
    if (nameTaken(scope)) throw new DomainError('USER_EXISTS', `The name ${scope} is taken.`);
    const prefix = `@${scope}/`;
    const packages = q.scopePackages.all(prefix, prefix) as string[];
    if (packages.length === 0 && !q.scopeRow.get(scope)) throw new DomainError('NOT_FOUND', `No packages use the scope @${scope}.`);
    const owners = [ownerId, ...(q.scopeOwners.all(prefix, prefix) as number[]).filter((id) => id !== ownerId)];
    const { orgId, teamId } = newOrg(scope, owners);
    const t = now();
    for (const name of packages) q.upsertGrant.run(teamId, name, 'read-write', t);
    q.deleteScope.run(scope);
    log(orgId, o.event);
    return { orgId, packages };
  });

  const setRole = db.transaction((orgId: number, userId: number, role: OrgRole, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    mustOrg(orgId);
    const current = q.role.get(orgId, userId) as OrgRole | undefined;
    if (!current) throw new DomainError('NOT_FOUND', 'That user is not a member of the organization.');
    if (current === role) return false;
    if (current === 'owner' && (q.ownerCount.get(orgId) as number) <= 1) {
      throw new DomainError('LAST_OWNER', 'An organization must keep at least one owner.');
    }
    q.setRole.run(role, orgId, userId);
    log(orgId, o.event);
    return true;
  });

  const removeMember = db.transaction((orgId: number, userId: number, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    mustOrg(orgId);
    const current = q.role.get(orgId, userId) as OrgRole | undefined;
    if (!current) return false;
    if (current === 'owner' && (q.ownerCount.get(orgId) as number) <= 1) {
      throw new DomainError('LAST_OWNER', 'An organization must keep at least one owner.');
    }
    q.deleteMemberTeams.run(userId, orgId);
    q.deleteMember.run(orgId, userId);
    q.deleteInvitation.run(orgId, userId);
    log(orgId, o.event);
    return true;
  });

  const invite = db.transaction((orgId: number, userId: number, role: OrgRole, by: number | null, o: OrgWriteOptions & { expiresAt?: string }) => {
    begin(o.otp);
    mustOrg(orgId);
    if (q.role.get(orgId, userId)) throw new DomainError('ALREADY_EXISTS', 'That user is already a member of the organization.');
    q.upsertInvitation.run(orgId, userId, role, by, now(), o.expiresAt ?? null);
    log(orgId, o.event);
  });

  const accept = db.transaction((orgId: number, userId: number, o: OrgWriteOptions): OrgRole => {
    begin(o.otp);
    const org = mustOrg(orgId);
    const role = q.invitationRole.get(orgId, userId, now()) as OrgRole | undefined;
    if (!role) throw new DomainError('NOT_FOUND', 'There is no pending invitation to that organization.');
    if (org.require_tfa === 1 && !q.userHasTfa.get(userId)) {
      throw new DomainError('TFA_REQUIRED', `The organization ${org.name} requires two-factor authentication: enable 2FA on your account, then accept the invitation.`);
    }
    const t = now();
    q.insertMember.run(orgId, userId, role, t);
    const developers = q.teamByName.get(orgId, DEVELOPERS_TEAM) as TeamRow | undefined;
    if (developers) q.insertTeamMember.run(developers.id, userId, t);
    q.deleteInvitation.run(orgId, userId);
    log(orgId, o.event);
    return role;
  });

  const deleteInvitation = db.transaction((orgId: number, userId: number, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    const gone = q.deleteInvitation.run(orgId, userId).changes > 0;
    if (gone) log(orgId, o.event);
    return gone;
  });

  const updateSettings = db.transaction((orgId: number, patch: { requireTfa?: boolean; developersAccess?: TeamPermission | null }, o: OrgWriteOptions) => {
    begin(o.otp);
    mustOrg(orgId);
    if (patch.requireTfa !== undefined) db.prepare('UPDATE orgs SET require_tfa = ? WHERE id = ?').run(patch.requireTfa ? 1 : 0, orgId);
    if (patch.developersAccess !== undefined) db.prepare('UPDATE orgs SET developers_access = ? WHERE id = ?').run(patch.developersAccess, orgId);
    log(orgId, o.event);
  });

  const createTeam = db.transaction((orgId: number, name: string, description: string | null, o: OrgWriteOptions): number => {
    begin(o.otp);
    mustOrg(orgId);
    if (q.teamByName.get(orgId, name)) throw new DomainError('ALREADY_EXISTS', `The organization already has a team named ${name}.`);
    const id = Number(q.insertTeam.run(orgId, name, description, now()).lastInsertRowid);
    log(orgId, o.event);
    return id;
  });

  const deleteTeam = db.transaction((teamId: number, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    const team = q.teamById.get(teamId) as TeamRow | undefined;
    if (!team) return false;
    db.prepare('DELETE FROM teams WHERE id = ?').run(teamId);
    log(team.org_id, o.event);
    return true;
  });

  const addTeamMember = db.transaction((teamId: number, userId: number, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    const team = mustTeam(teamId);
    if (!q.role.get(team.org_id, userId)) throw new DomainError('FORBIDDEN', `That user is not a member of the organization ${team.org_name}.`);
    const added = q.insertTeamMember.run(teamId, userId, now()).changes > 0;
    if (added) log(team.org_id, o.event);
    return added;
  });

  const removeTeamMember = db.transaction((teamId: number, userId: number, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    const team = mustTeam(teamId);
    const removed = db.prepare('DELETE FROM team_members WHERE team_id = ? AND user_id = ?').run(teamId, userId).changes > 0;
    if (removed) log(team.org_id, o.event);
    return removed;
  });

  const grant = db.transaction((teamId: number, pkg: string, permission: TeamPermission, o: OrgWriteOptions) => {
    begin(o.otp);
    const team = mustTeam(teamId);
    if (!q.packageExists.get(pkg)) throw new DomainError('NOT_FOUND', `Package ${pkg} not found.`);
    q.upsertGrant.run(teamId, pkg, permission, now());
    log(team.org_id, o.event);
  });

  const revoke = db.transaction((teamId: number, pkg: string, o: OrgWriteOptions): boolean => {
    begin(o.otp);
    const team = mustTeam(teamId);
    const gone = db.prepare('DELETE FROM team_packages WHERE team_id = ? AND package = ?').run(teamId, pkg).changes > 0;
    if (gone) log(team.org_id, o.event);
    return gone;
  });

  const grantsSelect = `SELECT ${TEAM_COLUMNS}, tp.package, tp.permission FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN orgs o ON o.id = t.org_id`;
  const toGrant = (r: TeamRow & { package: string; permission: TeamPermission }): TeamGrant => ({ team: toTeam(r), package: r.package, permission: r.permission });
  const s = {
    listForUser: db.prepare('SELECT o.*, m.role FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.name'),
    memberships: db.prepare(
      `SELECT o.name AS org, m.role, o.require_tfa,
         (SELECT json_group_array(name) FROM (SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
            WHERE tm.user_id = m.user_id AND t.org_id = o.id ORDER BY t.name)) AS teams
       FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.name`,
    ),
    invitations: db.prepare(`${INVITATION_SELECT} WHERE i.org_id = ? AND (i.expires_at IS NULL OR i.expires_at > ?) ORDER BY u.name`),
    invitationsForUser: db.prepare(`${INVITATION_SELECT} WHERE i.user_id = ? AND (i.expires_at IS NULL OR i.expires_at > ?) ORDER BY o.name`),
    teams: db.prepare(`SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.org_id = ? ORDER BY t.name`),
    teamsOfUser: db.prepare(
      `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id JOIN team_members tm ON tm.team_id = t.id WHERE t.org_id = ? AND tm.user_id = ? ORDER BY t.name`,
    ),
    teamMembers: db.prepare('SELECT tm.user_id AS userId, u.name FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.team_id = ? ORDER BY u.name'),
    teamPackages: db.prepare('SELECT package, permission FROM team_packages WHERE team_id = ? ORDER BY package'),
    packageNames: db.prepare('SELECT name FROM packages WHERE substr(name, 1, ?) = ? AND unpublished = 0 ORDER BY name').pluck(),
    packageTeams: db.prepare(`${grantsSelect} WHERE tp.package = ? ORDER BY o.name, t.name`),
    userGrants: db.prepare(
      `${grantsSelect} JOIN team_members tm ON tm.team_id = tp.team_id WHERE tp.package = ? AND tm.user_id = ?
        ORDER BY tp.permission = 'read-write' DESC, o.name, t.name`,
    ),
    events: db.prepare(
      'SELECT e.*, u.name AS actor_name FROM org_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.org_id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?',
    ),
  };

  const appendEvent = db.transaction((orgId: number, e: OrgEvent, otp: OtpUse | null | undefined) => {
    begin(otp);
    mustOrg(orgId);
    log(orgId, e);
  });

  return {
    async appendEvent(orgId, event, options = {}) {
      appendEvent.immediate(orgId, event, options.otp);
    },
    async create(name, ownerId, options = {}) {
      return toOrg(q.orgById.get(create.immediate(name, ownerId, options)) as OrgRow);
    },
    async adopt(scope, ownerId, options = {}) {
      const { orgId, packages } = adopt.immediate(scope, ownerId, options);
      const owners = (q.members.all(orgId) as Array<{ name: string; role: OrgRole }>).filter((m) => m.role === 'owner').map((m) => m.name);
      return { org: toOrg(q.orgById.get(orgId) as OrgRow), owners, packages };
    },
    async get(name) {
      const r = q.orgByName.get(name) as OrgRow | undefined;
      return r ? toOrg(r) : null;
    },
    async getById(id) {
      const r = q.orgById.get(id) as OrgRow | undefined;
      return r ? toOrg(r) : null;
    },
    async listForUser(userId) {
      return (s.listForUser.all(userId) as Array<OrgRow & { role: OrgRole }>).map((r) => ({ org: toOrg(r), role: r.role }));
    },
    async membershipsOf(userId) {
      return (s.memberships.all(userId) as Array<{ org: string; role: OrgRole; require_tfa: number; teams: string }>).map((r) => ({
        org: r.org,
        role: r.role,
        teams: JSON.parse(r.teams) as string[],
        tfaRequired: r.require_tfa === 1,
      }));
    },
    async packageNames(orgId) {
      const org = q.orgById.get(orgId) as OrgRow | undefined;
      if (!org) return [];
      const prefix = `@${org.name}/`;
      return s.packageNames.all(prefix.length, prefix) as string[];
    },
    async role(orgId, userId) {
      return (q.role.get(orgId, userId) as OrgRole | undefined) ?? null;
    },
    async members(orgId) {
      return (q.members.all(orgId) as Array<{ user_id: number; name: string; role: OrgRole; has_tfa: number; created_at: string }>).map(
        (r): OrgMember => ({ userId: r.user_id, name: r.name, role: r.role, hasTfa: r.has_tfa === 1, joinedAt: r.created_at }),
      );
    },
    async setRole(orgId, userId, role, options = {}) {
      return setRole.immediate(orgId, userId, role, options);
    },
    async removeMember(orgId, userId, options = {}) {
      return removeMember.immediate(orgId, userId, options);
    },
    async invite(orgId, userId, role, by, options = {}) {
      invite.immediate(orgId, userId, role, by, options);
    },
    async invitations(orgId) {
      const at = now();
      q.deleteExpiredInvitations.run(at);
      return (s.invitations.all(orgId, at) as InvitationRow[]).map(toInvitation);
    },
    async invitationsForUser(userId) {
      const at = now();
      q.deleteExpiredInvitations.run(at);
      return (s.invitationsForUser.all(userId, at) as InvitationRow[]).map(toInvitation);
    },
    async acceptInvitation(orgId, userId, options = {}) {
      return accept.immediate(orgId, userId, options);
    },
    async deleteInvitation(orgId, userId, options = {}) {
      return deleteInvitation.immediate(orgId, userId, options);
    },
    async updateSettings(orgId, patch, options = {}) {
      updateSettings.immediate(orgId, patch, options);
      return toOrg(q.orgById.get(orgId) as OrgRow);
    },
    async createTeam(orgId, name, description, options = {}) {
      return toTeam(q.teamById.get(createTeam.immediate(orgId, name, description, options)) as TeamRow);
    },
    async deleteTeam(teamId, options = {}) {
      return deleteTeam.immediate(teamId, options);
    },
    async team(orgId, name) {
      const r = q.teamByName.get(orgId, name) as TeamRow | undefined;
      return r ? toTeam(r) : null;
    },
    async teams(orgId) {
      return (s.teams.all(orgId) as TeamRow[]).map(toTeam);
    },
    async teamsOfUser(orgId, userId) {
      return (s.teamsOfUser.all(orgId, userId) as TeamRow[]).map(toTeam);
    },
    async addTeamMember(teamId, userId, options = {}) {
      return addTeamMember.immediate(teamId, userId, options);
    },
    async removeTeamMember(teamId, userId, options = {}) {
      return removeTeamMember.immediate(teamId, userId, options);
    },
    async teamMembers(teamId) {
      return s.teamMembers.all(teamId) as Array<{ userId: number; name: string }>;
    },
    async grant(teamId, pkg, permission, options = {}) {
      grant.immediate(teamId, pkg, permission, options);
    },
    async revoke(teamId, pkg, options = {}) {
      return revoke.immediate(teamId, pkg, options);
    },
    async teamPackages(teamId) {
      return s.teamPackages.all(teamId) as Array<{ package: string; permission: TeamPermission }>;
    },
    async packageTeams(pkg) {
      return (s.packageTeams.all(pkg) as Array<TeamRow & { package: string; permission: TeamPermission }>).map(toGrant);
    },
    async userPackageGrants(userId, pkg) {
      return (s.userGrants.all(pkg, userId) as Array<TeamRow & { package: string; permission: TeamPermission }>).map(toGrant);
    },
    async events(orgId, { before, limit }) {
      const rows = s.events.all(orgId, before ?? Number.MAX_SAFE_INTEGER, limit) as Array<{
        id: number;
        org_id: number;
        actor_id: number | null;
        actor_name: string | null;
        at: string;
        type: string;
        ip: string | null;
        user_agent: string | null;
        detail: string | null;
      }>;
      return rows.map(
        (r): StoredOrgEvent => ({
          id: r.id,
          orgId: r.org_id,
          actorId: r.actor_id,
          actorName: r.actor_name,
          at: r.at,
          type: r.type,
          ip: r.ip,
          userAgent: r.user_agent,
          ...(r.detail ? { detail: JSON.parse(r.detail) as StoredOrgEvent['detail'] } : {}),
        }),
      );
    },
  };
}
