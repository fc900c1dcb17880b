import type pg from 'pg';
import type { LoginRequest, LoginRequestStore } from '../../core/ports.ts';

interface Row {
  id_hash: string;
  created_at: string;
  expires_at: string;
  ip: string;
  user_agent: string;
  create_account: boolean;
  approved_user_id: number | null;
}

const toRequest = (r: Row): LoginRequest => ({
  idHash: r.id_hash,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
  ip: r.ip,
  userAgent: r.user_agent,
  create: r.create_account,
  approvedUserId: r.approved_user_id,
});

export function postgresLoginRequests(pool: pg.Pool): LoginRequestStore {
  return {
    async create(r) {
      await pool.query('INSERT INTO login_requests (id_hash, created_at, expires_at, ip, user_agent, create_account) VALUES ($1, $2, $3, $4, $5, $6)', [
        r.idHash,
        r.createdAt,
        r.expiresAt,
        r.ip,
        r.userAgent,
        r.create,
      ]);
    },
    async get(idHash) {
      const { rows } = await pool.query<Row>('SELECT * FROM login_requests WHERE id_hash = $1', [idHash]);
      return rows[0] ? toRequest(rows[0]) : null;
    },
    async approve(idHash, userId) {
      const res = await pool.query('UPDATE login_requests SET approved_user_id = $1 WHERE id_hash = $2 AND approved_user_id IS NULL', [userId, idHash]);
      return res.rowCount === 1;
    },
    async claim(idHash, now) {
      // DELETE ... RETURNING: of two polls on two nodes, one gets the row.
      const { rows } = await pool.query<{ approved_user_id: number }>(
        'DELETE FROM login_requests WHERE id_hash = $1 AND approved_user_id IS NOT NULL AND expires_at > $2 RETURNING approved_user_id',
        [idHash, now],
      );
      return rows[0]?.approved_user_id ?? null;
    },
    async deleteExpired(now) {
      await pool.query('DELETE FROM login_requests WHERE expires_at <= $1', [now]);
    },
  };
}
