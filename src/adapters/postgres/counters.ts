import type pg from 'pg';
import type { Counters, CounterState } from '../../core/ports.ts';
import { transaction } from './pool.ts';

interface Row {
  count: number;
  last_at: string;
}

const toCounter = (r: Row) => ({ count: r.count, lastAt: Number(r.last_at) });

/** Expired rows deleted per update: bounded work, and enough to outpace any flood of new keys. */
const PRUNE_BATCH = 100;

export function postgresCounters(pool: pg.Pool): Counters {
  return {
    async get(key) {
      const { rows } = await pool.query<Row>('SELECT count, last_at FROM counters WHERE key = $1', [key]);
      return rows[0] ? toCounter(rows[0]) : null;
    },
    async increment(key, now, window) {
      // One statement: concurrent failures on several nodes each add one.
      const { rows } = await pool.query<Row>(
        `INSERT INTO counters AS c (key, count, last_at, expires_at) VALUES ($1, 1, $2, $2::bigint + $3::bigint)
          ON CONFLICT (key) DO UPDATE SET count = CASE WHEN c.last_at < $2::bigint - $3::bigint THEN 1 ELSE c.count + 1 END, last_at = $2, expires_at = $2::bigint + $3::bigint
          RETURNING count, last_at`,
        [key, now, window],
      );
      return toCounter(rows[0]);
    },
    async reset(key) {
      await pool.query('DELETE FROM counters WHERE key = $1', [key]);
    },
    async update(keys, now, decide) {
      return transaction(pool, async (c) => {
        // Rows locked by another transaction are skipped, never waited for: no deadlock with it.
        await c.query(
          `DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE expires_at <= $1 LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
          [now],
        );
        // A row for every key (so that it can be locked), locked in a fixed order.
        const sorted = [...new Set(keys)].sort();
        await c.query('INSERT INTO counters (key, count, last_at, expires_at) SELECT k, 0, 0, 0 FROM unnest($1::text[]) AS k ON CONFLICT (key) DO NOTHING', [sorted]);
        const { rows } = await c.query<{ key: string; count: number; last_at: string; expires_at: string }>(
          'SELECT key, count, last_at, expires_at FROM counters WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE',
          [sorted],
        );
        const byKey = new Map(rows.map((r) => [r.key, r]));
        const seen: (CounterState | null)[] = keys.map((k) => {
          const r = byKey.get(k);
          return r && Number(r.expires_at) > now ? { count: r.count, lastAt: Number(r.last_at), expiresAt: Number(r.expires_at) } : null;
        });
        const next = decide(seen.map((s) => (s ? { ...s } : null)));
        const written = next !== null;
        for (let i = 0; i < keys.length; i++) {
          const s = written ? next[i] : seen[i];
          if (s === null || s === undefined) await c.query('DELETE FROM counters WHERE key = $1', [keys[i]]);
          else if (written) await c.query('UPDATE counters SET count = $2, last_at = $3, expires_at = $4 WHERE key = $1', [keys[i], s.count, s.lastAt, s.expiresAt]);
        }
        return { written, seen };
      });
    },
  };
}
