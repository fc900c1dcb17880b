// A pg Pool and the one way this adapter writes: `transaction(fn)` runs fn on one connection
// between BEGIN and COMMIT (ROLLBACK on any error), at READ COMMITTED. Rows that decide a
// write are locked (SELECT ... FOR UPDATE, advisory locks for names that have no row yet), so
// writers on several nodes serialise on them instead of overwriting each other.

import pg from 'pg';

export type Queryable = Pick<pg.PoolClient, 'query'>;

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 30_000 });
  // An idle connection that the server closes (restart, failover) must not crash the process;
  // the pool drops it and the next query opens a new one.
  pool.on('error', () => {});
  return pool;
}

/** Runs fn in one transaction; a deadlock or serialisation failure is retried a few times. */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const code = (e as { code?: string }).code;
      // 40P01 deadlock_detected, 40001 serialization_failure: nothing was applied; try again.
      if ((code === '40P01' || code === '40001') && attempt < 5) continue;
      throw e;
    } finally {
      client.release(broken);
    }
  }
}

/** A lock on a name that may have no row yet, held until the transaction ends. */
export async function lockName(c: Queryable, namespace: string, name: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${namespace}:${name}`]);
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === '23505';
