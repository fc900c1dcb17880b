import type pg from 'pg';
import type { SecurityEvent, SecurityLog, StoredSecurityEvent } from '../../core/ports.ts';
import type { Queryable } from './pool.ts';

interface EventRow {
  id: string;
  user_id: number;
  at: string;
  type: string;
  ip: string | null;
  user_agent: string | null;
  detail: StoredSecurityEvent['detail'] | null;
}

/** Appends one event through `c`: the pool, or a transaction's client (a publish's own line). */
export async function appendEvent(c: Queryable, e: SecurityEvent, at: string): Promise<void> {
  await c.query('INSERT INTO security_events (user_id, at, type, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    e.userId,
    at,
    e.type,
    e.ip,
    e.userAgent,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
}

export function postgresEvents(pool: pg.Pool, now: () => string): SecurityLog {
  return {
    async append(e) {
      await appendEvent(pool, e, now());
    },
    async listInstance({ types, before, limit }) {
      const { rows } = await pool.query<EventRow>(
        'SELECT id, user_id, at, type, ip, user_agent, detail FROM security_events WHERE type = ANY($1::text[]) AND id < $2 ORDER BY id DESC LIMIT $3',
        [types, before ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.map((r): StoredSecurityEvent => ({ id: Number(r.id), userId: r.user_id, at: r.at, type: r.type, ip: r.ip, userAgent: r.user_agent, ...(r.detail ? { detail: r.detail } : {}) }));
    },
    async list(userId, { before, limit }) {
      const { rows } = await pool.query<EventRow>(
        'SELECT id, user_id, at, type, ip, user_agent, detail FROM security_events WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3',
        [userId, before ?? Number.MAX_SAFE_INTEGER, limit],
      );
      return rows.map(
        (r): StoredSecurityEvent => ({
          id: Number(r.id),
          userId: r.user_id,
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
