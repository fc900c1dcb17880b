// The SQLite schema, as numbered migrations applied in order at start and by `tessera migrate`.

import type Database from 'better-sqlite3';

export const migrations: string[] = [
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    email_verified INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    fullname TEXT, homepage TEXT, freenode TEXT, twitter TEXT, github TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE tokens (
    key TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name TEXT, description TEXT,
    readonly INTEGER NOT NULL DEFAULT 0,
    cidr TEXT NOT NULL DEFAULT '[]',
    limits TEXT,
    bypass_2fa INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX tokens_user ON tokens(user_id);
  CREATE TABLE packages (
    name TEXT PRIMARY KEY,
    rev INTEGER NOT NULL,
    access TEXT NOT NULL,
    unpublished INTEGER NOT NULL DEFAULT 0,
    publish_requires_tfa INTEGER NOT NULL DEFAULT 0,
    automation_overrides_tfa INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    description TEXT,
    keywords TEXT
  ) WITHOUT ROWID;
  CREATE TABLE versions (
    package TEXT NOT NULL REFERENCES packages(name),
    version TEXT NOT NULL,
    manifest TEXT NOT NULL,
    published_at TEXT NOT NULL,
    deprecated TEXT,
    file TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    integrity TEXT NOT NULL,
    shasum TEXT NOT NULL,
    PRIMARY KEY (package, version)
  ) WITHOUT ROWID;
  CREATE INDEX versions_blob ON versions(blob_key);
  -- Every version ever published, so an unpublished one is never reused.
  CREATE TABLE burned_versions (
    package TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (package, version)
  ) WITHOUT ROWID;
  CREATE TABLE dist_tags (
    package TEXT NOT NULL REFERENCES packages(name),
    tag TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (package, tag)
  ) WITHOUT ROWID;
  CREATE TABLE owners (
    package TEXT NOT NULL REFERENCES packages(name),
    user_id INTEGER NOT NULL REFERENCES users(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (package, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX owners_user ON owners(user_id);
  CREATE TABLE scopes (
    scope TEXT PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE users ADD COLUMN tfa_mode TEXT;
  ALTER TABLE users ADD COLUMN tfa_pending INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE users ADD COLUMN tfa_secret TEXT;
  ALTER TABLE users ADD COLUMN tfa_last_step INTEGER;
  ALTER TABLE users ADD COLUMN tfa_last_key TEXT;
  ALTER TABLE users ADD COLUMN otp_failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE users ADD COLUMN otp_last_failure_at INTEGER;
  CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
  ) WITHOUT ROWID;
  CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    detail TEXT
  );
  CREATE INDEX security_events_user ON security_events(user_id, id);
  `,
  `
  CREATE TABLE counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE login_requests (
    id_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    create_account INTEGER NOT NULL,
    approved_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE users ADD COLUMN web_otp_challenge INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE otp_challenges (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    action TEXT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    value_hash TEXT UNIQUE
  ) WITHOUT ROWID;
  `,
  // Search reads only what a hit shows, kept at write time: the latest version and its
  // keywords (a JSON array of strings; description and the space-joined keywords already
  // exist). Backfilled from the latest tag (or the last published version).
  `
  ALTER TABLE packages ADD COLUMN latest_version TEXT;
  ALTER TABLE packages ADD COLUMN keyword_list TEXT NOT NULL DEFAULT '[]';
  UPDATE packages SET latest_version = COALESCE(
    (SELECT d.version FROM dist_tags d WHERE d.package = packages.name AND d.tag = 'latest'),
    (SELECT v.version FROM versions v WHERE v.package = packages.name ORDER BY v.published_at DESC, v.version DESC LIMIT 1));
  UPDATE packages SET keyword_list = COALESCE((SELECT json_group_array(j.value) FROM versions v, json_each(v.manifest, '$.keywords') j
    WHERE v.package = packages.name AND v.version = packages.latest_version AND json_type(v.manifest, '$.keywords') = 'array' AND j.type = 'text'), '[]');
  `,
  `
  -- Names people confuse: the name without ".", "-", "_" and in lower case (the scope kept),
  -- as src/core/packages/names.ts similarNameKey computes it; new names must not share it.
  ALTER TABLE packages ADD COLUMN similar_key TEXT;
  UPDATE packages SET similar_key = CASE WHEN name LIKE '@%/%'
    THEN lower(substr(name, 1, instr(name, '/'))) || lower(replace(replace(replace(substr(name, instr(name, '/') + 1), '.', ''), '-', ''), '_', ''))
    ELSE lower(replace(replace(replace(name, '.', ''), '-', ''), '_', '')) END;
  CREATE INDEX packages_similar ON packages(similar_key);
  -- An unpublished version keeps its publication time in the packument.
  ALTER TABLE burned_versions ADD COLUMN published_at TEXT;
  UPDATE burned_versions SET published_at = (SELECT v.published_at FROM versions v WHERE v.package = burned_versions.package AND v.version = burned_versions.version);
  -- npm star: one row per user and package, apart from the package's revision.
  CREATE TABLE stars (
    package TEXT NOT NULL REFERENCES packages(name),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (package, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX stars_user ON stars(user_id);
  `,
  // Browser approvals bound to their request and credential; second-factor failures charged
  // per token (the account's own columns keep the password sign-ins' budget).
  `
  ALTER TABLE otp_challenges ADD COLUMN binding_hash TEXT;
  ALTER TABLE tokens ADD COLUMN otp_failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE tokens ADD COLUMN otp_last_failure_at INTEGER;
  `,
  `
  -- Throttling counters expire (the longest window, a day, for rows from before), so that
  -- expired ones can be pruned.
  ALTER TABLE counters ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
  UPDATE counters SET expires_at = last_at + 86400000;
  CREATE INDEX counters_expires_at ON counters (expires_at);
  `,
  `
  -- The bytes each version's manifest counts toward maxPackumentMb (its JSON, readme aside:
  -- core/packages/manifest-limits.ts), so the publish check sums integers.
  ALTER TABLE versions ADD COLUMN manifest_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE versions SET manifest_bytes = length(CAST(manifest AS BLOB))
    - CASE json_type(manifest, '$.readme') WHEN 'text' THEN length(CAST(json_quote(json_extract(manifest, '$.readme')) AS BLOB)) ELSE 0 END;
  -- The sum reads this index only, never the version rows with their manifests.
  CREATE INDEX versions_manifest_bytes ON versions(package, manifest_bytes);
  `,
  `
  -- Upstream versions an administrator blocked (tessera proxy block): left out of proxied
  -- packuments, their tarballs refused (core/proxy/versions.ts).
  CREATE TABLE proxy_blocks (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    reason TEXT NOT NULL,
    blocked_by TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
  );
  `,
  `
  -- The upstream proxy (core/proxy/ports.ts ProxyStore): packuments as fetched from an
  -- upstream (one row per name and form), tarballs fetched from upstreams (bytes in the blob
  -- store) (blocks: the table before).
  CREATE TABLE proxy_packuments (
    name TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('full', 'abbreviated')),
    upstream TEXT NOT NULL,
    body BLOB NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (name, form)
  ) WITHOUT ROWID;
  CREATE TABLE proxy_tarballs (
    name TEXT NOT NULL,
    file TEXT NOT NULL,
    version TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    integrity TEXT NOT NULL,
    size INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (name, file)
  ) WITHOUT ROWID;
  CREATE INDEX proxy_tarballs_blob ON proxy_tarballs(blob_key);
  -- npm star of a proxied package: the user's own data, kept here (a proxied name has no
  -- package row, and must not get one: that would make it local).
  CREATE TABLE proxy_stars (
    name TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (name, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX proxy_stars_user ON proxy_stars(user_id);
  `,
  `
  -- The package's total of versions.manifest_bytes, kept by every change of its versions, so a
  -- publish checks maxPackumentMb in constant time (the sum over the index grew with the
  -- package's versions: 0.7 ms at 10,000). The index served only that sum.
  ALTER TABLE packages ADD COLUMN manifest_bytes INTEGER NOT NULL DEFAULT 0;
  UPDATE packages SET manifest_bytes = COALESCE((SELECT SUM(v.manifest_bytes) FROM versions v WHERE v.package = packages.name), 0);
  DROP INDEX IF EXISTS versions_manifest_bytes;
  `,
  `
  -- Registry signatures (docs/signatures.md): versions stored before signing existed are marked;
  -- Tessera signs them once at start, in batches, with its key (core/packages/sign-stored.ts).
  ALTER TABLE versions ADD COLUMN needs_signature INTEGER NOT NULL DEFAULT 0;
  UPDATE versions SET needs_signature = 1;
  CREATE INDEX versions_needs_signature ON versions(needs_signature) WHERE needs_signature = 1;
  `,
  `
  -- Administrators and account status (docs/admin.md): an admin may manage users on the web UI;
  -- a disabled account's credentials are refused everywhere; a deleted one keeps its row, so its
  -- name (and scope) is never reused.
  ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted'));
  CREATE INDEX security_events_type ON security_events(type, id);
  `,
  `
  -- Organisations and teams (issue #18, docs/orgs.md, core/orgs/model.ts). An org owns the
  -- scope @name; org, user and claimed scope names share one namespace (checked on creation).
  CREATE TABLE orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    require_tfa INTEGER NOT NULL DEFAULT 0,
    developers_access TEXT DEFAULT 'read-write' CHECK (developers_access IN ('read-only', 'read-write')),
    created_at TEXT NOT NULL
  );
  CREATE TABLE org_members (
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'developer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX org_members_user ON org_members(user_id);
  CREATE TABLE org_invitations (
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'developer')),
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX org_invitations_user ON org_invitations(user_id);
  CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
  );
  CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX team_members_user ON team_members(user_id);
  CREATE TABLE team_packages (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    package TEXT NOT NULL REFERENCES packages(name),
    permission TEXT NOT NULL CHECK (permission IN ('read-only', 'read-write')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (team_id, package)
  ) WITHOUT ROWID;
  CREATE INDEX team_packages_package ON team_packages(package);
  CREATE TABLE org_events (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    detail TEXT
  );
  CREATE INDEX org_events_org ON org_events(org_id, id);
  `,
  `
  -- Trusted publishing (issue #16, core/trust): a package's trust relationships, and each
  -- identity token's use per package (jti + package exchanged once, whichever node).
  CREATE TABLE trust_configs (
    id TEXT PRIMARY KEY,
    package TEXT NOT NULL REFERENCES packages(name) ON DELETE CASCADE,
    type TEXT NOT NULL,
    claims TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX trust_configs_package ON trust_configs(package, created_at);
  CREATE TABLE oidc_exchanges (
    issuer TEXT NOT NULL,
    jti TEXT NOT NULL,
    package TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, jti, package)
  ) WITHOUT ROWID;
  CREATE INDEX oidc_exchanges_expiry ON oidc_exchanges(expires_at);
  `,
  `
  -- Passkeys and security keys (WebAuthn, issue #17): public keys only; a credential ID is
  -- unique across accounts. Challenges wait here until answered once (any node) or expired.
  CREATE TABLE webauthn_credentials (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    counter INTEGER NOT NULL,
    transports TEXT NOT NULL,
    multi_device INTEGER NOT NULL,
    backed_up INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);
  CREATE TABLE webauthn_challenges (
    hash TEXT PRIMARY KEY,
    user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    binding TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges(expires_at);
  `,
  `
  -- Staged versions (npm stage publish, core/stage/): one per package and version, sharing the
  -- version index with published ones (checked in the publish and stage transactions).
  CREATE TABLE staged_versions (
    id TEXT PRIMARY KEY,
    package TEXT NOT NULL,
    version TEXT NOT NULL,
    tag TEXT NOT NULL,
    access TEXT,
    manifest TEXT NOT NULL,
    file TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    integrity TEXT NOT NULL,
    shasum TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    UNIQUE (package, version)
  );
  CREATE INDEX staged_versions_expires ON staged_versions(expires_at);
  CREATE INDEX staged_versions_blob ON staged_versions(blob_key);
  `,
  `
  -- Org invitations expire (config orgInvitationDays, stored at creation); invitations made
  -- before this migration get the default lifetime, 7 days from their creation.
  ALTER TABLE org_invitations ADD COLUMN expires_at TEXT;
  UPDATE org_invitations SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+7 days');
  CREATE INDEX org_invitations_expires ON org_invitations(expires_at);
  `,
];

export function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  for (; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]);
      db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
    })();
  }
  return version;
}
