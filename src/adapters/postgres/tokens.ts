import type pg from 'pg';
import type { TokenStore } from '../../core/ports.ts';
import { consumeOtp, notifyAccount } from './otp.ts';
import { transaction } from './pool.ts';
import { TOKEN_COLUMNS, tokenWithUser, toToken, type TokenRow, USER_COLUMNS } from '../rows.ts';

export function postgresTokens(pool: pg.Pool, now: () => string): TokenStore {
  // One indexed lookup: the token with its user as a single row (array mode, as both tables
  // have columns of the same name). Repeats come from src/adapters/cached-tokens.ts, which other
  // nodes' changes reach through NOTIFY.
  const withUser: pg.QueryArrayConfig = {
    name: 'tessera-token-with-user',
    text: `SELECT ${TOKEN_COLUMNS}, ${USER_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.key = $1`,
    rowMode: 'array',
  };
  return {
    async create(t, options = {}) {
      await transaction(pool, async (c) => {
        await consumeOtp(c, options.otp, now());
        await c.query(
          `INSERT INTO tokens (key, user_id, kind, prefix, name, description, readonly, cidr, limits, bypass_2fa, created_at, expires_at, last_used_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            t.key,
            t.userId,
            t.kind,
            t.prefix,
            t.name,
            t.description,
            t.readonly,
            JSON.stringify(t.cidr),
            t.limits ? JSON.stringify(t.limits) : null,
            t.bypass2fa,
            t.createdAt,
            t.expiresAt,
            t.lastUsedAt,
          ],
        );
      });
    },
    async findWithUser(key) {
      const { rows } = await pool.query({ ...withUser, values: [key] });
      const row = rows[0] as unknown[] | undefined;
      if (!row) return null;
      return tokenWithUser(row);
    },
    async delete(key) {
      const { rows } = await pool.query<{ user_id: number }>('DELETE FROM tokens WHERE key = $1 RETURNING user_id', [key]);
      if (rows[0]) await notifyAccount(pool, rows[0].user_id);
      return rows.length > 0;
    },
    async listForUser(userId) {
      const { rows } = await pool.query<TokenRow>(
        `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.user_id = $1 ORDER BY t.created_at COLLATE "C", t.key COLLATE "C"`,
        [userId],
      );
      return rows.map(toToken);
    },
    async recordUse(uses) {
      if (uses.length === 0) return;
      // One statement for the batch; a token deleted meanwhile simply matches no row.
      await pool.query(
        `UPDATE tokens t SET last_used_at = u.at FROM unnest($1::text[], $2::text[]) AS u(key, at)
          WHERE t.key = u.key AND (t.last_used_at IS NULL OR t.last_used_at < u.at)`,
        [uses.map((u) => u.key), uses.map((u) => u.at)],
      );
    },
    async deleteForUser(userId, kinds, exceptKey) {
      if (kinds.length === 0) return 0;
      const res = await pool.query('DELETE FROM tokens WHERE user_id = $1 AND kind = ANY($2::text[]) AND key <> $3', [userId, kinds, exceptKey ?? '']);
      await notifyAccount(pool, userId);
      return res.rowCount ?? 0;
    },
  };
}
