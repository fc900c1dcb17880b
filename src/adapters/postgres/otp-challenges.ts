import type pg from 'pg';
import type { OtpChallenge, OtpChallengeStore } from '../../core/ports.ts';

interface Row {
  id_hash: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  ip: string;
  user_agent: string;
  action: string;
  approved: boolean;
  binding_hash: string | null;
}

const toChallenge = (r: Row): OtpChallenge => ({
  idHash: r.id_hash,
  userId: r.user_id,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  ip: r.ip,
  userAgent: r.user_agent,
  action: r.action,
  approved: r.approved,
  bindingHash: r.binding_hash ?? '',
});

export function postgresOtpChallenges(pool: pg.Pool): OtpChallengeStore {
  return {
    async create(c) {
      await pool.query('INSERT INTO otp_challenges (id_hash, user_id, created_at, expires_at, ip, user_agent, action, binding_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        c.idHash,
        c.userId,
        c.createdAt,
        c.expiresAt,
        c.ip,
        c.userAgent,
        c.action,
        c.bindingHash,
      ]);
    },
    async get(idHash) {
      const { rows } = await pool.query<Row>('SELECT id_hash, user_id, created_at, expires_at, ip, user_agent, action, approved, binding_hash FROM otp_challenges WHERE id_hash = $1', [idHash]);
      return rows[0] ? toChallenge(rows[0]) : null;
    },
    async approve(idHash, userId, now) {
      const res = await pool.query('UPDATE otp_challenges SET approved = TRUE WHERE id_hash = $1 AND user_id = $2 AND NOT approved AND expires_at > $3', [idHash, userId, now]);
      return res.rowCount === 1;
    },
    async issue(idHash, valueHash, now) {
      const res = await pool.query('UPDATE otp_challenges SET value_hash = $1 WHERE id_hash = $2 AND approved AND value_hash IS NULL AND expires_at > $3', [valueHash, idHash, now]);
      return res.rowCount === 1;
    },
    async deleteExpired(now) {
      await pool.query('DELETE FROM otp_challenges WHERE expires_at <= $1', [now]);
    },
  };
}
