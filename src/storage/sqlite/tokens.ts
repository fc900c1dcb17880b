import type Database from 'better-sqlite3';
import type { TokenKind, TokenRecord, TokenStore } from '../../core/ports.ts';
import { otpConsumer } from './otp.ts';
import { toUser, USER_COLUMNS, type UserRow } from './users.ts';

interface TokenRow {
  key: string;
  user_id: number;
  kind: TokenKind;
  prefix: string;
  name: string | null;
  description: string | null;
  readonly: number;
  cidr: string;
  limits: string | null;
  bypass_2fa: number;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const TOKEN_COLUMNS = 't.key, t.user_id, t.kind, t.prefix, t.name, t.description, t.readonly, t.cidr, t.limits, t.bypass_2fa, t.created_at, t.expires_at, t.last_used_at';

function toToken(r: TokenRow): TokenRecord {
  return {
    key: r.key,
    userId: r.user_id,
    kind: r.kind,
    prefix: r.prefix,
    name: r.name,
    description: r.description,
    readonly: r.readonly === 1,
    cidr: JSON.parse(r.cidr) as string[],
    limits: r.limits ? (JSON.parse(r.limits) as TokenRecord['limits']) : null,
    bypass2fa: r.bypass_2fa === 1,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  };
}

export function sqliteTokens(db: Database.Database, now: () => string): TokenStore {
  const consume = otpConsumer(db, now);
  const insert = db.prepare(`INSERT INTO tokens (key, user_id, kind, prefix, name, description, readonly, cidr, limits, bypass_2fa, created_at, expires_at, last_used_at)
    VALUES (@key, @user_id, @kind, @prefix, @name, @description, @readonly, @cidr, @limits, @bypass_2fa, @created_at, @expires_at, @last_used_at)`);
  // One indexed lookup: the token with its user, as a single row.
  const withUser = db.prepare(`SELECT ${TOKEN_COLUMNS}, ${USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.key = ?`).raw(true);
  const del = db.prepare('DELETE FROM tokens WHERE key = ?');
  const list = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = ? ORDER BY t.created_at, t.key`);
  const tokenFields = TOKEN_COLUMNS.split(', ').map((c) => c.slice(2));
  const userFields = USER_COLUMNS.split(', ').map((c) => c.slice(2));
  const createTx = db.transaction((t: TokenRecord, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    insert.run({
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
    });
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
      const t: Record<string, unknown> = {};
      tokenFields.forEach((f, i) => (t[f] = row[i]));
      const u: Record<string, unknown> = {};
      userFields.forEach((f, i) => (u[f] = row[tokenFields.length + i]));
      return { token: toToken(t as unknown as TokenRow), user: toUser(u as unknown as UserRow) };
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
