import type Database from 'better-sqlite3';
import type { LoginRequest, LoginRequestStore } from '../../core/ports.ts';

interface Row {
  id_hash: string;
  created_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
  create_account: number;
  approved_user_id: number | null;
}

const toRequest = (r: Row): LoginRequest => ({
  idHash: r.id_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  create: r.create_account === 1,
  approvedUserId: r.approved_user_id,
});

export function sqliteLoginRequests(db: Database.Database): LoginRequestStore {
  const insert = db.prepare('INSERT INTO login_requests (id_hash, created_at, expires_at, ip, user_agent, create_account) VALUES (?, ?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT * FROM login_requests WHERE id_hash = ?');
  const approve = db.prepare('UPDATE login_requests SET approved_user_id = ? WHERE id_hash = ? AND approved_user_id IS NULL');
  const claim = db.prepare('DELETE FROM login_requests WHERE id_hash = ? AND approved_user_id IS NOT NULL AND expires_at > ? RETURNING approved_user_id');
  const expired = db.prepare('DELETE FROM login_requests WHERE expires_at <= ?');
  return {
    async create(r) {
      insert.run(r.idHash, r.createdAt, r.expiresAt, r.ip, r.userAgent, r.create ? 1 : 0);
    },
    async get(idHash) {
      const r = get.get(idHash) as Row | undefined;
      return r ? toRequest(r) : null;
    },
    async approve(idHash, userId) {
      return approve.run(userId, idHash).changes === 1;
    },
    async claim(idHash, now) {
      const r = claim.get(idHash, now) as { approved_user_id: number } | undefined;
      return r ? r.approved_user_id : null;
    },
    async deleteExpired(now) {
      expired.run(now);
    },
  };
}
