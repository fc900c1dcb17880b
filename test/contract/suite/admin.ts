// Administrators and account status (docs/admin.md): UserStore.list, the admin and status
// fields through update (read back with the token, as every request reads them), and
// SecurityLog.listInstance; a status change made by another process is announced.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Store, StoreChange, TokenRecord } from '../../../src/core/ports.ts';
import { type Check, makeUser, withTfa } from './harness.ts';

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const token = (userId: number, key: string): TokenRecord => ({
  key,
  userId,
  kind: 'granular',
  prefix: key.slice(0, 8),
  name: null,
  description: null,
  readonly: false,
  cidr: [],
  limits: null,
  bypass2fa: false,
  createdAt: '2026-03-01T12:00:00.000Z',
  expiresAt: null,
  lastUsedAt: null,
});

export function adminContract(check: Check): void {
  describe('administrators and account status', () => {
    check('new users are active and not administrators; admin and status change through update and come back with their tokens', async ({ store }) => {
      const u = await makeUser(store, 'alice');
      assert.equal(u.admin, false);
      assert.equal(u.status, 'active');
      await store.tokens.create(token(u.id, 'a'.repeat(64)));
      const promoted = await store.users.update(u.id, { admin: true, status: 'disabled' });
      assert.equal(promoted.admin, true);
      assert.equal(promoted.status, 'disabled');
      const found = await store.tokens.findWithUser('a'.repeat(64));
      assert.equal(found?.user.status, 'disabled');
      assert.equal(found?.user.admin, true);
      const deleted = await store.users.update(u.id, { admin: false, status: 'deleted' });
      assert.deepEqual([deleted.admin, deleted.status], [false, 'deleted']);
      assert.equal((await store.users.findByName('alice'))?.status, 'deleted');
    });

    check('list: sorted by name (byte order), paged after a name, with role, status and confirmed 2FA', async ({ store }) => {
      for (const name of ['mia', 'Zed', 'bob', 'al']) await makeUser(store, name);
      await withTfa(store, 'tfa-user');
      const bob = await store.users.findByName('bob');
      await store.users.update(bob!.id, { admin: true });
      const all = await store.users.list({ limit: 10 });
      assert.deepEqual(all.map((u) => u.name), ['Zed', 'al', 'bob', 'mia', 'tfa-user']);
      const b = all.find((u) => u.name === 'bob')!;
      assert.deepEqual([b.admin, b.status, b.tfa, b.email], [true, 'active', false, 'bob@example.com']);
      assert.equal(all.find((u) => u.name === 'tfa-user')!.tfa, true);
      assert.match(b.createdAt, /^2026-03-01T/);
      assert.deepEqual((await store.users.list({ after: 'al', limit: 2 })).map((u) => u.name), ['bob', 'mia']);
      assert.deepEqual(await store.users.list({ after: 'tfa-user', limit: 2 }), []);
    });

    check('listInstance: events of every user whose type is asked, newest first, paged by id', async ({ store }) => {
      const a = await makeUser(store, 'ann');
      const b = await makeUser(store, 'ben');
      await store.events.append({ userId: a.id, type: 'login-failed', ip: '10.0.0.1', userAgent: 'npm', detail: { via: 'password' } });
      await store.events.append({ userId: b.id, type: 'login', ip: '10.0.0.2', userAgent: 'npm' });
      await store.events.append({ userId: b.id, type: 'admin-disabled', ip: 'admin-cli', userAgent: null, detail: { by: 'root' } });
      const events = await store.events.listInstance({ types: ['login-failed', 'admin-disabled'], limit: 10 });
      assert.deepEqual(events.map((e) => [e.userId, e.type]), [[b.id, 'admin-disabled'], [a.id, 'login-failed']]);
      assert.deepEqual(events[0].detail, { by: 'root' });
      const older = await store.events.listInstance({ types: ['login-failed', 'admin-disabled'], before: events[0].id, limit: 10 });
      assert.deepEqual(older.map((e) => e.type), ['login-failed']);
      assert.deepEqual(await store.events.listInstance({ types: [], limit: 10 }), []);
    });

    check('a status change by another process is announced to a running server (its token cache drops the user)', async ({ store, open }) => {
      const u = await makeUser(store, 'carl');
      const server: Store = await open();
      if (!server.subscribe) return;
      const heard: StoreChange[] = [];
      const stop = await server.subscribe((e) => heard.push(e));
      const cli: Store = await open();
      await cli.users.update(u.id, { status: 'disabled' });
      assert.equal((await server.users.findById(u.id))?.status, 'disabled');
      // PostgreSQL: a 'user' notice of the id; SQLite: the data_version poll's 'reset'.
      await until('the change was heard', () => heard.some((e) => e.type === 'reset' || (e.type === 'user' && e.id === u.id)));
      await stop();
    });
  });
}
