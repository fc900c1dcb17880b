import type Database from 'better-sqlite3';
import type { OtpChallenge, OtpChallengeStore } from '../../core/ports.ts';

interface Row {
  id_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
  action: string;
  approved: number;
  binding_hash: string | null;
}

const toChallenge = (r: Row): OtpChallenge => ({
  idHash: r.id_hash,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  action: r.action,
  approved: r.approved === 1,
  bindingHash: r.binding_hash ?? '',
});

export function sqliteOtpChallenges(db: Database.Database): OtpChallengeStore {
  const insert = db.prepare('INSERT INTO otp_challenges (id_hash, user_id, created_at, expires_at, ip, user_agent, action, binding_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const get = db.prepare('SELECT id_hash, user_id, created_at, expires_at, ip, user_agent, action, approved, binding_hash FROM otp_challenges WHERE id_hash = ?');
  const approve = db.prepare('UPDATE otp_challenges SET approved = 1 WHERE id_hash = ? AND user_id = ? AND approved = 0 AND expires_at > ?');
  const issue = db.prepare('UPDATE otp_challenges SET value_hash = ? WHERE id_hash = ? AND approved = 1 AND value_hash IS NULL AND expires_at > ?');
  const expired = db.prepare('DELETE FROM otp_challenges WHERE expires_at <= ?');
  return {
    async create(c) {
      insert.run(c.idHash, c.userId, c.createdAt, c.expiresAt, c.ip, c.userAgent, c.action, c.bindingHash);
    },
    async get(idHash) {
      const r = get.get(idHash) as Row | undefined;
      return r ? toChallenge(r) : null;
    },
    async approve(idHash, userId, now) {
      return approve.run(idHash, userId, now).changes === 1;
    },
    async issue(idHash, valueHash, now) {
      return issue.run(valueHash, idHash, now).changes === 1;
    },
    async deleteExpired(now) {
      expired.run(now);
    },
  };
}
