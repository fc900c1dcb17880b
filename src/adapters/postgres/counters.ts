import type pg from 'pg';
import type { Counters } from '../../core/ports.ts';

interface Row {
  count: number;
  last_at: string;
}

const toCounter = (r: Row) => ({ count: r.count, lastAt: Number(r.last_at) });

export function postgresCounters(pool: pg.Pool): Counters {
  return {
    async get(key) {
      const { rows } = await pool.query<Row>('SELECT count, last_at FROM counters WHERE key = $1', [key]);
      return rows[0] ? toCounter(rows[0]) : null;
    },
    async increment(key, now, window) {
      // One statement: concurrent failures on several nodes each add one.
      const { rows } = await pool.query<Row>(
        `INSERT INTO counters AS c (key, count, last_at) VALUES ($1, 1, $2)
          ON CONFLICT (key) DO UPDATE SET count = CASE WHEN c.last_at < $2::bigint - $3::bigint THEN 1 ELSE c.count + 1 END, last_at = $2
          RETURNING count, last_at`,
        [key, now, window],
      );
      return toCounter(rows[0]);
    },
    async reset(key) {
      await pool.query('DELETE FROM counters WHERE key = $1', [key]);
    },
  };
}
