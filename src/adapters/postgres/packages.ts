import type pg from 'pg';
import { DomainError } from '../../core/errors.ts';
import type { Access, PackageHead, PackageMutation, PackageRecord, PackageStore, SearchHit, VersionSummary } from '../../core/ports.ts';
import { appendEvent } from './events.ts';
import { consumeOtp } from './otp.ts';
import { publishedVersionTaken, stagedVersionTaken } from '../stage-rows.ts';
import { lockName, type Queryable, transaction } from './pool.ts';
import { similarNameError, similarNameKey } from '../../core/packages/names.ts';
import { countedJsonBytes, manifestsTooLarge } from '../../core/packages/manifest-limits.ts';

/** The channel that carries the name of every committed package change to every node. */
import { PACKAGE_CHANNEL } from './channels.ts';

interface PackageRow {
  name: string;
  rev: number;
  access: Access;
  unpublished: boolean;
  publish_requires_tfa: boolean;
  automation_overrides_tfa: boolean;
  created_at: string;
  modified_at: string;
  owners: PackageRecord['owners'];
  org: PackageRecord['org'];
  tags: Record<string, string>;
  versions: Array<{
    version: string;
    manifest: Record<string, unknown>;
    published_at: string;
    deprecated: string | null;
    file: string;
    blob_key: string;
    size: number;
    integrity: string;
    shasum: string;
  }>;
  removed: PackageRecord['removedVersions'];
  stars: string[];
}

// The scope of p.name, when it has one (without '@').
const SCOPE = `(CASE WHEN left(p.name, 1) = '@' THEN substring(p.name from 2 for position('/' in p.name) - 2) END)`;

// The owners and org of a package: for a package in an org's scope (issue #18), the users who
// may write it (the org's owners and admins, members of teams granted read-write), sorted by
// name, and the teams' grants; otherwise the stored owners in order, and no org.
// Each writer of an org package carries hasTfa (a confirmed second factor: Owner.hasTfa).
const ORG_WRITERS = `(SELECT json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email, 'hasTfa', u.tfa_mode IS NOT NULL AND NOT u.tfa_pending) ORDER BY u.name COLLATE "C")
       FROM orgs og JOIN users u ON u.id IN (
         SELECT m.user_id FROM org_members m WHERE m.org_id = og.id AND m.role IN ('owner', 'admin')
         UNION SELECT tm.user_id FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN team_members tm ON tm.team_id = t.id
           WHERE tp.package = p.name AND t.org_id = og.id AND tp.permission = 'read-write')
       WHERE og.name = ${SCOPE})`;

const OWNERS_AND_ORG = `COALESCE(
    ${ORG_WRITERS},
    (SELECT COALESCE(json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email) ORDER BY o.position), '[]')
       FROM owners o JOIN users u ON u.id = o.user_id WHERE o.package = p.name)) AS owners,
  (SELECT json_build_object('name', og.name, 'requireTfa', og.require_tfa, 'grants', COALESCE((SELECT json_agg(json_build_object('team', t.name, 'permission', tp.permission) ORDER BY t.name COLLATE "C")
       FROM team_packages tp JOIN teams t ON t.id = tp.team_id WHERE tp.package = p.name AND t.org_id = og.id), '[]'))
     FROM orgs og WHERE og.name = ${SCOPE}) AS org`;

// The whole package in one statement, so that it is one consistent snapshot even while other
// nodes commit (four separate reads could see a tag before its version).
const LOAD = `SELECT p.name, p.rev, p.access, p.unpublished, p.publish_requires_tfa, p.automation_overrides_tfa, p.created_at, p.modified_at,
  ${OWNERS_AND_ORG},
  (SELECT COALESCE(json_object_agg(d.tag, d.version ORDER BY d.tag COLLATE "C"), '{}') FROM dist_tags d WHERE d.package = p.name) AS tags,
  (SELECT COALESCE(json_agg(json_build_object('version', v.version, 'manifest', v.manifest, 'published_at', v.published_at,
      'deprecated', v.deprecated, 'file', v.file, 'blob_key', v.blob_key, 'size', v.size, 'integrity', v.integrity, 'shasum', v.shasum)
      ORDER BY v.published_at COLLATE "C", v.version COLLATE "C"), '[]')
     FROM versions v WHERE v.package = p.name) AS versions,
  (SELECT COALESCE(json_agg(json_build_object('version', b.version, 'publishedAt', b.published_at) ORDER BY b.published_at COLLATE "C", b.version COLLATE "C"), '[]')
     FROM burned_versions b WHERE b.package = p.name AND b.published_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.package = b.package AND v.version = b.version)) AS removed,
  (SELECT COALESCE(json_agg(u.name ORDER BY u.name COLLATE "C"), '[]') FROM stars s JOIN users u ON u.id = s.user_id WHERE s.package = p.name) AS stars
  FROM packages p WHERE p.name = $1`;

/** LOAD without the manifests. */
const OVERVIEW = LOAD.replace("'manifest', v.manifest, ", '');

const HEAD = `SELECT p.name, p.rev, p.access, p.unpublished, p.publish_requires_tfa, p.automation_overrides_tfa, p.created_at, p.modified_at,
  ${OWNERS_AND_ORG}
  FROM packages p WHERE p.name = $1`;

function headOf(p: Omit<PackageRow, 'tags' | 'versions' | 'removed' | 'stars'>): PackageHead {
  return {
    name: p.name,
    rev: p.rev,
    access: p.access,
    unpublished: p.unpublished,
    mfa: { publishRequiresTfa: p.publish_requires_tfa, automationOverridesTfa: p.automation_overrides_tfa },
    createdAt: p.created_at,
    modifiedAt: p.modified_at,
    owners: p.owners,
    org: p.org,
  };
}

/** A version row as LOAD and OVERVIEW give it (OVERVIEW without the manifest). */
function versionSummaryOf(v: PackageRow['versions'][number]): VersionSummary {
  return {
    version: v.version,
    publishedAt: v.published_at,
    deprecated: v.deprecated,
    tarball: { file: v.file, blobKey: v.blob_key, size: Number(v.size), integrity: v.integrity, shasum: v.shasum },
  };
}

async function load(c: Queryable, name: string): Promise<PackageRecord | null> {
  const { rows } = await c.query<PackageRow>(LOAD, [name]);
  const p = rows[0];
  if (!p) return null;
  return {
    ...headOf(p),
    distTags: p.tags,
    versions: p.versions.map((v) => ({ ...versionSummaryOf(v), manifest: v.manifest })),
    removedVersions: p.removed,
    stars: p.stars,
  };
}

const notFound = (name: string, version?: string): DomainError =>
  new DomainError('NOT_FOUND', version === undefined ? `Package ${name} not found.` : `${name} has no version ${version}.`);

async function scopeOwnerOf(c: Queryable, scope: string): Promise<number | null> {
  const { rows } = await c.query<{ id: number }>(
    // The scope @NAME belongs to the user NAME; any other scope to the user who claimed it.
    'SELECT id FROM (SELECT id, 0 AS rank FROM users WHERE name = $1 UNION ALL SELECT owner_id, 1 FROM scopes WHERE scope = $1) s ORDER BY rank LIMIT 1',
    [scope],
  );
  return rows[0]?.id ?? null;
}

async function hasVersion(c: Queryable, name: string, version: string): Promise<boolean> {
  return ((await c.query('SELECT 1 FROM versions WHERE package = $1 AND version = $2', [name, version])).rowCount ?? 0) > 0;
}

async function setTag(c: Queryable, name: string, tag: string, version: string): Promise<void> {
  await c.query('INSERT INTO dist_tags (package, tag, version) VALUES ($1, $2, $3) ON CONFLICT (package, tag) DO UPDATE SET version = excluded.version', [name, tag, version]);
}

async function addOwner(c: Queryable, name: string, userId: number): Promise<void> {
  await c.query(
    `INSERT INTO owners (package, user_id, position) VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM owners WHERE package = $1))
      ON CONFLICT DO NOTHING`,
    [name, userId],
  );
}

async function ownerIds(c: Queryable, name: string): Promise<number[]> {
  return (await c.query<{ user_id: number }>('SELECT user_id FROM owners WHERE package = $1', [name])).rows.map((r) => r.user_id);
}

/**
 * The search columns: the latest version (the latest tag's, or else the last published one,
 * as packuments pick) and its description and keywords: one manifest read, not the package.
 */
async function refreshSummary(c: Queryable, name: string): Promise<void> {
  const { rows } = await c.query<{ version: string | null; manifest: Record<string, unknown> | null }>(
    `SELECT l.version, v.manifest FROM (SELECT COALESCE((SELECT version FROM dist_tags WHERE package = $1 AND tag = 'latest'),
        (SELECT version FROM versions WHERE package = $1 ORDER BY published_at COLLATE "C" DESC, version COLLATE "C" DESC LIMIT 1)) AS version) l
      LEFT JOIN versions v ON v.package = $1 AND v.version = l.version`,
    [name],
  );
  const m = rows[0]?.manifest ?? {};
  const list = Array.isArray(m.keywords) ? m.keywords.filter((k): k is string => typeof k === 'string') : [];
  await c.query('UPDATE packages SET description = $1, keywords = $2, keyword_list = $3::jsonb, latest_version = $4 WHERE name = $5', [
    typeof m.description === 'string' ? m.description : null,
    list.join(' '),
    JSON.stringify(list),
    rows[0]?.version ?? null,
    name,
  ]);
}

async function apply(c: Queryable, name: string, m: PackageMutation, expectRev: number | undefined, t: string): Promise<void> {
  const existing = (await c.query<{ rev: number; unpublished: boolean }>('SELECT rev, unpublished FROM packages WHERE name = $1 FOR UPDATE', [name])).rows[0];
  if (m.type === 'publish' && m.create) {
    const owners = existing ? await ownerIds(c, name) : [];
    // A name that became someone else's while this publish was being checked (a creation
    // racing on another node) is not taken over.
    // (An org's package is the org's: core/access decided who may publish it.)
    const orgPackage = name.startsWith('@') && ((await c.query('SELECT 1 FROM orgs WHERE name = $1', [name.slice(1, name.indexOf('/'))])).rowCount ?? 0) > 0;
    if (owners.length > 0 && !owners.includes(m.create.ownerId) && !orgPackage) throw new DomainError('FORBIDDEN', `You are not an owner of ${name}.`);
    if (m.create.claimScope) {
      const scopeOwner = await scopeOwnerOf(c, m.create.claimScope);
      if (scopeOwner !== null && scopeOwner !== m.create.ownerId) {
        throw new DomainError('FORBIDDEN', `The scope @${m.create.claimScope} belongs to another user.`);
      }
    }
  }
  if (m.type === 'publish' && m.create && (!existing || existing.unpublished)) {
    const { create } = m;
    const key = similarNameKey(name);
    if (!existing) {
      // commit() holds the lock on this key: two similar names cannot be created at once.
      const similar = await c.query<{ name: string }>('SELECT name FROM packages WHERE similar_key = $1 AND name <> $2 ORDER BY name COLLATE "C" LIMIT 1', [key, name]);
      if (similar.rows[0]) throw similarNameError(name, similar.rows[0].name);
    }
    await c.query(
      `INSERT INTO packages (name, rev, access, unpublished, publish_requires_tfa, automation_overrides_tfa, created_at, modified_at, similar_key)
        VALUES ($1, 1, $2, FALSE, $3, $4, $5, $5, $6)
        ON CONFLICT (name) DO UPDATE SET unpublished = FALSE, access = excluded.access, publish_requires_tfa = excluded.publish_requires_tfa,
          automation_overrides_tfa = excluded.automation_overrides_tfa, rev = packages.rev + 1, modified_at = excluded.modified_at`,
      [name, create.access, create.mfa.publishRequiresTfa, create.mfa.automationOverridesTfa, t, key],
    );
    if (!existing || (await ownerIds(c, name)).length === 0) await addOwner(c, name, create.ownerId);
    // Stages of the name by accounts that are not its owners can never be approved now: they
    // must not hold version numbers of the package just created (stage-rows.ts).
    await c.query('DELETE FROM staged_versions WHERE package = $1 AND user_id NOT IN (SELECT user_id FROM owners WHERE package = $1)', [name]);
    if (create.claimScope) {
      await c.query('INSERT INTO scopes (scope, owner_id) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM users WHERE name = $1) AND NOT EXISTS (SELECT 1 FROM orgs WHERE name = $1) ON CONFLICT DO NOTHING', [
        create.claimScope,
        create.ownerId,
      ]);
    }
    if (create.teamGrant) {
      await c.query(
        'INSERT INTO team_packages (team_id, package, permission, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (team_id, package) DO UPDATE SET permission = excluded.permission',
        [create.teamGrant.teamId, name, create.teamGrant.permission, t],
      );
    }
  } else {
    if (!existing || existing.unpublished) throw notFound(name);
    if (expectRev !== undefined && existing.rev !== expectRev) {
      throw new DomainError('REV_CONFLICT', 'Document update conflict: the package changed since you read it. Try again.');
    }
    await c.query('UPDATE packages SET rev = rev + 1, modified_at = $1 WHERE name = $2', [t, name]);
  }
  switch (m.type) {
    case 'publish': {
      const v = m.version;
      const burned = await c.query('INSERT INTO burned_versions (package, version, published_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [name, v.version, v.publishedAt]);
      if (burned.rowCount === 0) throw publishedVersionTaken(v.version);
      // a staged version holds its number (stages.ts takes the same name lock)
      if ((await c.query('SELECT 1 FROM staged_versions WHERE package = $1 AND version = $2 AND expires_at > $3', [name, v.version, t])).rowCount) {
        throw stagedVersionTaken(name, v.version);
      }
      const tb = v.tarball;
      const json = JSON.stringify(v.manifest);
      const counted = countedJsonBytes(v.manifest, json);
      await c.query(
        `INSERT INTO versions (package, version, manifest, published_at, deprecated, file, blob_key, size, integrity, shasum, manifest_bytes)
          VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10)`,
        [name, v.version, json, v.publishedAt, tb.file, tb.blobKey, tb.size, tb.integrity, tb.shasum, counted],
      );
      // the package's running total (readmes aside, counted at publish: manifest-limits.ts)
      const r = await c.query('UPDATE packages SET manifest_bytes = manifest_bytes + $1 WHERE name = $2 RETURNING manifest_bytes', [counted, name]);
      const total = Number(r.rows[0].manifest_bytes);
      if (m.maxManifestBytes !== undefined && total > m.maxManifestBytes) throw manifestsTooLarge(name, total, m.maxManifestBytes);
      await setTag(c, name, m.tag, v.version);
      // A package always has a latest tag: the first version gets it whatever --tag said.
      if (m.tag !== 'latest') {
        await c.query(`INSERT INTO dist_tags (package, tag, version) VALUES ($1, 'latest', $2) ON CONFLICT DO NOTHING`, [name, v.version]);
      }
      if (m.access) await c.query('UPDATE packages SET access = $1 WHERE name = $2', [m.access, name]);
      break;
    }
    case 'set-tag':
      if (!(await hasVersion(c, name, m.version))) throw notFound(name, m.version);
      await setTag(c, name, m.tag, m.version);
      break;
    case 'remove-tag':
      await c.query('DELETE FROM dist_tags WHERE package = $1 AND tag = $2', [name, m.tag]);
      break;
    case 'deprecate':
      for (const [version, message] of Object.entries(m.messages)) {
        const res = await c.query('UPDATE versions SET deprecated = $1 WHERE package = $2 AND version = $3', [message, name, version]);
        if (res.rowCount === 0) throw notFound(name, version);
      }
      break;
    case 'remove-versions':
      for (const version of m.versions) {
        const res = await c.query('DELETE FROM versions WHERE package = $1 AND version = $2 RETURNING manifest_bytes', [name, version]);
        if (res.rowCount === 0) throw notFound(name, version);
        await c.query('UPDATE packages SET manifest_bytes = manifest_bytes - $1 WHERE name = $2', [res.rows[0].manifest_bytes, name]);
      }
      await c.query('DELETE FROM dist_tags WHERE package = $1', [name]);
      for (const [tag, version] of Object.entries(m.distTags)) {
        if (!(await hasVersion(c, name, version))) throw notFound(name, version);
        await setTag(c, name, tag, version);
      }
      break;
    case 'unpublish-all':
      await c.query('DELETE FROM versions WHERE package = $1', [name]);
      await c.query('DELETE FROM dist_tags WHERE package = $1', [name]);
      await c.query('DELETE FROM stars WHERE package = $1', [name]);
      await c.query('UPDATE packages SET unpublished = TRUE, manifest_bytes = 0 WHERE name = $1', [name]);
      break;
    case 'owners':
      for (const id of m.add) await addOwner(c, name, id);
      if (m.remove.length > 0) await c.query('DELETE FROM owners WHERE package = $1 AND user_id = ANY($2::int[])', [name, m.remove]);
      if ((await ownerIds(c, name)).length === 0) throw new DomainError('LAST_OWNER', 'A package must keep at least one owner.');
      break;
    case 'settings':
      if (m.access) await c.query('UPDATE packages SET access = $1 WHERE name = $2', [m.access, name]);
      if (m.mfa) {
        await c.query('UPDATE packages SET publish_requires_tfa = $1, automation_overrides_tfa = $2 WHERE name = $3', [m.mfa.publishRequiresTfa, m.mfa.automationOverridesTfa, name]);
      }
      break;
  }
  if (m.type === 'publish' || m.type === 'set-tag' || m.type === 'remove-tag' || m.type === 'remove-versions') await refreshSummary(c, name);
}

export function postgresPackages(pool: pg.Pool, now: () => string): PackageStore {
  return {
    get: (name) => load(pool, name),
    async head(name) {
      const { rows } = await pool.query<Omit<PackageRow, 'tags' | 'versions' | 'removed' | 'stars'>>(HEAD, [name]);
      return rows[0] ? headOf(rows[0]) : null;
    },
    async commit(name, mutation, options = {}) {
      return transaction(pool, async (c) => {
        // Locks first, always in this order (package name, then scope name, then the user row
        // the OTP touches), so that writers on several nodes queue instead of deadlocking. The
        // name lock also covers a package that has no row yet (two first publishes at once).
        await lockName(c, 'package', name);
        if (mutation.type === 'publish' && mutation.create) await lockName(c, 'similar', similarNameKey(name));
        if (mutation.type === 'publish' && mutation.create?.claimScope) await lockName(c, 'name', mutation.create.claimScope);
        if (options.stageId !== undefined) {
          const taken = await c.query('DELETE FROM staged_versions WHERE id = $1 AND package = $2 AND expires_at > $3', [options.stageId, name, now()]);
          if (taken.rowCount === 0) throw new DomainError('NOT_FOUND', `No staged version ${options.stageId} waits for approval (it was approved, rejected or has expired).`);
        }
        await consumeOtp(c, options.otp, now());
        await apply(c, name, mutation, options.expectRev, now());
        if (options.event) await appendEvent(c, options.event, now());
        // Delivered to every listening node when (and only if) this transaction commits.
        await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
        const { rows } = await c.query<{ rev: number; tags: Record<string, string> }>(
          `SELECT p.rev, (SELECT COALESCE(json_object_agg(d.tag, d.version ORDER BY d.tag COLLATE "C"), '{}') FROM dist_tags d WHERE d.package = p.name) AS tags
             FROM packages p WHERE p.name = $1`,
          [name],
        );
        return { rev: rows[0].rev, distTags: rows[0].tags };
      });
    },
    scopeOwner: (scope) => scopeOwnerOf(pool, scope),
    async search({ text, from, size, viewerId, viewerLimits, scope, order }) {
      const terms = text.toLowerCase().split(/\s+/).filter((t) => t.length > 0 && !t.includes(':')).slice(0, 8);
      const params: unknown[] = [viewerId ?? -1];
      // Restricted: owners only (for an org's package: its owners and admins and the members of
      // teams granted access, core/access/permissions.ts canRead), and only when the
      // credential's limits cover the name.
      let covered = '';
      if (viewerLimits) {
        params.push(viewerLimits.packages, viewerLimits.scopes.map((x) => x.replace(/^@/, '')));
        covered = ` AND (p.name = ANY($2::text[]) OR (p.name LIKE '@%/%' AND split_part(substr(p.name, 2), '/', 1) = ANY($3::text[])))`;
      }
      const where = [
        'NOT p.unpublished',
        'p.latest_version IS NOT NULL',
        `(p.access = 'public' OR ((CASE WHEN EXISTS (SELECT 1 FROM orgs og WHERE og.name = ${SCOPE})
            THEN EXISTS (SELECT 1 FROM orgs og JOIN org_members m ON m.org_id = og.id AND m.user_id = $1 WHERE og.name = ${SCOPE}
              AND (m.role IN ('owner', 'admin') OR EXISTS (SELECT 1 FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN team_members tm ON tm.team_id = t.id
                WHERE tp.package = p.name AND t.org_id = og.id AND tm.user_id = m.user_id)))
            ELSE EXISTS (SELECT 1 FROM owners o WHERE o.package = p.name AND o.user_id = $1) END)${covered}))`,
      ];
      if (scope) {
        params.push(`@${scope.replace(/[\\%_]/g, (ch) => `\\${ch}`)}/%`);
        where.push(`p.name LIKE $${params.length} ESCAPE '\\'`);
      }
      for (const t of terms) {
        params.push(`%${t.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
        const n = `$${params.length}`;
        where.push(`(lower(p.name) LIKE ${n} ESCAPE '\\' OR lower(COALESCE(p.description, '')) LIKE ${n} ESCAPE '\\' OR lower(COALESCE(p.keywords, '')) LIKE ${n} ESCAPE '\\')`);
      }
      const sql = `FROM packages p WHERE ${where.join(' AND ')}`;
      const total = (await pool.query<{ n: number }>(`SELECT COUNT(*)::int AS n ${sql}`, params)).rows[0].n;
      // An org's package: its possible writers, as HEAD reads them.
      const { rows } = await pool.query<{ name: string; latest_version: string; description: string | null; keyword_list: string[]; modified_at: string; owners: PackageRecord['owners']; org: SearchHit['org'] }>(
        `SELECT p.name, p.latest_version, p.description, p.keyword_list, p.modified_at,
           COALESCE(${ORG_WRITERS}, (SELECT COALESCE(json_agg(json_build_object('id', u.id, 'name', u.name, 'email', u.email) ORDER BY o.position), '[]')
              FROM owners o JOIN users u ON u.id = o.user_id WHERE o.package = p.name)) AS owners,
           (SELECT json_build_object('requireTfa', og.require_tfa) FROM orgs og WHERE og.name = ${SCOPE}) AS org
         ${sql} ORDER BY ${order === 'modified' ? 'p.modified_at DESC, p.name COLLATE "C"' : 'p.name COLLATE "C"'} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, size, from],
      );
      const hits: SearchHit[] = rows.map((r) => ({
        name: r.name,
        version: r.latest_version,
        description: r.description,
        keywords: r.keyword_list,
        modifiedAt: r.modified_at,
        owners: r.owners,
        org: r.org,
      }));
      return { hits, total };
    },
    async getVersion(name, versionOrTag) {
      // One statement: the head, the tags and the one version row the spec names.
      const { rows } = await pool.query<Omit<PackageRow, 'versions'> & { v: PackageRow['versions'][number] | null }>(
        `WITH h AS (${HEAD}),
           t AS (SELECT COALESCE(json_object_agg(d.tag, d.version ORDER BY d.tag COLLATE "C"), '{}') AS tags FROM dist_tags d WHERE d.package = $1)
         SELECT h.*, t.tags,
           (SELECT json_build_object('version', v.version, 'manifest', v.manifest, 'published_at', v.published_at, 'deprecated', v.deprecated,
              'file', v.file, 'blob_key', v.blob_key, 'size', v.size, 'integrity', v.integrity, 'shasum', v.shasum)
              FROM versions v WHERE v.package = $1 AND v.version = COALESCE((SELECT version FROM dist_tags WHERE package = $1 AND tag = $2), $2)) AS v
         FROM h, t`,
        [name, versionOrTag],
      );
      const r = rows[0];
      if (!r || !r.v) return null;
      const v = r.v;
      return {
        pkg: { ...headOf(r), distTags: r.tags },
        version: { ...versionSummaryOf(v), manifest: v.manifest },
      };
    },
    async overview(name) {
      // One statement, one snapshot (as LOAD), without the manifests.
      const { rows } = await pool.query<PackageRow>(OVERVIEW, [name]);
      const p = rows[0];
      if (!p) return null;
      return {
        ...headOf(p),
        distTags: p.tags,
        versions: p.versions.map(versionSummaryOf),
      };
    },
    async namesOwnedBy(userId) {
      const { rows } = await pool.query<{ package: string }>('SELECT package FROM owners WHERE user_id = $1 ORDER BY package COLLATE "C"', [userId]);
      return rows.map((r) => r.package);
    },
    async names({ after, limit }) {
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM packages WHERE name COLLATE "C" > $1 ORDER BY name COLLATE "C" LIMIT $2', [after ?? '', limit]);
      return rows.map((r) => r.name);
    },
    async isBlobReferenced(key) {
      // a cached upstream tarball with the same bytes shares the blob too (proxy_tarballs)
      const sql = 'SELECT 1 FROM versions WHERE blob_key = $1 UNION ALL SELECT 1 FROM proxy_tarballs WHERE blob_key = $1 UNION ALL SELECT 1 FROM staged_versions WHERE blob_key = $1 LIMIT 1';
      return ((await pool.query(sql, [key])).rowCount ?? 0) > 0;
    },
    async unsignedVersions(limit) {
      const { rows } = await pool.query<{ name: string; version: string; integrity: string }>('SELECT package AS name, version, integrity FROM versions WHERE needs_signature LIMIT $1', [limit]);
      return rows;
    },
    async setSignatures(name, version, signatures) {
      return transaction(pool, async (c) => {
        const row = (await c.query<{ manifest: Record<string, unknown> }>('SELECT manifest FROM versions WHERE package = $1 AND version = $2 AND needs_signature FOR UPDATE', [name, version])).rows[0];
        if (!row) return false;
        const manifest = { ...row.manifest, dist: { ...(row.manifest.dist as Record<string, unknown>), signatures } };
        // manifest_bytes stays as counted at publish (the package's running total is its sum).
        await c.query('UPDATE versions SET manifest = $3, needs_signature = FALSE WHERE package = $1 AND version = $2', [name, version, JSON.stringify(manifest)]);
        await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
        return true;
      });
    },
    async setStar(name, userId, starred) {
      return transaction(pool, async (c) => {
        // The package row is locked (FOR SHARE): a whole-package unpublish waits or goes first.
        const p = (await c.query<{ unpublished: boolean }>('SELECT unpublished FROM packages WHERE name = $1 FOR SHARE', [name])).rows[0];
        if (!p || p.unpublished) throw notFound(name);
        const res = starred
          ? await c.query('INSERT INTO stars (package, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [name, userId, now()])
          : await c.query('DELETE FROM stars WHERE package = $1 AND user_id = $2', [name, userId]);
        const changed = (res.rowCount ?? 0) > 0;
        // Other nodes drop their cached packument (its "users" changed).
        if (changed) await c.query('SELECT pg_notify($1, $2)', [PACKAGE_CHANNEL, name]);
        return changed;
      });
    },
    async starredBy(userId) {
      const { rows } = await pool.query<{ package: string }>(
        'SELECT s.package FROM stars s JOIN packages p ON p.name = s.package WHERE s.user_id = $1 AND NOT p.unpublished ORDER BY s.package COLLATE "C"',
        [userId],
      );
      return rows.map((r) => r.package);
    },
  };
}
