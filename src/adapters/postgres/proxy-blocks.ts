// Administrators' blocks of upstream versions (`tessera proxy block`), in PostgreSQL. Each
// change notifies PACKAGE_CHANNEL with the name in its transaction, so every node drops its
// cached packument of that name within milliseconds (listen.ts).

import type pg from 'pg';
import type { ProxyBlock, ProxyStore } from '../../core/proxy/ports.ts';
import { PACKAGE_CHANNEL } from './channels.ts';
import { transaction } from './pool.ts';

export type ProxyBlocks = Pick<ProxyStore, 'block' | 'unblock' | 'blocks'>;

interface Row {
  name: string;
  version: string;
  reason: string;
  by: string;
  at: string;
}

const toBlock = (r: Row): ProxyBlock => ({ name: r.name, version: r.version, reason: r.reason, by: r.by, at: Number(r.at) });

export function postgresProxyBlocks(pool: pg.Pool): ProxyBlocks {
  return {
    async block(b) {
      await transaction(pool, async (c) => {
        await c.query(
          `INSERT INTO proxy_blocks (name, version, reason, blocked_by, at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name, version) DO UPDATE SET reason = EXCLUDED.reason, blocked_by = EXCLUDED.blocked_by, at = EXCLUDED.at`,
          [b.name, b.version, b.reason, b.by, b.at],
        );
        await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, b.name]);
      });
    },
    async unblock(name, version) {
      return transaction(pool, async (c) => {
        const { rowCount } = await c.query('DELETE FROM proxy_blocks WHERE name = $1 AND version = $2', [name, version]);
        if (!rowCount) return false;
        await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
        return true;
      });
    },
    async blocks(name) {
      const { rows } = name === null
        ? await pool.query<Row>('SELECT name, version, reason, blocked_by AS "by", at FROM proxy_blocks ORDER BY name, version')
        : await pool.query<Row>('SELECT name, version, reason, blocked_by AS "by", at FROM proxy_blocks WHERE name = $1 ORDER BY version', [name]);
      return rows.map(toBlock);
    },
  };
}
