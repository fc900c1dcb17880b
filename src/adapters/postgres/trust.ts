// Trusted publishing in PostgreSQL: relationships per package and identity-token uses, each
// change in one transaction with its OTP and security-log lines; the (issuer, jti, package)
// key makes an identity token's use once per package hold across nodes.

import type pg from 'pg';
import type { TrustConfig, TrustStore } from '../../core/ports.ts';
import { appendEvent } from './events.ts';
import { consumeOtp } from './otp.ts';
import { transaction } from './pool.ts';

interface TrustRow {
  id: string;
  package: string;
  type: string;
  claims: TrustConfig['claims'];
  permissions: TrustConfig['permissions'];
  created_by: number | null;
  created_at: string;
}

const toConfig = (r: TrustRow): TrustConfig => ({
  id: r.id,
  package: r.package,
  type: r.type,
  claims: r.claims,
  permissions: r.permissions,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function postgresTrust(pool: pg.Pool, now: () => string): TrustStore {
  return {
    async list(pkg) {
      const { rows } = await pool.query<TrustRow>('SELECT * FROM trust_configs WHERE package = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"', [pkg]);
      return rows.map(toConfig);
    },
    async add(configs, options = {}) {
      await transaction(pool, async (c) => {
        const at = now();
        await consumeOtp(c, options.otp, at);
        for (const t of configs) {
          await c.query('INSERT INTO trust_configs (id, package, type, claims, permissions, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            t.id,
            t.package,
            t.type,
            JSON.stringify(t.claims),
            JSON.stringify(t.permissions),
            t.createdBy,
            t.createdAt,
          ]);
        }
        for (const e of options.events ?? []) await appendEvent(c, e, at);
      });
    },
    async remove(pkg, id, options = {}) {
      return transaction(pool, async (c) => {
        const at = now();
        await consumeOtp(c, options.otp, at);
        const res = await c.query('DELETE FROM trust_configs WHERE package = $1 AND id = $2', [pkg, id]);
        if (res.rowCount === 0) return false;
        for (const e of options.events ?? []) await appendEvent(c, e, at);
        return true;
      });
    },
    async exchange(u, t, events, nowMs) {
      return transaction(pool, async (c) => {
        await c.query('DELETE FROM oidc_exchanges WHERE expires_at < $1', [nowMs]);
        await c.query("DELETE FROM tokens WHERE kind = 'oidc' AND expires_at < $1", [new Date(nowMs).toISOString()]);
        const used = await c.query('INSERT INTO oidc_exchanges (issuer, jti, package, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [u.issuer, u.jti, u.package, u.expiresAt]);
        if (used.rowCount === 0) return false;
        await c.query(
          `INSERT INTO tokens (key, user_id, kind, prefix, name, description, readonly, cidr, limits, bypass_2fa, created_at, expires_at, last_used_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [t.key, t.userId, t.kind, t.prefix, t.name, t.description, t.readonly, JSON.stringify(t.cidr), t.limits ? JSON.stringify(t.limits) : null, t.bypass2fa, t.createdAt, t.expiresAt, t.lastUsedAt],
        );
        const at = now();
        for (const e of events) await appendEvent(c, e, at);
        return true;
      });
    },
    async refuse(u, events, nowMs) {
      return transaction(pool, async (c) => {
        await c.query('DELETE FROM oidc_exchanges WHERE expires_at < $1', [nowMs]);
        const marked = await c.query('INSERT INTO oidc_exchanges (issuer, jti, package, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [u.issuer, u.jti, u.package, u.expiresAt]);
        if (marked.rowCount === 0) return false;
        const at = now();
        for (const e of events) await appendEvent(c, e, at);
        return true;
      });
    },
  };
}
