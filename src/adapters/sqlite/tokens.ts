import type Database from 'better-sqlite3';
import type { TokenRecord, TokenStore } from '../../core/ports.ts';
import { otpConsumer } from './otp.ts';
import { TOKEN_COLUMNS, tokenWithUser, toToken, type TokenRow, USER_COLUMNS } from '../rows.ts';

export function sqliteTokens(db: Database.Database, now: () => string): TokenStore {
  const consume = otpConsumer(db, now);
  const insert = db.prepare(`INSERT INTO tokens (key, user_id, kind, prefix, name, description, readonly, cidr, limits, bypass_2fa, created_at, expires_at, last_used_at)
    VALUES (@key, @user_id, @kind, @prefix, @name, @description, @readonly, @cidr, @limits, @bypass_2fa, @created_at, @expires_at, @last_used_at)`);
  // One indexed lookup: the token with its user, as a single row.
  const withUser = db.prepare(`SELECT ${TOKEN_COLUMNS}, ${USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.key = ?`).raw(true);
  const del = db.prepare('DELETE FROM tokens WHERE key = ?');
  const list = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = ? ORDER BY t.created_at, t.key`);
  const createTx = db.transaction((t: TokenRecord, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    insert.run(tokenRow(t));
  });
  const touch = db.prepare('UPDATE tokens SET last_used_at = ? WHERE key = ? AND (last_used_at IS NULL OR last_used_at < ?)');
  const touchAll = db.transaction((uses: Array<{ key: string; at: string }>) => {
    for (const u of uses) touch.run(u.at, u.key, u.at);
  });
  return {
    async create(t, options = {}) {
      createTx.immediate(t, options.otp);
    },
    async findWithUser(key) {
      const row = withUser.get(key) as unknown[] | undefined;
      if (!row) return null;
      return tokenWithUser(row);
    },
    async delete(key) {
      return del.run(key).changes > 0;
    },
    async listForUser(userId) {
      return (list.all(userId) as TokenRow[]).map(toToken);
    },
    async recordUse(uses) {
      touchAll(uses);
    },
    async deleteForUser(userId, kinds, exceptKey) {
      if (kinds.length === 0) return 0;
      const marks = kinds.map(() => '?').join(', ');
      return db
        .prepare(`DELETE FROM tokens WHERE user_id = ? AND kind IN (${marks}) AND key != ?`)
        .run(userId, ...kinds, exceptKey ?? '').changes;
    },
  };
}

/** A token record as the named parameters of an INSERT into tokens (columns of migrations.ts). */
export function tokenRow(t: TokenRecord): Record<string, string | number | null> {
  return {
    key: t.key,
    user_id: t.userId,
    kind: t.kind,
    prefix: t.prefix,
    name: t.name,
    description: t.description,
    readonly: t.readonly ? 1 : 0,
    cidr: JSON.stringify(t.cidr),
    limits: t.limits ? JSON.stringify(t.limits) : null,
    bypass_2fa: t.bypass2fa ? 1 : 0,
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    last_used_at: t.lastUsedAt,
  };
}
