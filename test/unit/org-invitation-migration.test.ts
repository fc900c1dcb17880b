// The SQLite migration that gives org invitations an expiry: invitations made before it get the
// default lifetime (7 days from their creation), in the stored ISO 8601 form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrations } from '../../src/adapters/sqlite/migrations.ts';

test('existing invitations expire 7 days after their creation', () => {
  const db = new Database(':memory:');
  const at = migrations.findIndex((m) => m.includes('ALTER TABLE org_invitations ADD COLUMN expires_at'));
  assert.ok(at > 0);
  for (const m of migrations.slice(0, at)) db.exec(m);
  db.prepare("INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES ('alice', 'a@example.com', 'h', 'x', 'x'), ('bob', 'b@example.com', 'h', 'x', 'x')").run();
  db.prepare("INSERT INTO orgs (name, created_at) VALUES ('acme', 'x')").run();
  db.prepare("INSERT INTO org_invitations (org_id, user_id, role, invited_by, created_at) VALUES (1, 2, 'developer', 1, '2026-03-01T12:00:00.123Z')").run();
  db.exec(migrations[at]);
  assert.equal(db.prepare('SELECT expires_at FROM org_invitations').pluck().get(), '2026-03-08T12:00:00.123Z');
  db.close();
});
