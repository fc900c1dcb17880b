// Passkeys and their challenges in PostgreSQL (core/ports.ts PasskeyStore), the same behaviour
// as SQLite (test/contract): the first key turns the second factor on in the same transaction,
// the last one (without TOTP) turns it off; a challenge is taken once by whichever node asks.

import type pg from 'pg';
import { DomainError } from '../../core/errors.ts';
import type { PasskeyStore, User } from '../../core/ports.ts';
import { PASSKEY_COLUMNS, type PasskeyRow, toPasskey } from '../passkey-rows.ts';
import { toUser, USER_COLUMNS, type UserRow } from '../rows.ts';
import { consumeOtp, notifyAccount, notifyOrgPackagesOf } from './otp.ts';
import { isUniqueViolation, type Queryable, transaction } from './pool.ts';

async function userById(c: Queryable, id: number): Promise<User> {
  const { rows } = await c.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [id]);
  if (!rows[0]) throw new DomainError('NOT_FOUND', 'No such user.');
  return toUser(rows[0]);
}

export function postgresPasskeys(pool: pg.Pool, now: () => string): PasskeyStore {
  return {
    async add(p, options = {}) {
      try {
        return await transaction(pool, async (c) => {
          await consumeOtp(c, options.otp, now());
          // The user row first: adds and removals of one account's keys take turns.
          await c.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [p.userId]);
          await c.query(`INSERT INTO webauthn_credentials (${PASSKEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
            p.id,
            p.userId,
            p.name,
            p.publicKey,
            p.counter,
            JSON.stringify(p.transports),
            p.multiDevice,
            p.backedUp,
            p.createdAt,
            p.lastUsedAt,
          ]);
          if (options.tfa) {
            await c.query('UPDATE users SET tfa_mode = $1, tfa_pending = FALSE, tfa_secret = NULL, tfa_last_step = NULL, tfa_last_key = NULL, updated_at = $2 WHERE id = $3', [
              options.tfa.mode,
              now(),
              p.userId,
            ]);
          }
          if (options.recoveryHashes) {
            await c.query('DELETE FROM recovery_codes WHERE user_id = $1', [p.userId]);
            await c.query('INSERT INTO recovery_codes (user_id, hash) SELECT $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING', [p.userId, options.recoveryHashes]);
          }
          await notifyAccount(c, p.userId);
          if (options.tfa) await notifyOrgPackagesOf(c, p.userId);
          return userById(c, p.userId);
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new DomainError('BAD_REQUEST', 'This passkey or security key is registered already.');
        throw e;
      }
    },
    async list(userId) {
      const { rows } = await pool.query<PasskeyRow>(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
      return rows.map(toPasskey);
    },
    async find(id) {
      const { rows } = await pool.query<PasskeyRow>(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE id = $1`, [id]);
      return rows[0] ? toPasskey(rows[0]) : null;
    },
    async rename(userId, id, name) {
      const res = await pool.query('UPDATE webauthn_credentials SET name = $1 WHERE user_id = $2 AND id = $3', [name, userId, id]);
      return res.rowCount === 1;
    },
    async remove(userId, id, options = {}) {
      return transaction(pool, async (c) => {
        await consumeOtp(c, options.otp, now());
        await c.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
        const del = await c.query('DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2', [userId, id]);
        if (del.rowCount !== 1) throw new DomainError('NOT_FOUND', 'No such passkey on your account.');
        const left = await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM webauthn_credentials WHERE user_id = $1', [userId]);
        if (left.rows[0].n === 0) {
          const off = await c.query(
            'UPDATE users SET tfa_mode = NULL, tfa_pending = FALSE, tfa_secret = NULL, tfa_last_step = NULL, tfa_last_key = NULL, updated_at = $1 WHERE id = $2 AND tfa_secret IS NULL',
            [now(), userId],
          );
          if (off.rowCount === 1) {
            await c.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
            await notifyOrgPackagesOf(c, userId);
          }
        }
        await notifyAccount(c, userId);
        return userById(c, userId);
      });
    },
    async createChallenge(ch, nowMs) {
      await pool.query('DELETE FROM webauthn_challenges WHERE expires_at <= $1', [nowMs]);
      await pool.query('INSERT INTO webauthn_challenges (hash, user_id, binding, expires_at) VALUES ($1, $2, $3, $4)', [ch.hash, ch.userId, ch.binding, ch.expiresAt]);
    },
    async takeChallenge(hash, nowMs) {
      const { rows } = await pool.query<{ hash: string; user_id: number | null; binding: string; expires_at: string }>(
        'DELETE FROM webauthn_challenges WHERE hash = $1 RETURNING hash, user_id, binding, expires_at',
        [hash],
      );
      const r = rows[0];
      if (!r || Number(r.expires_at) <= nowMs) return null;
      return { hash: r.hash, userId: r.user_id, binding: r.binding, expiresAt: Number(r.expires_at) };
    },
  };
}
