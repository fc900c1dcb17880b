// The proxy's tables on PostgreSQL (core/proxy/ports.ts ProxyStore), the same as SQLite's
// (src/adapters/sqlite/proxy.ts); test/contract/suite/proxy.ts runs against both. A purge
// tells the other nodes (pg_notify on the package channel) so that they drop what they keep.

import type pg from 'pg';
import type { CachedUpstreamPackage, CachedUpstreamPackument, CachedUpstreamTarball, PackumentForm, ProxyBlock, ProxyStore } from '../../core/proxy/ports.ts';
import { PACKAGE_CHANNEL } from './channels.ts';
import { transaction } from './pool.ts';

interface PackumentRow {
  name: string;
  form: PackumentForm;
  upstream: string;
  body: Buffer;
  etag: string | null;
  last_modified: string | null;
  fetched_at: string;
}

interface TarballRow {
  name: string;
  file: string;
  version: string;
  blob_key: string;
  integrity: string;
  size: string;
  fetched_at: string;
}

const toPackument = (r: PackumentRow): CachedUpstreamPackument => ({
  name: r.name,
  form: r.form,
  upstream: r.upstream,
  body: r.body,
  etag: r.etag,
  lastModified: r.last_modified,
  fetchedAt: Number(r.fetched_at),
});

const toTarball = (r: TarballRow): CachedUpstreamTarball => ({
  name: r.name,
  file: r.file,
  version: r.version,
  blobKey: r.blob_key,
  integrity: r.integrity,
  size: Number(r.size),
  fetchedAt: Number(r.fetched_at),
});

export function postgresProxy(pool: pg.Pool, now: () => string): ProxyStore {
  return {
    async getPackument(name, form) {
      const { rows } = await pool.query<PackumentRow>('SELECT * FROM proxy_packuments WHERE name = $1 AND form = $2', [name, form]);
      return rows[0] ? toPackument(rows[0]) : null;
    },
    async putPackument(p) {
      await pool.query(
        `INSERT INTO proxy_packuments (name, form, upstream, body, etag, last_modified, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (name, form) DO UPDATE SET upstream = EXCLUDED.upstream, body = EXCLUDED.body, etag = EXCLUDED.etag,
            last_modified = EXCLUDED.last_modified, fetched_at = EXCLUDED.fetched_at`,
        [p.name, p.form, p.upstream, p.body, p.etag, p.lastModified, p.fetchedAt],
      );
    },
    async revalidated(name, form, fetchedAt, etag, lastModified) {
      await pool.query('UPDATE proxy_packuments SET fetched_at = $1, etag = $2, last_modified = $3 WHERE name = $4 AND form = $5', [fetchedAt, etag, lastModified, name, form]);
    },
    async hasScope(scope) {
      const { rows } = await pool.query('SELECT 1 FROM proxy_packuments WHERE starts_with(name, $1) LIMIT 1', [`@${scope}/`]);
      return rows.length > 0;
    },
    async getTarball(name, file) {
      const { rows } = await pool.query<TarballRow>('SELECT * FROM proxy_tarballs WHERE name = $1 AND file = $2', [name, file]);
      return rows[0] ? toTarball(rows[0]) : null;
    },
    async putTarball(t) {
      // Two nodes filling the same tarball at once: the first row stays, both get it back.
      await pool.query(
        `INSERT INTO proxy_tarballs (name, file, version, blob_key, integrity, size, fetched_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (name, file) DO NOTHING`,
        [t.name, t.file, t.version, t.blobKey, t.integrity, t.size, t.fetchedAt],
      );
      const { rows } = await pool.query<TarballRow>('SELECT * FROM proxy_tarballs WHERE name = $1 AND file = $2', [t.name, t.file]);
      return toTarball(rows[0]);
    },
    async purge(name) {
      return transaction(pool, async (c) => {
        const where = name === null ? '' : ' WHERE name = $1';
        const args = name === null ? [] : [name];
        const names = await c.query<{ name: string }>(`SELECT name FROM proxy_packuments${where} UNION SELECT name FROM proxy_tarballs${where}`, args);
        const deleted = await c.query<{ blob_key: string }>(`DELETE FROM proxy_tarballs${where} RETURNING blob_key`, args);
        const packuments = await c.query(`DELETE FROM proxy_packuments${where}`, args);
        const keys = [...new Set(deleted.rows.map((r) => r.blob_key))];
        const used = await c.query<{ blob_key: string }>('SELECT DISTINCT blob_key FROM proxy_tarballs WHERE blob_key = ANY($1::text[])', [keys]);
        const stillUsed = new Set(used.rows.map((r) => r.blob_key));
        for (const r of names.rows) await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, r.name]);
        return { packuments: packuments.rowCount ?? 0, tarballs: keys.filter((k) => !stillUsed.has(k)) };
      });
    },
    async block(b) {
      await pool.query(
        `INSERT INTO proxy_blocks (name, version, reason, blocked_by, at) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (name, version) DO UPDATE SET reason = EXCLUDED.reason, blocked_by = EXCLUDED.blocked_by, at = EXCLUDED.at`,
        [b.name, b.version, b.reason, b.by, b.at],
      );
      await pool.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, b.name]);
    },
    async unblock(name, version) {
      const r = await pool.query('DELETE FROM proxy_blocks WHERE name = $1 AND version = $2', [name, version]);
      await pool.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
      return (r.rowCount ?? 0) > 0;
    },
    async cached({ prefix = '', after = '', limit }) {
      // The prefix is compared with left() (no LIKE wildcards in names); names sort byte-wise
      // (COLLATE "C") as on SQLite.
      const { rows } = await pool.query<{ name: string; upstream: string; forms: string; fetched_at: string; tarballs: string; tarball_bytes: string; blocked: string }>(
        `SELECT p.name, MAX(p.upstream) AS upstream, string_agg(p.form, ',') AS forms, MAX(p.fetched_at) AS fetched_at,
           (SELECT COUNT(*) FROM proxy_tarballs t WHERE t.name = p.name) AS tarballs,
           (SELECT COALESCE(SUM(t.size), 0) FROM proxy_tarballs t WHERE t.name = p.name) AS tarball_bytes,
           (SELECT COUNT(*) FROM proxy_blocks b WHERE b.name = p.name) AS blocked
         FROM proxy_packuments p
         WHERE p.name COLLATE "C" > $1 AND left(p.name, length($2)) = $2
         GROUP BY p.name ORDER BY p.name COLLATE "C" LIMIT $3`,
        [after, prefix, limit],
      );
      return rows.map((r): CachedUpstreamPackage => ({
        name: r.name,
        upstream: r.upstream,
        forms: r.forms.split(',').sort() as PackumentForm[],
        fetchedAt: Number(r.fetched_at),
        tarballs: Number(r.tarballs),
        tarballBytes: Number(r.tarball_bytes),
        blocked: Number(r.blocked),
      }));
    },
    async blocks(name) {
      const { rows } = await pool.query<{ name: string; version: string; reason: string; by: string; at: string }>(
        `SELECT name, version, reason, blocked_by AS by, at FROM proxy_blocks${name === null ? '' : ' WHERE name = $1'} ORDER BY name, version`,
        name === null ? [] : [name],
      );
      return rows.map((r): ProxyBlock => ({ ...r, at: Number(r.at) }));
    },
    async setStar(name, userId, starred) {
      const r = starred
        ? await pool.query('INSERT INTO proxy_stars (name, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (name, user_id) DO NOTHING', [name, userId, now()])
        : await pool.query('DELETE FROM proxy_stars WHERE name = $1 AND user_id = $2', [name, userId]);
      return (r.rowCount ?? 0) > 0;
    },
    async starredBy(userId) {
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM proxy_stars WHERE user_id = $1 ORDER BY name', [userId]);
      return rows.map((r) => r.name);
    },
  };
}
