import type Database from 'better-sqlite3';
import type { Counters, CounterState } from '../../core/ports.ts';

/** Expired rows deleted per update: bounded work, and enough to outpace any flood of new keys. */
const PRUNE_BATCH = 100;

export function sqliteCounters(db: Database.Database): Counters {
  const get = db.prepare('SELECT count, last_at AS lastAt FROM counters WHERE key = ?');
  const upsert = db.prepare(`INSERT INTO counters (key, count, last_at, expires_at) VALUES (@key, 1, @now, @now + @window)
    ON CONFLICT(key) DO UPDATE SET count = CASE WHEN last_at < @now - @window THEN 1 ELSE count + 1 END, last_at = @now, expires_at = @now + @window
    RETURNING count, last_at AS lastAt`);
  const del = db.prepare('DELETE FROM counters WHERE key = ?');
  const state = db.prepare('SELECT count, last_at AS lastAt, expires_at AS expiresAt FROM counters WHERE key = ? AND expires_at > ?');
  const put = db.prepare(`INSERT INTO counters (key, count, last_at, expires_at) VALUES (@key, @count, @lastAt, @expiresAt)
    ON CONFLICT(key) DO UPDATE SET count = excluded.count, last_at = excluded.last_at, expires_at = excluded.expires_at`);
  const prune = db.prepare(`DELETE FROM counters WHERE key IN (SELECT key FROM counters WHERE expires_at <= ? LIMIT ${PRUNE_BATCH})`);
  const update = db.transaction((keys: readonly string[], now: number, decide: (c: (CounterState | null)[]) => (CounterState | null)[] | null) => {
    prune.run(now);
    const seen = keys.map((k) => (state.get(k, now) as CounterState | undefined) ?? null);
    const next = decide(seen.map((s) => (s ? { ...s } : null)));
    if (next === null) return { written: false, seen };
    keys.forEach((key, i) => {
      const s = next[i];
      if (s === null || s === undefined) del.run(key);
      else put.run({ key, count: s.count, lastAt: s.lastAt, expiresAt: s.expiresAt });
    });
    return { written: true, seen };
  });
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
    async update(keys, now, decide) {
      return update.immediate(keys, now, decide);
    },
  };
}
