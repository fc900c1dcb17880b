// The PostgreSQL store: the same Store as SQLite (test/contract runs one suite against both),
// for several Tessera nodes sharing one database. Opening it applies the migrations.

import type { Clock, Store } from '../../core/ports.ts';
import { postgresCounters } from './counters.ts';
import { postgresEvents } from './events.ts';
import { createListener } from './listen.ts';
import { postgresLoginRequests } from './login-requests.ts';
import { postgresOtpChallenges } from './otp-challenges.ts';
import { postgresOrgs } from './orgs.ts';
import { postgresPasskeys } from './passkeys.ts';
import { migrate } from './migrations.ts';
import { postgresProxy } from './proxy.ts';
import { postgresPackages } from './packages.ts';
import { postgresStages } from './stages.ts';
import { createPool } from './pool.ts';
import { postgresTokens } from './tokens.ts';
import { postgresTrust } from './trust.ts';
import { postgresUsers } from './users.ts';

export async function createPostgresStore(url: string, clock: Clock): Promise<Store> {
  const pool = createPool(url);
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
  const now = () => new Date(clock.now()).toISOString();
  const listener = createListener(url);
  return {
    users: postgresUsers(pool, now),
    passkeys: postgresPasskeys(pool, now),
    tokens: postgresTokens(pool, now),
    trust: postgresTrust(pool, now),
    packages: postgresPackages(pool, now),
    events: postgresEvents(pool, now),
    counters: postgresCounters(pool),
    otpChallenges: postgresOtpChallenges(pool),
    loginRequests: postgresLoginRequests(pool),
    proxy: postgresProxy(pool, now),
    orgs: postgresOrgs(pool, now),
    stages: postgresStages(pool, now),
    subscribe: (l) => listener.subscribe(l),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/** `tessera migrate`: applies the migrations and returns the schema version. */
export async function migratePostgres(url: string): Promise<number> {
  const pool = createPool(url);
  try {
    return await migrate(pool);
  } finally {
    await pool.end();
  }
}
