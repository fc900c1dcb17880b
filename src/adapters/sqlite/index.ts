import type { Clock, Store, StoreChange } from '../../core/ports.ts';
import { sqliteCounters } from './counters.ts';
import { sqliteEvents } from './events.ts';
import { sqliteLoginRequests } from './login-requests.ts';
import { sqliteOtpChallenges } from './otp-challenges.ts';
import { sqliteOrgs } from './orgs.ts';
import { sqlitePasskeys } from './passkeys.ts';
import { openDatabase } from './open.ts';
import { sqliteProxy } from './proxy.ts';
import { sqlitePackages } from './packages.ts';
import { sqliteStages } from './stages.ts';
import { sqliteTokens } from './tokens.ts';
import { sqliteTrust } from './trust.ts';
import { sqliteUsers } from './users.ts';

/** How often a server looks for commits by other processes (the admin commands). */
const EXTERNAL_CHANGE_POLL_MS = 250;

export function createSqliteStore(file: string, clock: Clock): Store {
  const db = openDatabase(file);
  const now = () => new Date(clock.now()).toISOString();
  const dataVersion = () => db.pragma('data_version', { simple: true }) as number;
  return {
    users: sqliteUsers(db, now),
    passkeys: sqlitePasskeys(db, now),
    tokens: sqliteTokens(db, now),
    trust: sqliteTrust(db, now),
    packages: sqlitePackages(db, now),
    events: sqliteEvents(db, now),
    counters: sqliteCounters(db),
    loginRequests: sqliteLoginRequests(db),
    otpChallenges: sqliteOtpChallenges(db),
    proxy: sqliteProxy(db, now),
    orgs: sqliteOrgs(db, now),
    stages: sqliteStages(db, now),
    // SQLite's data_version changes when another connection (e.g. `tessera user reset-2fa`
    // beside a running server) commits: caches then start afresh.
    async subscribe(listener: (event: StoreChange) => void) {
      let seen = dataVersion();
      const timer = setInterval(() => {
        if (!db.open) return;
        const v = dataVersion();
        if (v !== seen) {
          seen = v;
          listener({ type: 'reset' });
        }
      }, EXTERNAL_CHANGE_POLL_MS);
      timer.unref();
      return async () => clearInterval(timer);
    },
    async close() {
      db.close();
    },
  };
}
