import type Database from 'better-sqlite3';
import type { SecurityEvent, SecurityLog, StoredSecurityEvent } from '../../core/ports.ts';

interface EventRow {
  id: number;
  user_id: number;
  at: string;
  type: string;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

/** Appends one event (synchronously: inside a caller's transaction too, as a publish's own line). */
export function eventAppender(db: Database.Database, now: () => string): (e: SecurityEvent) => void {
  const insert = db.prepare('INSERT INTO security_events (user_id, at, type, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?)');
  return (e) => {
    insert.run(e.userId, now(), e.type, e.ip, e.userAgent, e.detail ? JSON.stringify(e.detail) : null);
  };
}

export function sqliteEvents(db: Database.Database, now: () => string): SecurityLog {
  const append = eventAppender(db, now);
  const page = db.prepare('SELECT * FROM security_events WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
  const toEvent = (r: EventRow): StoredSecurityEvent => ({
    id: r.id,
    userId: r.user_id,
    at: r.at,
    type: r.type,
    ip: r.ip,
    userAgent: r.user_agent,
    ...(r.detail ? { detail: JSON.parse(r.detail) as StoredSecurityEvent['detail'] } : {}),
  });
  return {
    async append(e) {
      append(e);
    },
    async listInstance({ types, before, limit }) {
      if (types.length === 0) return [];
      const rows = db
        .prepare(`SELECT * FROM security_events WHERE type IN (${types.map(() => '?').join(', ')}) AND id < ? ORDER BY id DESC LIMIT ?`)
        .all(...types, before ?? Number.MAX_SAFE_INTEGER, limit) as EventRow[];
      return rows.map(toEvent);
    },
    async list(userId, { before, limit }) {
      return (page.all(userId, before ?? Number.MAX_SAFE_INTEGER, limit) as EventRow[]).map(toEvent);
    },
  };
}
