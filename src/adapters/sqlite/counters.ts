import type Database from 'better-sqlite3';
import type { Counters } from '../../core/ports.ts';

export function sqliteCounters(db: Database.Database): Counters {
  const get = db.prepare('SELECT count, last_at AS lastAt FROM counters WHERE key = ?');
  const upsert = db.prepare(`INSERT INTO counters (key, count, last_at) VALUES (@key, 1, @now)
    ON CONFLICT(key) DO UPDATE SET count = CASE WHEN last_at < @now - @window THEN 1 ELSE count + 1 END, last_at = @now
    RETURNING count, last_at AS lastAt`);
  const del = db.prepare('DELETE FROM counters WHERE key = ?');
  return {
    async get(key) {
      return (get.get(key) as { count: number; lastAt: number } | undefined) ?? null;
    },
    async increment(key, now, window) {
      return upsert.get({ key, now, window }) as { count: number; lastAt: number };
    },
    async reset(key) {
      del.run(key);
    },
  };
}
