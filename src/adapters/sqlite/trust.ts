// Trusted publishing in SQLite: relationships per package and identity-token uses, each change
// in one transaction with its OTP and security-log lines (core/ports.ts TrustStore).

import { tokenRow } from './tokens.ts';
import type Database from 'better-sqlite3';
import type { TrustConfig, TrustStore } from '../../core/ports.ts';
import { eventAppender } from './events.ts';
import { otpConsumer } from './otp.ts';

interface TrustRow {
  id: string;
  package: string;
  type: string;
  claims: string;
  permissions: string;
  created_by: number | null;
  created_at: string;
}

const toConfig = (r: TrustRow): TrustConfig => ({
  id: r.id,
  package: r.package,
  type: r.type,
  claims: JSON.parse(r.claims) as TrustConfig['claims'],
  permissions: JSON.parse(r.permissions) as TrustConfig['permissions'],
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function sqliteTrust(db: Database.Database, now: () => string): TrustStore {
  const consume = otpConsumer(db, now);
  const append = eventAppender(db, now);
  const list = db.prepare('SELECT * FROM trust_configs WHERE package = ? ORDER BY created_at, id');
  const insert = db.prepare('INSERT INTO trust_configs (id, package, type, claims, permissions, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const del = db.prepare('DELETE FROM trust_configs WHERE package = ? AND id = ?');
  const forgetUses = db.prepare('DELETE FROM oidc_exchanges WHERE expires_at < ?');
  const forgetTokens = db.prepare("DELETE FROM tokens WHERE kind = 'oidc' AND expires_at < ?");
  const use = db.prepare('INSERT INTO oidc_exchanges (issuer, jti, package, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const insertToken = db.prepare(`INSERT INTO tokens (key, user_id, kind, prefix, name, description, readonly, cidr, limits, bypass_2fa, created_at, expires_at, last_used_at)
    VALUES (@key, @user_id, @kind, @prefix, @name, @description, @readonly, @cidr, @limits, @bypass_2fa, @created_at, @expires_at, @last_used_at)`);
  const addTx = db.transaction((configs: TrustConfig[], options: Parameters<TrustStore['add']>[1] = {}) => {
    consume(options.otp);
    for (const c of configs) insert.run(c.id, c.package, c.type, JSON.stringify(c.claims), JSON.stringify(c.permissions), c.createdBy, c.createdAt);
    for (const e of options.events ?? []) append(e);
  });
  const removeTx = db.transaction((pkg: string, id: string, options: Parameters<TrustStore['remove']>[2] = {}): boolean => {
    consume(options.otp);
    if (del.run(pkg, id).changes === 0) return false;
    for (const e of options.events ?? []) append(e);
    return true;
  });
  const exchangeTx = db.transaction((...[u, t, events, nowMs]: Parameters<TrustStore['exchange']>): boolean => {
    forgetUses.run(nowMs);
    forgetTokens.run(new Date(nowMs).toISOString());
    if (use.run(u.issuer, u.jti, u.package, u.expiresAt).changes === 0) return false;
    insertToken.run(tokenRow(t));
    for (const e of events) append(e);
    return true;
  });
  const refuseTx = db.transaction((...[u, events, nowMs]: Parameters<TrustStore['refuse']>): boolean => {
    forgetUses.run(nowMs);
    if (use.run(u.issuer, u.jti, u.package, u.expiresAt).changes === 0) return false;
    for (const e of events) append(e);
    return true;
  });
  return {
    async list(pkg) {
      return (list.all(pkg) as TrustRow[]).map(toConfig);
    },
    async add(configs, options) {
      addTx.immediate(configs, options);
    },
    async remove(pkg, id, options) {
      return removeTx.immediate(pkg, id, options);
    },
    async exchange(u, t, events, nowMs) {
      return exchangeTx.immediate(u, t, events, nowMs);
    },
    async refuse(u, events, nowMs) {
      return refuseTx.immediate(u, events, nowMs);
    },
  };
}
