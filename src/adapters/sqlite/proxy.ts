// The proxy's tables on SQLite (core/proxy/ports.ts ProxyStore): upstream packuments as
// fetched (one row per name and form), the tarballs fetched from upstreams (their bytes are in
// the blob store), and administrators' blocks. Every method is one statement or one transaction.

import type Database from 'better-sqlite3';
import type { CachedUpstreamPackage, CachedUpstreamPackument, CachedUpstreamTarball, PackumentForm, ProxyBlock, ProxyStore } from '../../core/proxy/ports.ts';

interface PackumentRow {
  name: string;
  form: PackumentForm;
  upstream: string;
  body: Buffer;
  etag: string | null;
  last_modified: string | null;
  fetched_at: number;
}

interface TarballRow {
  name: string;
  file: string;
  version: string;
  blob_key: string;
  integrity: string;
  size: number;
  fetched_at: number;
}

const toPackument = (r: PackumentRow): CachedUpstreamPackument => ({
  name: r.name,
  form: r.form,
  upstream: r.upstream,
  body: r.body,
  etag: r.etag,
  lastModified: r.last_modified,
  fetchedAt: r.fetched_at,
});

const toTarball = (r: TarballRow): CachedUpstreamTarball => ({
  name: r.name,
  file: r.file,
  version: r.version,
  blobKey: r.blob_key,
  integrity: r.integrity,
  size: r.size,
  fetchedAt: r.fetched_at,
});

export function sqliteProxy(db: Database.Database, now: () => string): ProxyStore {
  const getPackument = db.prepare('SELECT * FROM proxy_packuments WHERE name = ? AND form = ?');
  const putPackument = db.prepare(`INSERT INTO proxy_packuments (name, form, upstream, body, etag, last_modified, fetched_at)
    VALUES (@name, @form, @upstream, @body, @etag, @lastModified, @fetchedAt)
    ON CONFLICT(name, form) DO UPDATE SET upstream = excluded.upstream, body = excluded.body, etag = excluded.etag,
      last_modified = excluded.last_modified, fetched_at = excluded.fetched_at`);
  const revalidated = db.prepare('UPDATE proxy_packuments SET fetched_at = ?, etag = ?, last_modified = ? WHERE name = ? AND form = ?');
  const getTarball = db.prepare('SELECT * FROM proxy_tarballs WHERE name = ? AND file = ?');
  // '@scope/' up to '@scope0' ('0' follows '/'): every name of the scope, by the primary key.
  const inScope = db.prepare('SELECT 1 FROM proxy_packuments WHERE name >= ? AND name < ? LIMIT 1');
  const insertTarball = db.prepare(`INSERT INTO proxy_tarballs (name, file, version, blob_key, integrity, size, fetched_at)
    VALUES (@name, @file, @version, @blobKey, @integrity, @size, @fetchedAt) ON CONFLICT(name, file) DO NOTHING`);
  const keysOf = db.prepare('SELECT DISTINCT blob_key FROM proxy_tarballs WHERE name = ?');
  const allKeys = db.prepare('SELECT DISTINCT blob_key FROM proxy_tarballs');
  const keyUsed = db.prepare('SELECT 1 FROM proxy_tarballs WHERE blob_key = ? LIMIT 1');
  const deletePackuments = db.prepare('DELETE FROM proxy_packuments WHERE name = ?');
  const deleteTarballs = db.prepare('DELETE FROM proxy_tarballs WHERE name = ?');
  const deleteAllPackuments = db.prepare('DELETE FROM proxy_packuments');
  const deleteAllTarballs = db.prepare('DELETE FROM proxy_tarballs');
  const putBlock = db.prepare(`INSERT INTO proxy_blocks (name, version, reason, blocked_by, at) VALUES (@name, @version, @reason, @by, @at)
    ON CONFLICT(name, version) DO UPDATE SET reason = excluded.reason, blocked_by = excluded.blocked_by, at = excluded.at`);
  const deleteBlock = db.prepare('DELETE FROM proxy_blocks WHERE name = ? AND version = ?');
  const blocksOf = db.prepare('SELECT name, version, reason, blocked_by AS by, at FROM proxy_blocks WHERE name = ? ORDER BY version');
  // One page of cached names: prefix compared with substr (no LIKE wildcards in names).
  const cachedPage = db.prepare(`
    SELECT p.name, MAX(p.upstream) AS upstream, GROUP_CONCAT(p.form) AS forms, MAX(p.fetched_at) AS fetched_at,
      (SELECT COUNT(*) FROM proxy_tarballs t WHERE t.name = p.name) AS tarballs,
      (SELECT COALESCE(SUM(t.size), 0) FROM proxy_tarballs t WHERE t.name = p.name) AS tarball_bytes,
      (SELECT COUNT(*) FROM proxy_blocks b WHERE b.name = p.name) AS blocked
    FROM proxy_packuments p
    WHERE p.name > @after AND substr(p.name, 1, length(@prefix)) = @prefix
    GROUP BY p.name ORDER BY p.name LIMIT @limit`);
  const allBlocks = db.prepare('SELECT name, version, reason, blocked_by AS by, at FROM proxy_blocks ORDER BY name, version');

  const addStar = db.prepare('INSERT INTO proxy_stars (name, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT(name, user_id) DO NOTHING');
  const removeStar = db.prepare('DELETE FROM proxy_stars WHERE name = ? AND user_id = ?');
  const starredBy = db.prepare('SELECT name FROM proxy_stars WHERE user_id = ? ORDER BY name').pluck();

  const purge = db.transaction((name: string | null) => {
    const keys = ((name === null ? allKeys.all() : keysOf.all(name)) as Array<{ blob_key: string }>).map((r) => r.blob_key);
    const packuments = name === null ? deleteAllPackuments.run().changes : deletePackuments.run(name).changes;
    if (name === null) deleteAllTarballs.run();
    else deleteTarballs.run(name);
    return { packuments, tarballs: keys.filter((k) => keyUsed.get(k) === undefined) };
  });
  const putTarball = db.transaction((t: CachedUpstreamTarball) => {
    insertTarball.run(t);
    return toTarball(getTarball.get(t.name, t.file) as TarballRow);
  });

  return {
    async getPackument(name, form) {
      const row = getPackument.get(name, form) as PackumentRow | undefined;
      return row ? toPackument(row) : null;
    },
    async putPackument(p) {
      putPackument.run(p);
    },
    async revalidated(name, form, fetchedAt, etag, lastModified) {
      revalidated.run(fetchedAt, etag, lastModified, name, form);
    },
    async hasScope(scope) {
      return inScope.get(`@${scope}/`, `@${scope}0`) !== undefined;
    },
    async getTarball(name, file) {
      const row = getTarball.get(name, file) as TarballRow | undefined;
      return row ? toTarball(row) : null;
    },
    async putTarball(t) {
      return putTarball.immediate(t);
    },
    async purge(name) {
      return purge.immediate(name);
    },
    async block(b) {
      putBlock.run(b);
    },
    async unblock(name, version) {
      return deleteBlock.run(name, version).changes > 0;
    },
    async blocks(name) {
      return (name === null ? allBlocks.all() : blocksOf.all(name)) as ProxyBlock[];
    },
    async cached({ prefix = '', after = '', limit }) {
      const rows = cachedPage.all({ prefix, after, limit }) as Array<{ name: string; upstream: string; forms: string; fetched_at: number; tarballs: number; tarball_bytes: number; blocked: number }>;
      return rows.map((r): CachedUpstreamPackage => ({
        name: r.name,
        upstream: r.upstream,
        forms: r.forms.split(',').sort() as PackumentForm[],
        fetchedAt: r.fetched_at,
        tarballs: r.tarballs,
        tarballBytes: r.tarball_bytes,
        blocked: r.blocked,
      }));
    },
    async setStar(name, userId, starred) {
      return (starred ? addStar.run(name, userId, now()) : removeStar.run(name, userId)).changes > 0;
    },
    async starredBy(userId) {
      return starredBy.all(userId) as string[];
    },
  };
}
