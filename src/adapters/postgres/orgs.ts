// Organisations and teams in PostgreSQL (core/orgs/model.ts), the same contract as SQLite.
// Every write is one transaction that first locks the org's row (FOR UPDATE), so that writers
// on several nodes serialise per org: the last-owner check, the 2FA requirement read by an
// invitation's acceptance, and a team member's org membership cannot change under them.
// Creating an org takes the advisory lock on the name that user sign-ups and scope claims take.

import type pg from 'pg';
import { DomainError } from '../../core/errors.ts';
import {
  DEVELOPERS_TEAM,
  type Org,
  type OrgEvent,
  type OrgInvitation,
  type OrgRole,
  type StoredOrgEvent,
  type Team,
  type TeamGrant,
  type TeamPermission,
} from '../../core/orgs/model.ts';
import type { OrgStore } from '../../core/ports.ts';
import { ACCOUNT_CHANNEL, ORGS_PAYLOAD, PACKAGE_CHANNEL } from './channels.ts';
import { consumeOtp } from './otp.ts';
import { isUniqueViolation, lockName, type Queryable, transaction } from './pool.ts';

interface OrgRow {
  id: number;
  name: string;
  require_tfa: boolean;
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

const toOrg = (r: OrgRow): Org => ({ id: r.id, name: r.name, requireTfa: r.require_tfa, developersAccess: r.developers_access, createdAt: r.created_at });
const toTeam = (r: TeamRow): Team => ({ id: r.id, orgId: r.org_id, orgName: r.org_name, name: r.name, description: r.description, createdAt: r.created_at });
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

const ORG_COLUMNS = 'o.id, o.name, o.require_tfa, o.developers_access, o.created_at';
const TEAM_COLUMNS = 't.id, t.org_id, o.name AS org_name, t.name, t.description, t.created_at';
const INVITATION_SELECT = `SELECT i.org_id, o.name AS org_name, i.user_id, u.name AS user_name, i.role, i.invited_by, b.name AS invited_by_name, i.created_at, i.expires_at
  FROM org_invitations i JOIN orgs o ON o.id = i.org_id JOIN users u ON u.id = i.user_id LEFT JOIN users b ON b.id = i.invited_by`;
const GRANTS_SELECT = `SELECT ${TEAM_COLUMNS}, tp.package, tp.permission FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN orgs o ON o.id = t.org_id`;
const toGrant = (r: TeamRow & { package: string; permission: TeamPermission }): TeamGrant => ({ team: toTeam(r), package: r.package, permission: r.permission });

async function one<T extends pg.QueryResultRow>(c: Queryable, sql: string, params: unknown[]): Promise<T | undefined> {
  return (await c.query<T>(sql, params)).rows[0];
}

/** Locks the org's row for the transaction; NOT_FOUND when there is none. */
async function lockOrg(c: Queryable, orgId: number): Promise<OrgRow> {
  const row = await one<OrgRow>(c, `SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.id = $1 FOR UPDATE`, [orgId]);
  if (!row) throw new DomainError('NOT_FOUND', 'No such organization.');
  return row;
}

/** Locks the org of a team; NOT_FOUND when the team is gone. */
async function lockTeam(c: Queryable, teamId: number): Promise<TeamRow> {
  const row = await one<TeamRow>(c, `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.id = $1 FOR UPDATE OF o`, [teamId]);
  if (!row) throw new DomainError('NOT_FOUND', 'No such team.');
  return row;
}

async function log(c: Queryable, orgId: number, e: OrgEvent | undefined, at: string): Promise<void> {
  if (!e) return;
  await c.query('INSERT INTO org_events (org_id, actor_id, at, type, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    orgId,
    e.actorId,
    at,
    e.type,
    e.ip,
    e.userAgent,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
}

async function roleOf(c: Queryable, orgId: number, userId: number): Promise<OrgRole | null> {
  return (await one<{ role: OrgRole }>(c, 'SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2', [orgId, userId]))?.role ?? null;
}

async function ownerCount(c: Queryable, orgId: number): Promise<number> {
  return Number((await one<{ n: string }>(c, "SELECT COUNT(*) AS n FROM org_members WHERE org_id = $1 AND role = 'owner'", [orgId]))!.n);
}

async function nameTaken(c: Queryable, name: string): Promise<boolean> {
  return ((await c.query('SELECT 1 FROM users WHERE name = $1 UNION ALL SELECT 1 FROM orgs WHERE name = $1', [name])).rowCount ?? 0) > 0;
}

/** A new org with its developers team, `ownerIds` its owners and in the team. */
async function newOrg(c: Queryable, name: string, ownerIds: number[], t: string): Promise<{ orgId: number; teamId: number }> {
  const orgId = (await one<{ id: number }>(c, 'INSERT INTO orgs (name, created_at) VALUES ($1, $2) RETURNING id', [name, t]))!.id;
  const teamId = (await one<{ id: number }>(c, 'INSERT INTO teams (org_id, name, description, created_at) VALUES ($1, $2, NULL, $3) RETURNING id', [orgId, DEVELOPERS_TEAM, t]))!.id;
  await c.query("INSERT INTO org_members (org_id, user_id, role, created_at) SELECT $1, u, 'owner', $3 FROM unnest($2::int[]) AS u", [orgId, ownerIds, t]);
  await c.query('INSERT INTO team_members (team_id, user_id, created_at) SELECT $1, u, $3 FROM unnest($2::int[]) AS u', [teamId, ownerIds, t]);
  return { orgId, teamId };
}

async function byId(c: Queryable, id: number): Promise<Org | null> {
  const r = await one<OrgRow>(c, `SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.id = $1`, [id]);
  return r ? toOrg(r) : null;
}

async function teamById(c: Queryable, id: number): Promise<Team | null> {
  const r = await one<TeamRow>(c, `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.id = $1`, [id]);
  return r ? toTeam(r) : null;
}

/**
 * Who writes the org's packages may have changed (a role, a membership, a team's members): every
 * node drops their cached packuments (core/orgs/writers.ts; the packument shows the writers).
 */
async function notifyOrgPackages(c: Queryable, orgId: number): Promise<void> {
  await c.query(`SELECT pg_notify($1, p.name) FROM packages p JOIN orgs o ON o.id = $2 WHERE left(p.name, length(o.name) + 2) = '@' || o.name || '/'`, [PACKAGE_CHANNEL, orgId]);
}

export function postgresOrgs(pool: pg.Pool, now: () => string): OrgStore {
  /** Deletes up to 100 invitations expired at the store's clock; returns that time. */
  const forgetExpiredInvitations = async (): Promise<string> => {
    const at = now();
    await pool.query(
      'DELETE FROM org_invitations WHERE (org_id, user_id) IN (SELECT org_id, user_id FROM org_invitations WHERE expires_at IS NOT NULL AND expires_at COLLATE "C" <= $1 LIMIT 100)',
      [at],
    );
    return at;
  };
  /**
   * One write: the second factor first (a replay changes nothing), then `fn`, then the news to
   * other nodes (delivered at commit) that org memberships may have changed (cached-tokens.ts).
   */
  const write = <T>(otp: Parameters<typeof consumeOtp>[1], fn: (c: pg.PoolClient, t: string) => Promise<T>): Promise<T> =>
    transaction(pool, async (c) => {
      const t = now();
      await consumeOtp(c, otp, t);
      const result = await fn(c, t);
      await c.query('SELECT pg_notify($1, $2)', [ACCOUNT_CHANNEL, ORGS_PAYLOAD]);
      return result;
    });
  const taken = (name: string) => new DomainError('USER_EXISTS', `The name ${name} is taken.`);

  return {
    async appendEvent(orgId, event, options = {}) {
      await write(options.otp, async (c, t) => {
        await lockOrg(c, orgId);
        await log(c, orgId, event, t);
      });
    },
    async create(name, ownerId, options = {}) {
      try {
        return await write(options.otp, async (c, t) => {
          await lockName(c, 'name', name);
          if ((await nameTaken(c, name)) || ((await c.query('SELECT 1 FROM scopes WHERE scope = $1', [name])).rowCount ?? 0) > 0) throw taken(name);
          const { orgId } = await newOrg(c, name, [ownerId], t);
          await log(c, orgId, options.event, t);
          return (await byId(c, orgId))!;
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw taken(name);
        throw e;
      }
    },
    async adopt(scope, ownerId, options = {}) {
      try {
        return await write(options.otp, async (c, t) => {
          await lockName(c, 'name', scope);
          if (await nameTaken(c, scope)) throw taken(scope);
          const prefix = `@${scope}/`;
          // Locks the scope's packages: a publish creating one commits before or after, never half.
          const packages = (await c.query<{ name: string }>('SELECT name FROM packages WHERE left(name, length($1)) = $1 ORDER BY name COLLATE "C" FOR UPDATE', [prefix])).rows.map((r) => r.name);
          const claimed = ((await c.query('SELECT 1 FROM scopes WHERE scope = $1', [scope])).rowCount ?? 0) > 0;
          if (packages.length === 0 && !claimed) throw new DomainError('NOT_FOUND', `No packages use the scope @${scope}.`);
          const others = (await c.query<{ user_id: number }>('SELECT DISTINCT user_id FROM owners WHERE left(package, length($1)) = $1 ORDER BY user_id', [prefix])).rows
            .map((r) => r.user_id)
            .filter((id) => id !== ownerId);
          const { orgId, teamId } = await newOrg(c, scope, [ownerId, ...others], t);
          await c.query("INSERT INTO team_packages (team_id, package, permission, created_at) SELECT $1, p, 'read-write', $3 FROM unnest($2::text[]) AS p", [teamId, packages, t]);
          await c.query('DELETE FROM scopes WHERE scope = $1', [scope]);
          await log(c, orgId, options.event, t);
          for (const name of packages) await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
          const owners = (await c.query<{ name: string }>(
            `SELECT u.name FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.role = 'owner' ORDER BY u.name COLLATE "C"`,
            [orgId],
          )).rows.map((r) => r.name);
          return { org: (await byId(c, orgId))!, owners, packages };
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw taken(scope);
        throw e;
      }
    },
    async get(name) {
      const r = await one<OrgRow>(pool, `SELECT ${ORG_COLUMNS} FROM orgs o WHERE o.name = $1`, [name]);
      return r ? toOrg(r) : null;
    },
    getById: (id) => byId(pool, id),
    async membershipsOf(userId) {
      const { rows } = await pool.query<{ org: string; role: OrgRole; require_tfa: boolean; teams: string[] }>(
        `SELECT o.name AS org, m.role, o.require_tfa,
           COALESCE((SELECT json_agg(t.name ORDER BY t.name COLLATE "C") FROM team_members tm JOIN teams t ON t.id = tm.team_id
              WHERE tm.user_id = m.user_id AND t.org_id = o.id), '[]') AS teams
         FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name COLLATE "C"`,
        [userId],
      );
      return rows.map((r) => ({ org: r.org, role: r.role, teams: r.teams, tfaRequired: r.require_tfa }));
    },
    async packageNames(orgId) {
      const { rows } = await pool.query<{ name: string }>(
        `SELECT p.name FROM packages p JOIN orgs o ON o.id = $1 WHERE left(p.name, length(o.name) + 2) = '@' || o.name || '/' AND NOT p.unpublished ORDER BY p.name COLLATE "C"`,
        [orgId],
      );
      return rows.map((r) => r.name);
    },
    async listForUser(userId) {
      const { rows } = await pool.query<OrgRow & { role: OrgRole }>(
        `SELECT ${ORG_COLUMNS}, m.role FROM org_members m JOIN orgs o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name COLLATE "C"`,
        [userId],
      );
      return rows.map((r) => ({ org: toOrg(r), role: r.role }));
    },
    role: (orgId, userId) => roleOf(pool, orgId, userId),
    async members(orgId) {
      const { rows } = await pool.query<{ user_id: number; name: string; role: OrgRole; has_tfa: boolean; created_at: string }>(
        `SELECT m.user_id, u.name, m.role, (u.tfa_mode IS NOT NULL AND NOT u.tfa_pending) AS has_tfa, m.created_at
          FROM org_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.name COLLATE "C"`,
        [orgId],
      );
      return rows.map((r) => ({ userId: r.user_id, name: r.name, role: r.role, hasTfa: r.has_tfa, joinedAt: r.created_at }));
    },
    async setRole(orgId, userId, role, options = {}) {
      return write(options.otp, async (c, t) => {
        await lockOrg(c, orgId);
        const current = await roleOf(c, orgId, userId);
        if (!current) throw new DomainError('NOT_FOUND', 'That user is not a member of the organization.');
        if (current === role) return false;
        if (current === 'owner' && (await ownerCount(c, orgId)) <= 1) throw new DomainError('LAST_OWNER', 'An organization must keep at least one owner.');
        await c.query('UPDATE org_members SET role = $1 WHERE org_id = $2 AND user_id = $3', [role, orgId, userId]);
        await notifyOrgPackages(c, orgId);
        await log(c, orgId, options.event, t);
        return true;
      });
    },
    async removeMember(orgId, userId, options = {}) {
      return write(options.otp, async (c, t) => {
        await lockOrg(c, orgId);
        const current = await roleOf(c, orgId, userId);
        if (!current) return false;
        if (current === 'owner' && (await ownerCount(c, orgId)) <= 1) throw new DomainError('LAST_OWNER', 'An organization must keep at least one owner.');
        await c.query('DELETE FROM team_members WHERE user_id = $1 AND team_id IN (SELECT id FROM teams WHERE org_id = $2)', [userId, orgId]);
        await c.query('DELETE FROM org_members WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
        await c.query('DELETE FROM org_invitations WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
        await notifyOrgPackages(c, orgId);
        await log(c, orgId, options.event, t);
        return true;
      });
    },
    async invite(orgId, userId, role, by, options = {}) {
      await write(options.otp, async (c, t) => {
        await lockOrg(c, orgId);
        if (await roleOf(c, orgId, userId)) throw new DomainError('ALREADY_EXISTS', 'That user is already a member of the organization.');
        await c.query(
          `INSERT INTO org_invitations (org_id, user_id, role, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at`,
          [orgId, userId, role, by, t, options.expiresAt ?? null],
        );
        await log(c, orgId, options.event, t);
      });
    },
    async invitations(orgId) {
      const at = await forgetExpiredInvitations();
      return (await pool.query<InvitationRow>(`${INVITATION_SELECT} WHERE i.org_id = $1 AND (i.expires_at IS NULL OR i.expires_at COLLATE "C" > $2) ORDER BY u.name COLLATE "C"`, [orgId, at])).rows.map(toInvitation);
    },
    async invitationsForUser(userId) {
      const at = await forgetExpiredInvitations();
      return (await pool.query<InvitationRow>(`${INVITATION_SELECT} WHERE i.user_id = $1 AND (i.expires_at IS NULL OR i.expires_at COLLATE "C" > $2) ORDER BY o.name COLLATE "C"`, [userId, at])).rows.map(toInvitation);
    },
    async acceptInvitation(orgId, userId, options = {}) {
      return write(options.otp, async (c, t) => {
        const org = await lockOrg(c, orgId);
        const role = (await one<{ role: OrgRole }>(c, 'SELECT role FROM org_invitations WHERE org_id = $1 AND user_id = $2 AND (expires_at IS NULL OR expires_at COLLATE "C" > $3)', [orgId, userId, t]))?.role;
        if (!role) throw new DomainError('NOT_FOUND', 'There is no pending invitation to that organization.');
        if (org.require_tfa) {
          const tfa = await one<{ ok: boolean }>(c, 'SELECT (tfa_mode IS NOT NULL AND NOT tfa_pending) AS ok FROM users WHERE id = $1 FOR SHARE', [userId]);
          if (!tfa?.ok) {
            throw new DomainError('TFA_REQUIRED', `The organization ${org.name} requires two-factor authentication: enable 2FA on your account, then accept the invitation.`);
          }
        }
        await c.query('INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [orgId, userId, role, t]);
        await c.query(
          'INSERT INTO team_members (team_id, user_id, created_at) SELECT id, $2, $3 FROM teams WHERE org_id = $1 AND name = $4 ON CONFLICT DO NOTHING',
          [orgId, userId, t, DEVELOPERS_TEAM],
        );
        await c.query('DELETE FROM org_invitations WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
        await notifyOrgPackages(c, orgId);
        await log(c, orgId, options.event, t);
        return role;
      });
    },
    async deleteInvitation(orgId, userId, options = {}) {
      return write(options.otp, async (c, t) => {
        const gone = ((await c.query('DELETE FROM org_invitations WHERE org_id = $1 AND user_id = $2', [orgId, userId])).rowCount ?? 0) > 0;
        if (gone) await log(c, orgId, options.event, t);
        return gone;
      });
    },
    async updateSettings(orgId, patch, options = {}) {
      return write(options.otp, async (c, t) => {
        await lockOrg(c, orgId);
        if (patch.requireTfa !== undefined) {
          const changed = ((await c.query('UPDATE orgs SET require_tfa = $1 WHERE id = $2 AND require_tfa <> $1', [patch.requireTfa, orgId])).rowCount ?? 0) > 0;
          // Who the org's packages show as writers follows the requirement (core/orgs/writers.ts): every node drops their packuments.
          if (changed) {
            await notifyOrgPackages(c, orgId);
          }
        }
        if (patch.developersAccess !== undefined) await c.query('UPDATE orgs SET developers_access = $1 WHERE id = $2', [patch.developersAccess, orgId]);
        await log(c, orgId, options.event, t);
        return (await byId(c, orgId))!;
      });
    },
    async createTeam(orgId, name, description, options = {}) {
      const exists = () => new DomainError('ALREADY_EXISTS', `The organization already has a team named ${name}.`);
      try {
        return await write(options.otp, async (c, t) => {
          await lockOrg(c, orgId);
          if (((await c.query('SELECT 1 FROM teams WHERE org_id = $1 AND name = $2', [orgId, name])).rowCount ?? 0) > 0) throw exists();
          const id = (await one<{ id: number }>(c, 'INSERT INTO teams (org_id, name, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [orgId, name, description, t]))!.id;
          await log(c, orgId, options.event, t);
          return (await teamById(c, id))!;
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw exists();
        throw e;
      }
    },
    async deleteTeam(teamId, options = {}) {
      return write(options.otp, async (c, t) => {
        const team = await one<TeamRow>(c, `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.id = $1 FOR UPDATE OF o`, [teamId]);
        if (!team) return false;
        const { rows } = await c.query<{ package: string }>('DELETE FROM team_packages WHERE team_id = $1 RETURNING package', [teamId]);
        await c.query('DELETE FROM teams WHERE id = $1', [teamId]);
        for (const r of rows) await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, r.package]);
        await log(c, team.org_id, options.event, t);
        return true;
      });
    },
    async team(orgId, name) {
      const r = await one<TeamRow>(pool, `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.org_id = $1 AND t.name = $2`, [orgId, name]);
      return r ? toTeam(r) : null;
    },
    async teams(orgId) {
      return (await pool.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id WHERE t.org_id = $1 ORDER BY t.name COLLATE "C"`, [orgId])).rows.map(toTeam);
    },
    async teamsOfUser(orgId, userId) {
      const { rows } = await pool.query<TeamRow>(
        `SELECT ${TEAM_COLUMNS} FROM teams t JOIN orgs o ON o.id = t.org_id JOIN team_members tm ON tm.team_id = t.id
          WHERE t.org_id = $1 AND tm.user_id = $2 ORDER BY t.name COLLATE "C"`,
        [orgId, userId],
      );
      return rows.map(toTeam);
    },
    async addTeamMember(teamId, userId, options = {}) {
      return write(options.otp, async (c, t) => {
        const team = await lockTeam(c, teamId);
        if (!(await roleOf(c, team.org_id, userId))) throw new DomainError('FORBIDDEN', `That user is not a member of the organization ${team.org_name}.`);
        const added = ((await c.query('INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [teamId, userId, t])).rowCount ?? 0) > 0;
        if (added) {
          await notifyOrgPackages(c, team.org_id);
          await log(c, team.org_id, options.event, t);
        }
        return added;
      });
    },
    async removeTeamMember(teamId, userId, options = {}) {
      return write(options.otp, async (c, t) => {
        const team = await lockTeam(c, teamId);
        const removed = ((await c.query('DELETE FROM team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId])).rowCount ?? 0) > 0;
        if (removed) {
          await notifyOrgPackages(c, team.org_id);
          await log(c, team.org_id, options.event, t);
        }
        return removed;
      });
    },
    async teamMembers(teamId) {
      const { rows } = await pool.query<{ userId: number; name: string }>(
        'SELECT tm.user_id AS "userId", u.name FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.team_id = $1 ORDER BY u.name COLLATE "C"',
        [teamId],
      );
      return rows;
    },
    async grant(teamId, pkg, permission, options = {}) {
      await write(options.otp, async (c, t) => {
        const team = await lockTeam(c, teamId);
        if (((await c.query('SELECT 1 FROM packages WHERE name = $1', [pkg])).rowCount ?? 0) === 0) throw new DomainError('NOT_FOUND', `Package ${pkg} not found.`);
        await c.query(
          `INSERT INTO team_packages (team_id, package, permission, created_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (team_id, package) DO UPDATE SET permission = excluded.permission`,
          [teamId, pkg, permission, t],
        );
        await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, pkg]);
        await log(c, team.org_id, options.event, t);
      });
    },
    async revoke(teamId, pkg, options = {}) {
      return write(options.otp, async (c, t) => {
        const team = await lockTeam(c, teamId);
        const gone = ((await c.query('DELETE FROM team_packages WHERE team_id = $1 AND package = $2', [teamId, pkg])).rowCount ?? 0) > 0;
        if (gone) {
          await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, pkg]);
          await log(c, team.org_id, options.event, t);
        }
        return gone;
      });
    },
    async teamPackages(teamId) {
      return (await pool.query<{ package: string; permission: TeamPermission }>('SELECT package, permission FROM team_packages WHERE team_id = $1 ORDER BY package COLLATE "C"', [teamId])).rows;
    },
    async packageTeams(pkg) {
      const { rows } = await pool.query<TeamRow & { package: string; permission: TeamPermission }>(
        `${GRANTS_SELECT} WHERE tp.package = $1 ORDER BY o.name COLLATE "C", t.name COLLATE "C"`,
        [pkg],
      );
      return rows.map(toGrant);
    },
    async userPackageGrants(userId, pkg) {
      const { rows } = await pool.query<TeamRow & { package: string; permission: TeamPermission }>(
        `${GRANTS_SELECT} JOIN team_members tm ON tm.team_id = tp.team_id WHERE tp.package = $1 AND tm.user_id = $2
          ORDER BY (tp.permission = 'read-write') DESC, o.name COLLATE "C", t.name COLLATE "C"`,
        [pkg, userId],
      );
      return rows.map(toGrant);
    },
    async events(orgId, { before, limit }) {
      const { rows } = await pool.query<{
        id: string;
        org_id: number;
        actor_id: number | null;
        actor_name: string | null;
        at: string;
        type: string;
        ip: string | null;
        user_agent: string | null;
        detail: StoredOrgEvent['detail'] | null;
      }>(
        'SELECT e.id, e.org_id, e.actor_id, u.name AS actor_name, e.at, e.type, e.ip, e.user_agent, e.detail FROM org_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.org_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3',
        [orgId, before ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.map(
        (r): StoredOrgEvent => ({
          id: Number(r.id),
          orgId: r.org_id,
          actorId: r.actor_id,
          actorName: r.actor_name,
          at: r.at,
          type: r.type,
          ip: r.ip,
          userAgent: r.user_agent,
          ...(r.detail ? { detail: r.detail } : {}),
        }),
      );
    },
  };
}
