import type pg from 'pg';
import { DomainError } from '../../core/errors.ts';
import type { User, UserPatch, UserStore } from '../../core/ports.ts';
import { toUser, USER_COLUMNS, type UserRow } from '../rows.ts';
import { PACKAGE_CHANNEL } from './channels.ts';
import { consumeOtp, notifyAccount, notifyOrgPackagesOf } from './otp.ts';
import { isUniqueViolation, lockName, type Queryable, transaction } from './pool.ts';
import { USER_PATCH_COLUMNS } from '../user-columns.ts';



async function byId(c: Queryable, id: number): Promise<User | null> {
  const { rows } = await c.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** A user read back after a write in the same transaction (the row exists: it was just written). */
async function mustById(c: Queryable, id: number): Promise<User> {
  const user = await byId(c, id);
  if (!user) throw new DomainError('NOT_FOUND', 'No such user.');
  return user;
}

export function postgresUsers(pool: pg.Pool, now: () => string): UserStore {
  return {
    async findByName(name) {
      const { rows } = await pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = $1`, [name]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    findById: (id) => byId(pool, id),
    async list({ after, limit }) {
      const { rows } = await pool.query<{ id: number; name: string; email: string; admin: boolean; status: User['status']; tfa: boolean; created_at: string }>(
        `SELECT id, name, email, admin, status, (tfa_mode IS NOT NULL AND NOT tfa_pending) AS tfa, created_at FROM users WHERE name COLLATE "C" > $1 ORDER BY name COLLATE "C" LIMIT $2`,
        [after ?? '', limit],
      );
      return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, admin: r.admin, status: r.status, tfa: r.tfa, createdAt: r.created_at }));
    },
    async create(u) {
      try {
        return await transaction(pool, async (c) => {
          // The scope @NAME belongs to user NAME, so a name somebody's scope or an org already uses is taken.
          // The name lock orders this against a publish claiming the same scope on another node.
          await lockName(c, 'name', u.name);
          const taken = await c.query('SELECT 1 FROM users WHERE name = $1 UNION ALL SELECT 1 FROM scopes WHERE scope = $1 UNION ALL SELECT 1 FROM orgs WHERE name = $1', [u.name]);
          if (taken.rowCount) throw new DomainError('USER_EXISTS', 'The user name is taken.');
          const t = now();
          const { rows } = await c.query<UserRow>(
            `INSERT INTO users AS u (name, email, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING ${USER_COLUMNS}`,
            [u.name, u.email, u.passwordHash, t],
          );
          return toUser(rows[0]);
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('USER_EXISTS', 'The user name is taken.');
        throw e;
      }
    },
    async update(id, patch, options = {}) {
      return transaction(pool, async (c) => {
        await consumeOtp(c, options.otp, now());
        const sets: string[] = [];
        const values: unknown[] = [];
        for (const [k, v] of Object.entries(patch) as Array<[keyof UserPatch, unknown]>) {
          if (v === undefined) continue;
          values.push(v);
          sets.push(`${USER_PATCH_COLUMNS[k]} = $${values.length}`);
        }
        values.push(now(), id);
        sets.push(`updated_at = $${values.length - 1}`);
        await c.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
        await notifyAccount(c, id);
        // Packuments show owners' e-mails: every node drops its cached ones of this user's packages.
        if (patch.email !== undefined) {
          await c.query('SELECT pg_notify($1, package) FROM owners WHERE user_id = $2', [PACKAGE_CHANNEL, id]);
          // And the packages of the user's orgs, whose writers (with their e-mails) the packuments list.
          await c.query(
            `SELECT pg_notify($1, p.name) FROM packages p JOIN orgs o ON left(p.name, length(o.name) + 2) = '@' || o.name || '/' JOIN org_members m ON m.org_id = o.id WHERE m.user_id = $2`,
            [PACKAGE_CHANNEL, id],
          );
        }
        return mustById(c, id);
      });
    },
    async setTfa(id, tfa, codes, options = {}) {
      return transaction(pool, async (c) => {
        await consumeOtp(c, options.otp, now());
        // The last accepted step only moves forward while a factor stays active (a step consumed
        // in this same transaction must not be overwritten by the caller's older copy).
        await c.query(
          `UPDATE users SET tfa_mode = $1, tfa_pending = $2, tfa_secret = $3,
            tfa_last_step = CASE WHEN $1::text IS NULL OR $2 THEN NULL
              WHEN tfa_last_step IS NULL OR $4::bigint > tfa_last_step THEN $4::bigint ELSE tfa_last_step END,
            tfa_last_key = CASE WHEN $1::text IS NULL OR $2 THEN NULL
              WHEN tfa_last_step IS NULL OR $4::bigint > tfa_last_step THEN $5::text ELSE tfa_last_key END,
            updated_at = $6 WHERE id = $7`,
          [tfa?.mode ?? null, tfa?.pending ?? false, tfa?.secret ?? null, tfa?.lastStep ?? null, tfa?.lastStepKey ?? null, now(), id],
        );
        await notifyAccount(c, id);
        await notifyOrgPackagesOf(c, id);
        if (codes !== null || tfa === null) await c.query('DELETE FROM recovery_codes WHERE user_id = $1', [id]);
        // 2FA off (disable, an administrator's reset) leaves no factor behind: passkeys go too.
        if (tfa === null) await c.query('DELETE FROM webauthn_credentials WHERE user_id = $1', [id]);
        if (codes && codes.length > 0) {
          await c.query('INSERT INTO recovery_codes (user_id, hash) SELECT $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING', [id, codes]);
        }
        return mustById(c, id);
      });
    },
    async unusedRecoveryCodes(id) {
      const { rows } = await pool.query<{ hash: string }>('SELECT hash FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [id]);
      return rows.map((r) => r.hash);
    },
    async reserveOtpAttempt(id, nowMs, decide, tokenKey) {
      // The row lock makes the read, the decision and the count one step for every node: two
      // guesses at once (on two nodes) are both counted, and a lock decided on one node holds
      // on all of them. A token's budget lives on its own row (verify-otp.ts).
      const select = tokenKey
        ? 'SELECT otp_failures AS failures, otp_last_failure_at AS last FROM tokens WHERE key = $1 AND user_id = $2 FOR NO KEY UPDATE'
        : 'SELECT otp_failures AS failures, otp_last_failure_at AS last FROM users WHERE id = $1 FOR NO KEY UPDATE';
      const count = tokenKey
        ? 'UPDATE tokens SET otp_failures = otp_failures + 1, otp_last_failure_at = $1 WHERE key = $2 AND user_id = $3'
        : 'UPDATE users SET otp_failures = otp_failures + 1, otp_last_failure_at = $1 WHERE id = $2';
      const params: unknown[] = tokenKey ? [tokenKey, id] : [id];
      return transaction(pool, async (c) => {
        const { rows } = await c.query<{ failures: number; last: string | null }>(select, params);
        if (!rows[0]) throw new DomainError('NOT_FOUND', tokenKey ? 'That token no longer exists.' : 'No such user.');
        const failures = rows[0].failures;
        const last = rows[0].last === null ? null : Number(rows[0].last);
        if (!decide(failures, last).allowed) return { allowed: false, failures, lastFailureAt: last };
        await c.query(count, [nowMs, ...params]);
        return { allowed: true, failures: failures + 1, lastFailureAt: nowMs };
      });
    },
    async clearOtpFailures(id, tokenKey) {
      if (tokenKey) await pool.query('UPDATE tokens SET otp_failures = 0, otp_last_failure_at = NULL WHERE key = $1 AND user_id = $2', [tokenKey, id]);
      else await pool.query('UPDATE users SET otp_failures = 0 WHERE id = $1', [id]);
    },
    async consumeOtp(otp) {
      await transaction(pool, (c) => consumeOtp(c, otp, now()));
    },
  };
}
