import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { Access, OtpUse, Owner, PackageHead, PackageMutation, PackageRecord, PackageStore, SearchHit, SecurityEvent, VersionRecord } from '../../core/ports.ts';
import type { TeamPermission } from '../../core/orgs/model.ts';
import { eventAppender } from './events.ts';
import { otpConsumer } from './otp.ts';
import { publishedVersionTaken, stagedVersionTaken } from '../stage-rows.ts';
import { similarNameError, similarNameKey } from '../../core/packages/names.ts';
import { countedJsonBytes, manifestsTooLarge } from '../../core/packages/manifest-limits.ts';

interface PackageRow {
  name: string;
  rev: number;
  access: Access;
  unpublished: number;
  publish_requires_tfa: number;
  automation_overrides_tfa: number;
  created_at: string;
  modified_at: string;
}

interface VersionRow {
  version: string;
  manifest: string;
  published_at: string;
  deprecated: string | null;
  file: string;
  blob_key: string;
  size: number;
  integrity: string;
  shasum: string;
}

// Manifests are parsed when first read: a publish or a tag change loads the package without
// needing any of them, and a package can have hundreds of versions.
function toVersion(r: VersionRow): VersionRecord {
  let manifest: Record<string, unknown> | undefined;
  return {
    version: r.version,
    get manifest() {
      manifest ??= JSON.parse(r.manifest) as Record<string, unknown>;
      return manifest;
    },
    publishedAt: r.published_at,
    deprecated: r.deprecated,
    tarball: { file: r.file, blobKey: r.blob_key, size: r.size, integrity: r.integrity, shasum: r.shasum },
  };
}

/** The scope of p.name without '@', or NULL for an unscoped name. */
const SQLITE_SCOPE = "(CASE WHEN p.name LIKE '@%/%' THEN substr(p.name, 2, instr(p.name, '/') - 2) END)";

export function sqlitePackages(db: Database.Database, now: () => string): PackageStore {
  const q = {
    pkg: db.prepare('SELECT * FROM packages WHERE name = ?'),
    versions: db.prepare('SELECT version, manifest, published_at, deprecated, file, blob_key, size, integrity, shasum FROM versions WHERE package = ? ORDER BY published_at, version'),
    tags: db.prepare('SELECT tag, version FROM dist_tags WHERE package = ? ORDER BY tag'),
    owners: db.prepare('SELECT u.id, u.name, u.email FROM owners o JOIN users u ON u.id = o.user_id WHERE o.package = ? ORDER BY o.position'),
    insertPkg: db.prepare(`INSERT INTO packages (name, rev, access, unpublished, publish_requires_tfa, automation_overrides_tfa, created_at, modified_at, similar_key)
      VALUES (?, 1, ?, 0, ?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET unpublished = 0, access = excluded.access, publish_requires_tfa = excluded.publish_requires_tfa,
        automation_overrides_tfa = excluded.automation_overrides_tfa, rev = rev + 1, modified_at = excluded.modified_at`),
    bump: db.prepare('UPDATE packages SET rev = rev + 1, modified_at = ? WHERE name = ?'),
    burned: db.prepare('SELECT 1 FROM burned_versions WHERE package = ? AND version = ?'),
    burn: db.prepare('INSERT OR IGNORE INTO burned_versions (package, version, published_at) VALUES (?, ?, ?)'),
    removed: db.prepare(`SELECT version, published_at AS publishedAt FROM burned_versions b WHERE package = ? AND published_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.package = b.package AND v.version = b.version) ORDER BY published_at, version`),
    similar: db.prepare('SELECT name FROM packages WHERE similar_key = ? AND name <> ? ORDER BY name LIMIT 1').pluck(),
    stars: db.prepare('SELECT u.name FROM stars s JOIN users u ON u.id = s.user_id WHERE s.package = ? ORDER BY u.name').pluck(),
    addStar: db.prepare('INSERT OR IGNORE INTO stars (package, user_id, created_at) VALUES (?, ?, ?)'),
    removeStar: db.prepare('DELETE FROM stars WHERE package = ? AND user_id = ?'),
    clearStars: db.prepare('DELETE FROM stars WHERE package = ?'),
    starredBy: db.prepare('SELECT s.package FROM stars s JOIN packages p ON p.name = s.package WHERE s.user_id = ? AND p.unpublished = 0 ORDER BY s.package').pluck(),
    insertVersion: db.prepare(`INSERT INTO versions (package, version, manifest, published_at, deprecated, file, blob_key, size, integrity, shasum, manifest_bytes)
      VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`),
    hasVersion: db.prepare('SELECT 1 FROM versions WHERE package = ? AND version = ?'),
    // the package's running total of versions.manifest_bytes (readmes aside, counted at publish: manifest-limits.ts)
    addManifestBytes: db.prepare('UPDATE packages SET manifest_bytes = manifest_bytes + ? WHERE name = ? RETURNING manifest_bytes').pluck(),
    setTag: db.prepare('INSERT INTO dist_tags (package, tag, version) VALUES (?, ?, ?) ON CONFLICT(package, tag) DO UPDATE SET version = excluded.version'),
    removeTag: db.prepare('DELETE FROM dist_tags WHERE package = ? AND tag = ?'),
    clearTags: db.prepare('DELETE FROM dist_tags WHERE package = ?'),
    deprecate: db.prepare('UPDATE versions SET deprecated = ? WHERE package = ? AND version = ?'),
    removeVersion: db.prepare('DELETE FROM versions WHERE package = ? AND version = ? RETURNING manifest_bytes').pluck(),
    removeAllVersions: db.prepare('DELETE FROM versions WHERE package = ?'),
    addOwner: db.prepare('INSERT OR IGNORE INTO owners (package, user_id, position) VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM owners WHERE package = ?))'),
    removeOwner: db.prepare('DELETE FROM owners WHERE package = ? AND user_id = ?'),
    ownerCount: db.prepare('SELECT COUNT(*) AS n FROM owners WHERE package = ?'),
    ownerIds: db.prepare('SELECT user_id FROM owners WHERE package = ?').pluck(),
    namesOwned: db.prepare('SELECT package FROM owners WHERE user_id = ? ORDER BY package').pluck(),
    setAccess: db.prepare('UPDATE packages SET access = ? WHERE name = ?'),
    setMfa: db.prepare('UPDATE packages SET publish_requires_tfa = ?, automation_overrides_tfa = ? WHERE name = ?'),
    unpublish: db.prepare('UPDATE packages SET unpublished = 1, manifest_bytes = 0 WHERE name = ?'),
    setSummary: db.prepare('UPDATE packages SET description = ?, keywords = ?, keyword_list = ?, latest_version = ? WHERE name = ?'),
    // An org's scope is the org's (core/orgs): never claimed for a publisher.
    claimScope: db.prepare('INSERT OR IGNORE INTO scopes (scope, owner_id) SELECT @scope, @owner WHERE NOT EXISTS (SELECT 1 FROM orgs WHERE name = @scope)'),
    scope: db.prepare('SELECT owner_id FROM scopes WHERE scope = ?'),
    userByName: db.prepare('SELECT id FROM users WHERE name = ?'),
    // a cached upstream tarball with the same bytes shares the blob too (proxy_tarballs)
    blobUsed: db.prepare(
      'SELECT 1 FROM versions WHERE blob_key = @key UNION ALL SELECT 1 FROM proxy_tarballs WHERE blob_key = @key UNION ALL SELECT 1 FROM staged_versions WHERE blob_key = @key LIMIT 1',
    ),
    // staged versions (stages.ts): an approval takes its own; a publish refuses a live one
    takeStage: db.prepare('DELETE FROM staged_versions WHERE id = ? AND package = ? AND expires_at > ?'),
    dropForeignStages: db.prepare('DELETE FROM staged_versions WHERE package = ? AND user_id NOT IN (SELECT user_id FROM owners WHERE package = ?)'),
    liveStage: db.prepare('SELECT 1 FROM staged_versions WHERE package = ? AND version = ? AND expires_at > ?'),
  };

  // A package in an org's scope (issue #18): its maintainers are those who may write it, and
  // its team grants go with it (core/access/permissions.ts decides with them).
  const orgQ = {
    org: db.prepare('SELECT id, name, require_tfa FROM orgs WHERE name = ?'),
    grants: db.prepare('SELECT t.name AS team, tp.permission FROM team_packages tp JOIN teams t ON t.id = tp.team_id WHERE tp.package = ? AND t.org_id = ? ORDER BY t.name'),
    writers: db.prepare(
      `SELECT u.id, u.name, u.email, (u.tfa_mode IS NOT NULL AND u.tfa_pending = 0) AS has_tfa FROM users u WHERE u.id IN (
         SELECT m.user_id FROM org_members m WHERE m.org_id = @org AND m.role IN ('owner', 'admin')
         UNION SELECT tm.user_id FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN team_members tm ON tm.team_id = t.id
           WHERE tp.package = @name AND t.org_id = @org AND tp.permission = 'read-write')
       ORDER BY u.name`,
    ),
    grant: db.prepare('INSERT INTO team_packages (team_id, package, permission, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (team_id, package) DO UPDATE SET permission = excluded.permission'),
  };

  // The viewer (two parameters, both the viewer's id) may read a restricted package p.
  const MAY_READ_RESTRICTED = `(CASE WHEN EXISTS (SELECT 1 FROM orgs og WHERE og.name = ${SQLITE_SCOPE})
      THEN EXISTS (SELECT 1 FROM orgs og JOIN org_members m ON m.org_id = og.id AND m.user_id = ? WHERE og.name = ${SQLITE_SCOPE}
        AND (m.role IN ('owner', 'admin') OR EXISTS (SELECT 1 FROM team_packages tp JOIN teams t ON t.id = tp.team_id JOIN team_members tm ON tm.team_id = t.id
          WHERE tp.package = p.name AND t.org_id = og.id AND tm.user_id = m.user_id)))
      ELSE EXISTS (SELECT 1 FROM owners o WHERE o.package = p.name AND o.user_id = ?) END)`;

  function orgOf(name: string): { id: number; name: string; require_tfa: number } | null {
    if (!name.startsWith('@')) return null;
    return (orgQ.org.get(name.slice(1, name.indexOf('/'))) as { id: number; name: string; require_tfa: number } | undefined) ?? null;
  }

  /** An org package's possible writers, each with whether they have a confirmed second factor (Owner.hasTfa). */
  function orgWriters(org: { id: number }, name: string): Owner[] {
    return (orgQ.writers.all({ org: org.id, name }) as Array<Owner & { has_tfa: number }>).map(({ has_tfa, ...o }) => ({ ...o, hasTfa: has_tfa === 1 }));
  }

  function head(name: string): PackageHead | null {
    const p = q.pkg.get(name) as PackageRow | undefined;
    if (!p) return null;
    const org = orgOf(name);
    return {
      name: p.name,
      rev: p.rev,
      access: p.access,
      unpublished: p.unpublished === 1,
      mfa: { publishRequiresTfa: p.publish_requires_tfa === 1, automationOverridesTfa: p.automation_overrides_tfa === 1 },
      createdAt: p.created_at,
      modifiedAt: p.modified_at,
      owners: org ? orgWriters(org, name) : (q.owners.all(name) as Owner[]),
      org: org ? { name: org.name, requireTfa: org.require_tfa === 1, grants: orgQ.grants.all(name, org.id) as Array<{ team: string; permission: TeamPermission }> } : null,
    };
  }

  /** The package's dist-tags, tag → version, sorted by tag. */
  function distTagsOf(name: string): Record<string, string> {
    return Object.fromEntries((q.tags.all(name) as Array<{ tag: string; version: string }>).map((t) => [t.tag, t.version]));
  }

  function load(name: string): PackageRecord | null {
    const h = head(name);
    if (!h) return null;
    return {
      ...h,
      distTags: distTagsOf(name),
      versions: (q.versions.all(name) as VersionRow[]).map(toVersion),
      removedVersions: q.removed.all(name) as PackageRecord['removedVersions'],
      stars: q.stars.all(name) as string[],
    };
  }

  // The latest tag's version, or else the last published one (as packuments pick).
  const latestVersion = db.prepare(
    `SELECT COALESCE((SELECT version FROM dist_tags WHERE package = ? AND tag = 'latest'),
      (SELECT version FROM versions WHERE package = ? ORDER BY published_at DESC, version DESC LIMIT 1))`,
  ).pluck();
  const oneManifest = db.prepare('SELECT manifest FROM versions WHERE package = ? AND version = ?').pluck();
  const oneVersion = db.prepare('SELECT version, manifest, published_at, deprecated, file, blob_key, size, integrity, shasum FROM versions WHERE package = ? AND version = ?');
  const versionSummaries = db.prepare('SELECT version, published_at, deprecated, file, blob_key, size, integrity, shasum FROM versions WHERE package = ? ORDER BY published_at, version');
  const tagsAndRev = db.prepare('SELECT rev FROM packages WHERE name = ?').pluck();

  /** The search columns follow the latest version (one manifest read, not the package; none when it is the version just published, `inHand`). */
  function refreshSummary(name: string, inHand?: { version: string; manifest: Record<string, unknown> }, inHandIsLatest = false): void {
    const latest = inHandIsLatest && inHand ? inHand.version : (latestVersion.get(name, name) as string | null);
    // the version just published is usually the latest: its manifest need not be read back
    const text = latest === null || latest === inHand?.version ? undefined : (oneManifest.get(name, latest) as string | undefined);
    const m = latest !== null && latest === inHand?.version ? inHand.manifest : text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const list = Array.isArray(m.keywords) ? m.keywords.filter((k): k is string => typeof k === 'string') : [];
    q.setSummary.run(typeof m.description === 'string' ? m.description : null, list.join(' '), JSON.stringify(list), latest, name);
  }

  const consume = otpConsumer(db, now);
  const appendEvent = eventAppender(db, now);
  const apply = db.transaction((name: string, m: PackageMutation, expectRev: number | undefined, otp: OtpUse | null | undefined, event: SecurityEvent | undefined, stageId?: string): void => {
    const t = now();
    if (stageId !== undefined && q.takeStage.run(stageId, name, t).changes === 0) {
      throw new DomainError('NOT_FOUND', `No staged version ${stageId} waits for approval (it was approved, rejected or has expired).`);
    }
    consume(otp);
    if (event) appendEvent(event);
    const existing = q.pkg.get(name) as PackageRow | undefined;
    if (m.type === 'publish' && m.create) {
      // A name that became someone else's while this publish was being checked (a creation
      // racing in another request or process) is not taken over; nor is a scope.
      const owners = existing ? (q.ownerIds.all(name) as number[]) : [];
      // (An org's package is the org's: core/access decided who may publish it.)
      if (owners.length > 0 && !owners.includes(m.create.ownerId) && !orgOf(name)) throw new DomainError('FORBIDDEN', `You are not an owner of ${name}.`);
      const scope = m.create.claimScope;
      if (scope) {
        const scopeOwner = (q.userByName.get(scope) as { id: number } | undefined)?.id ?? (q.scope.get(scope) as { owner_id: number } | undefined)?.owner_id ?? null;
        if (scopeOwner !== null && scopeOwner !== m.create.ownerId) throw new DomainError('FORBIDDEN', `The scope @${scope} belongs to another user.`);
      }
    }
    if (m.type === 'publish' && m.create && (!existing || existing.unpublished === 1)) {
      const key = similarNameKey(name);
      const similar = existing ? undefined : (q.similar.get(key, name) as string | undefined);
      if (similar !== undefined) throw similarNameError(name, similar);
      q.insertPkg.run(name, m.create.access, m.create.mfa.publishRequiresTfa ? 1 : 0, m.create.mfa.automationOverridesTfa ? 1 : 0, t, t, key);
      if (!existing || (q.ownerCount.get(name) as { n: number }).n === 0) q.addOwner.run(name, m.create.ownerId, name);
      if (m.create.claimScope && !q.userByName.get(m.create.claimScope)) q.claimScope.run({ scope: m.create.claimScope, owner: m.create.ownerId });
      if (m.create.teamGrant) orgQ.grant.run(m.create.teamGrant.teamId, name, m.create.teamGrant.permission, t);
      // Stages of the name by accounts that are not its owners can never be approved now: they
      // must not hold version numbers of the package just created (stage-rows.ts).
      q.dropForeignStages.run(name, name);
    } else {
      if (!existing || existing.unpublished === 1) throw new DomainError('NOT_FOUND', `Package ${name} not found.`);
      if (expectRev !== undefined && existing.rev !== expectRev) {
        throw new DomainError('REV_CONFLICT', 'Document update conflict: the package changed since you read it. Try again.');
      }
      q.bump.run(t, name);
    }
    switch (m.type) {
      case 'publish': {
        const v = m.version;
        if (q.burned.get(name, v.version)) throw publishedVersionTaken(v.version);
        if (q.liveStage.get(name, v.version, t)) throw stagedVersionTaken(name, v.version);
        q.burn.run(name, v.version, v.publishedAt);
        const tb = v.tarball;
        const json = JSON.stringify(v.manifest);
        const counted = countedJsonBytes(v.manifest, json);
        q.insertVersion.run(name, v.version, json, v.publishedAt, tb.file, tb.blobKey, tb.size, tb.integrity, tb.shasum, counted);
        const total = Number(q.addManifestBytes.get(counted, name) as number | bigint);
        if (m.maxManifestBytes !== undefined && total > m.maxManifestBytes) throw manifestsTooLarge(name, total, m.maxManifestBytes);
        q.setTag.run(name, m.tag, v.version);
        // A package always has a latest tag: the first version gets it whatever --tag said.
        if (m.tag !== 'latest' && !(q.tags.all(name) as Array<{ tag: string }>).some((x) => x.tag === 'latest')) {
          q.setTag.run(name, 'latest', v.version);
        }
        if (m.access) q.setAccess.run(m.access, name);
        break;
      }
      case 'set-tag':
        if (!q.hasVersion.get(name, m.version)) throw new DomainError('NOT_FOUND', `${name} has no version ${m.version}.`);
        q.setTag.run(name, m.tag, m.version);
        break;
      case 'remove-tag':
        q.removeTag.run(name, m.tag);
        break;
      case 'deprecate':
        for (const [version, message] of Object.entries(m.messages)) {
          if (q.deprecate.run(message, name, version).changes === 0) throw new DomainError('NOT_FOUND', `${name} has no version ${version}.`);
        }
        break;
      case 'remove-versions':
        for (const version of m.versions) {
          const bytes = q.removeVersion.get(name, version) as number | undefined;
          if (bytes === undefined) throw new DomainError('NOT_FOUND', `${name} has no version ${version}.`);
          q.addManifestBytes.get(-bytes, name);
        }
        q.clearTags.run(name);
        for (const [tag, version] of Object.entries(m.distTags)) {
          if (!q.hasVersion.get(name, version)) throw new DomainError('NOT_FOUND', `${name} has no version ${version}.`);
          q.setTag.run(name, tag, version);
        }
        break;
      case 'unpublish-all':
        q.removeAllVersions.run(name);
        q.clearTags.run(name);
        q.clearStars.run(name);
        q.unpublish.run(name);
        break;
      case 'owners':
        for (const id of m.add) q.addOwner.run(name, id, name);
        for (const id of m.remove) q.removeOwner.run(name, id);
        if ((q.ownerCount.get(name) as { n: number }).n === 0) throw new DomainError('LAST_OWNER', 'A package must keep at least one owner.');
        break;
      case 'settings':
        if (m.access) q.setAccess.run(m.access, name);
        if (m.mfa) q.setMfa.run(m.mfa.publishRequiresTfa ? 1 : 0, m.mfa.automationOverridesTfa ? 1 : 0, name);
        break;
    }
    if (m.type === 'publish' || m.type === 'set-tag' || m.type === 'remove-tag' || m.type === 'remove-versions') refreshSummary(name, m.type === 'publish' ? m.version : undefined, m.type === 'publish' && m.tag === 'latest');
  });

  // Reads of several statements run in one read transaction (deferred BEGIN): one snapshot of
  // the package even while another process (the CLI, a restore) commits between them, and one
  // lock of the WAL's read mark instead of one per statement (a package loaded cold: 54 µs of
  // SQLite became 40 here).
  const loadSnapshot = db.transaction(load);
  const headSnapshot = db.transaction(head);
  const versionSnapshot = db.transaction((name: string, versionOrTag: string): { pkg: PackageHead & { distTags: Record<string, string> }; version: VersionRecord } | null => {
    const h = head(name);
    if (!h) return null;
    const distTags = distTagsOf(name);
    const row = oneVersion.get(name, Object.hasOwn(distTags, versionOrTag) ? distTags[versionOrTag] : versionOrTag) as VersionRow | undefined;
    return row ? { pkg: { ...h, distTags }, version: toVersion(row) } : null;
  });
  const overviewSnapshot = db.transaction((name: string) => {
    const h = head(name);
    if (!h) return null;
    const distTags = distTagsOf(name);
    const versions = (versionSummaries.all(name) as Array<Omit<VersionRow, 'manifest'>>).map((r) => ({
      version: r.version,
      publishedAt: r.published_at,
      deprecated: r.deprecated,
      tarball: { file: r.file, blobKey: r.blob_key, size: r.size, integrity: r.integrity, shasum: r.shasum },
    }));
    return { ...h, distTags, versions };
  });

  return {
    async get(name) {
      return loadSnapshot(name);
    },
    async head(name) {
      return headSnapshot(name);
    },
    async commit(name, mutation, options = {}) {
      apply.immediate(name, mutation, options.expectRev, options.otp, options.event, options.stageId);
      const distTags = distTagsOf(name);
      return { rev: tagsAndRev.get(name) as number, distTags };
    },
    async scopeOwner(scope) {
      const user = q.userByName.get(scope) as { id: number } | undefined;
      if (user) return user.id;
      const claim = q.scope.get(scope) as { owner_id: number } | undefined;
      return claim ? claim.owner_id : null;
    },
    async search({ text, from, size, viewerId, viewerLimits, scope, order }) {
      const terms = text.toLowerCase().split(/\s+/).filter((t) => t.length > 0 && !t.includes(':')).slice(0, 8);
      // Restricted: owners only (for an org's package: its owners and admins and the members of
      // teams granted access, core/access/permissions.ts canRead), and only when the
      // credential's limits cover the name.
      const covered = viewerLimits
        ? " AND (p.name IN (SELECT value FROM json_each(?)) OR (p.name LIKE '@%/%' AND substr(p.name, 2, instr(p.name, '/') - 2) IN (SELECT value FROM json_each(?))))"
        : '';
      const where = [
        'p.unpublished = 0',
        'p.latest_version IS NOT NULL',
        `(p.access = 'public' OR (${MAY_READ_RESTRICTED}${covered}))`,
      ];
      const params: unknown[] = [viewerId ?? -1, viewerId ?? -1];
      if (viewerLimits) params.push(JSON.stringify(viewerLimits.packages), JSON.stringify(viewerLimits.scopes.map((x) => x.replace(/^@/, ''))));
      if (scope) {
        where.push("p.name LIKE ? ESCAPE '\\'");
        params.push(`@${scope.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`);
      }
      for (const t of terms) {
        const like = `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.push("(p.name LIKE ? ESCAPE '\\' OR lower(COALESCE(p.description, '')) LIKE ? ESCAPE '\\' OR lower(COALESCE(p.keywords, '')) LIKE ? ESCAPE '\\')");
        params.push(like, like, like);
      }
      const sql = `FROM packages p WHERE ${where.join(' AND ')}`;
      const total = (db.prepare(`SELECT COUNT(*) AS n ${sql}`).get(...params) as { n: number }).n;
      const rows = db
        .prepare(`SELECT p.name, p.latest_version, p.description, p.keyword_list, p.modified_at ${sql} ORDER BY ${order === 'modified' ? 'p.modified_at DESC, p.name' : 'p.name'} LIMIT ? OFFSET ?`)
        .all(...params, size, from) as Array<{ name: string; latest_version: string; description: string | null; keyword_list: string; modified_at: string }>;
      const hits: SearchHit[] = rows.map((r) => {
        // An org's package: its possible writers, as head() reads them (two indexed reads per hit).
        const org = orgOf(r.name);
        return {
          name: r.name,
          version: r.latest_version,
          description: r.description,
          keywords: JSON.parse(r.keyword_list) as string[],
          modifiedAt: r.modified_at,
          owners: org ? orgWriters(org, r.name) : (q.owners.all(r.name) as Owner[]),
          org: org ? { requireTfa: org.require_tfa === 1 } : null,
        };
      });
      return { hits, total };
    },
    async getVersion(name, versionOrTag) {
      return versionSnapshot(name, versionOrTag);
    },
    async overview(name) {
      return overviewSnapshot(name);
    },
    async namesOwnedBy(userId) {
      return q.namesOwned.all(userId) as string[];
    },
    async names({ after, limit }) {
      return db.prepare('SELECT name FROM packages WHERE name > ? ORDER BY name LIMIT ?').pluck().all(after ?? '', limit) as string[];
    },
    async isBlobReferenced(key) {
      return q.blobUsed.get({ key }) !== undefined;
    },
    async unsignedVersions(limit) {
      return (db.prepare('SELECT package AS name, version, integrity FROM versions WHERE needs_signature = 1 LIMIT ?').all(limit) as Array<{ name: string; version: string; integrity: string }>);
    },
    async setSignatures(name, version, signatures) {
      return db.transaction(() => {
        const row = db.prepare('SELECT manifest FROM versions WHERE package = ? AND version = ? AND needs_signature = 1').get(name, version) as { manifest: string } | undefined;
        if (!row) return false;
        const manifest = JSON.parse(row.manifest) as Record<string, unknown>;
        manifest.dist = { ...(manifest.dist as Record<string, unknown>), signatures };
        // manifest_bytes stays as counted at publish (the package's running total is its sum);
        // a signature adds about 150 bytes, which the limit does not need to see.
        db.prepare('UPDATE versions SET manifest = ?, needs_signature = 0 WHERE package = ? AND version = ?').run(JSON.stringify(manifest), name, version);
        return true;
      })();
    },
    async setStar(name, userId, starred) {
      return db.transaction(() => {
        const p = q.pkg.get(name) as PackageRow | undefined;
        if (!p || p.unpublished === 1) throw new DomainError('NOT_FOUND', `Package ${name} not found.`);
        return (starred ? q.addStar.run(name, userId, now()) : q.removeStar.run(name, userId)).changes > 0;
      }).immediate();
    },
    async starredBy(userId) {
      return q.starredBy.all(userId) as string[];
    },
  };
}
