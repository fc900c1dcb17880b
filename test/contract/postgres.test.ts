// The store contract against a real PostgreSQL 15: one throwaway cluster for the file, a fresh
// database per test. Skips (with the reason) where the server binaries are missing, except
// under CI=true, where a missing server fails the run.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Store, StoreChange } from '../../src/core/ports.ts';
import { createPostgresStore } from '../../src/adapters/postgres/index.ts';
import { LISTENER_NAME } from '../../src/adapters/postgres/listen.ts';
import { systemClock } from '../../src/core/ports.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN, postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { storeContract } from './store-contract.ts';

const skip = postgresSkipReason();

test('CI has the PostgreSQL server binaries, so the suites below never skip there', { skip: process.env.CI !== 'true' && 'not CI' }, () => {
  assert.ok(existsSync(join(PG_BIN, 'initdb')), `${join(PG_BIN, 'initdb')} is missing: install postgresql-15 in CI`);
});

describe('PostgreSQL store', { skip: skip ?? false }, () => {
  let server: TestPostgres;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  storeContract(
    'PostgreSQL',
    async (clock) => {
      const url = await server.createDatabase();
      const opened: Store[] = [await createPostgresStore(url, clock)];
      return {
        store: opened[0],
        async open() {
          const another = await createPostgresStore(url, clock);
          opened.push(another);
          return another;
        },
        async cleanup() {
          for (const s of opened) await s.close();
        },
      };
    },
    { subscribe: true },
  );

  test('a lost listening connection clears caches (reset) and reconnects; later changes are heard again', async () => {
    const url = await server.createDatabase();
    const writer = await createPostgresStore(url, systemClock);
    const reader = await createPostgresStore(url, systemClock);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const heard: StoreChange[] = [];
      await reader.subscribe!((e) => heard.push(e));
      const alice = await writer.users.create({ name: 'alice', email: 'a@example.com', passwordHash: 'h' });
      const v = (version: string) => ({
        version,
        manifest: { name: 'tool', version },
        publishedAt: new Date().toISOString(),
        deprecated: null,
        tarball: { file: `tool-${version}.tgz`, blobKey: 'a'.repeat(128), size: 1, integrity: 'sha512-x', shasum: 'x' },
      });
      const mfa = { publishRequiresTfa: false, automationOverridesTfa: false };
      await writer.packages.commit('tool', { type: 'publish', tag: 'latest', version: v('1.0.0'), create: { ownerId: alice.id, access: 'public', mfa } });
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTENER_NAME]);
      assert.equal(killed.rowCount, 1);
      const wait = async (ok: () => boolean, what: string) => {
        const deadline = Date.now() + 5000;
        while (!ok()) {
          if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(heard)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await wait(() => heard.filter((e) => e.type === 'reset').length >= 2, 'reset when lost and again once listening');
      // The first publish's notice may or may not have reached the listener before it was cut
      // off: only what comes after the reconnection counts.
      const reconnected = heard.length;
      await writer.packages.commit('tool', { type: 'publish', tag: 'latest', version: v('1.0.1') });
      await wait(() => heard.slice(reconnected).some((e) => e.type === 'package' && e.name === 'tool'), 'the next change is heard');
    } finally {
      await admin.end();
      await writer.close();
      await reader.close();
    }
  });
});
