// Staged versions (npm stage, core/stage/) in SQLite. A stage and a publish of the same
// version exclude each other inside their transactions (this file and packages.ts).

import type Database from 'better-sqlite3';
import type { StagedVersion, StageStore } from '../../core/ports.ts';
import { publishedVersionTaken, stagedVersionTaken, type StageRow, toStage } from '../stage-rows.ts';
import { eventAppender } from './events.ts';
import { otpConsumer } from './otp.ts';

export function sqliteStages(db: Database.Database, now: () => string): StageStore {
  const q = {
    insert: db.prepare(`INSERT INTO staged_versions (id, package, version, tag, access, manifest, file, blob_key, size, integrity, shasum, user_id, user_name, actor_type, created_at, expires_at)
      VALUES (@id, @package, @version, @tag, @access, @manifest, @file, @blob_key, @size, @integrity, @shasum, @user_id, @user_name, @actor_type, @created_at, @expires_at)`),
    burned: db.prepare('SELECT 1 FROM burned_versions WHERE package = ? AND version = ?'),
    live: db.prepare('SELECT 1 FROM staged_versions WHERE package = ? AND version = ? AND expires_at > ?'),
    dropExpiredOne: db.prepare('DELETE FROM staged_versions WHERE package = ? AND version = ? AND expires_at <= ?'),
    get: db.prepare('SELECT * FROM staged_versions WHERE id = ? AND expires_at > ?'),
    listAll: db.prepare('SELECT * FROM staged_versions WHERE expires_at > ? ORDER BY created_at, id'),
    listOne: db.prepare('SELECT * FROM staged_versions WHERE expires_at > ? AND package = ? ORDER BY created_at, id'),
    remove: db.prepare('DELETE FROM staged_versions WHERE id = ? AND expires_at > ? RETURNING *'),
    expired: db.prepare('DELETE FROM staged_versions WHERE id IN (SELECT id FROM staged_versions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?) RETURNING *'),
  };
  const appendEvent = eventAppender(db, now);
  const consume = otpConsumer(db, now);
  const create = db.transaction((s: StagedVersion, at: string, event: Parameters<typeof appendEvent>[0] | undefined) => {
    if (q.burned.get(s.package, s.version)) throw publishedVersionTaken(s.version);
    q.dropExpiredOne.run(s.package, s.version, at);
    if (q.live.get(s.package, s.version, at)) throw stagedVersionTaken(s.package, s.version);
    q.insert.run({
      id: s.id,
      package: s.package,
      version: s.version,
      tag: s.tag,
      access: s.access,
      manifest: JSON.stringify(s.manifest),
      file: s.tarball.file,
      blob_key: s.tarball.blobKey,
      size: s.tarball.size,
      integrity: s.tarball.integrity,
      shasum: s.tarball.shasum,
      user_id: s.userId,
      user_name: s.userName,
      actor_type: s.actorType,
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    });
    if (event) appendEvent(event);
  });
  const remove = db.transaction((id: string, at: string, options: Parameters<StageStore['remove']>[2]) => {
    const row = q.remove.get(id, at) as StageRow | undefined;
    if (!row) return null;
    consume(options?.otp);
    if (options?.event) appendEvent(options.event);
    return toStage(row);
  });
  return {
    async create(stage, at, options = {}) {
      create.immediate(stage, at, options.event);
    },
    async get(id, at) {
      const row = q.get.get(id, at) as StageRow | undefined;
      return row ? toStage(row) : null;
    },
    async list(at, pkg) {
      const rows = (pkg ? q.listOne.all(at, pkg) : q.listAll.all(at)) as StageRow[];
      return rows.map(toStage);
    },
    async remove(id, at, options) {
      return remove.immediate(id, at, options);
    },
    async deleteExpired(at, limit) {
      return (q.expired.all(at, limit) as StageRow[]).map(toStage);
    },
  };
}
