// Administrators' blocks of upstream versions (`tessera proxy block`), in SQLite. A server on the
// same file hears of a change made by the CLI through the store's data_version poll (index.ts:
// a 'reset' within about 250 ms), which drops its cached packuments.

import type Database from 'better-sqlite3';
import type { ProxyBlock, ProxyStore } from '../../core/proxy/ports.ts';

export type ProxyBlocks = Pick<ProxyStore, 'block' | 'unblock' | 'blocks'>;

export function sqliteProxyBlocks(db: Database.Database): ProxyBlocks {
  const put = db.prepare(`INSERT INTO proxy_blocks (name, version, reason, blocked_by, at) VALUES (@name, @version, @reason, @by, @at)
    ON CONFLICT (name, version) DO UPDATE SET reason = excluded.reason, blocked_by = excluded.blocked_by, at = excluded.at`);
  const del = db.prepare('DELETE FROM proxy_blocks WHERE name = ? AND version = ?');
  const ofName = db.prepare('SELECT name, version, reason, blocked_by AS "by", at FROM proxy_blocks WHERE name = ? ORDER BY version');
  const all = db.prepare('SELECT name, version, reason, blocked_by AS "by", at FROM proxy_blocks ORDER BY name, version');
  return {
    async block(b: ProxyBlock) {
      put.run({ name: b.name, version: b.version, reason: b.reason, by: b.by, at: b.at });
    },
    async unblock(name, version) {
      return del.run(name, version).changes > 0;
    },
    async blocks(name) {
      return (name === null ? all.all() : ofName.all(name)) as ProxyBlock[];
    },
  };
}
