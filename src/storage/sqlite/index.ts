import type { Clock, Store } from '../../core/ports.ts';
import { sqliteCounters } from './counters.ts';
import { sqliteEvents } from './events.ts';
import { sqliteLoginRequests } from './login-requests.ts';
import { sqliteOtpChallenges } from './otp-challenges.ts';
import { openDatabase } from './open.ts';
import { sqlitePackages } from './packages.ts';
import { sqliteTokens } from './tokens.ts';
import { sqliteUsers } from './users.ts';

export function createSqliteStore(file: string, clock: Clock): Store {
  const db = openDatabase(file);
  const now = () => new Date(clock.now()).toISOString();
  return {
    users: sqliteUsers(db, now),
    tokens: sqliteTokens(db, now),
    packages: sqlitePackages(db, now),
    events: sqliteEvents(db, now),
    counters: sqliteCounters(db),
    loginRequests: sqliteLoginRequests(db),
    otpChallenges: sqliteOtpChallenges(db),
    async close() {
      db.close();
    },
  };
}
