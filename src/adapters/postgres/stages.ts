// Staged versions (npm stage, core/stage/) in PostgreSQL. A stage and a publish of the same
// version serialise on the package's name lock (pool.ts lockName, as packages.ts commit takes).

import type pg from 'pg';
import type { StagedVersion, StageStore } from '../../core/ports.ts';
import { publishedVersionTaken, stagedVersionTaken, type StageRow, toStage } from '../stage-rows.ts';
import { appendEvent } from './events.ts';
import { consumeOtp } from './otp.ts';
import { lockName, transaction } from './pool.ts';

export function postgresStages(pool: pg.Pool, now: () => string): StageStore {
  return {
    async create(s: StagedVersion, at, options = {}) {
      await transaction(pool, async (c) => {
        await lockName(c, 'package', s.package);
        if ((await c.query('SELECT 1 FROM burned_versions WHERE package = $1 AND version = $2', [s.package, s.version])).rowCount) throw publishedVersionTaken(s.version);
        await c.query('DELETE FROM staged_versions WHERE package = $1 AND version = $2 AND expires_at <= $3', [s.package, s.version, at]);
        if ((await c.query('SELECT 1 FROM staged_versions WHERE package = $1 AND version = $2', [s.package, s.version])).rowCount) {
          throw stagedVersionTaken(s.package, s.version);
        }
        await c.query(
          `INSERT INTO staged_versions (id, package, version, tag, access, manifest, file, blob_key, size, integrity, shasum, user_id, user_name, actor_type, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
          [
            s.id,
            s.package,
            s.version,
            s.tag,
            s.access,
            JSON.stringify(s.manifest),
            s.tarball.file,
            s.tarball.blobKey,
            s.tarball.size,
            s.tarball.integrity,
            s.tarball.shasum,
            s.userId,
            s.userName,
            s.actorType,
            s.createdAt,
            s.expiresAt,
          ],
        );
        if (options.event) await appendEvent(c, options.event, now());
      });
    },
    async get(id, at) {
      const { rows } = await pool.query<StageRow>('SELECT * FROM staged_versions WHERE id = $1 AND expires_at > $2', [id, at]);
      return rows[0] ? toStage(rows[0]) : null;
    },
    async list(at, pkg) {
      const { rows } = pkg
        ? await pool.query<StageRow>('SELECT * FROM staged_versions WHERE expires_at > $1 AND package = $2 ORDER BY created_at COLLATE "C", id COLLATE "C"', [at, pkg])
        : await pool.query<StageRow>('SELECT * FROM staged_versions WHERE expires_at > $1 ORDER BY created_at COLLATE "C", id COLLATE "C"', [at]);
      return rows.map(toStage);
    },
    async remove(id, at, options = {}) {
      return transaction(pool, async (c) => {
        const { rows } = await c.query<StageRow>('DELETE FROM staged_versions WHERE id = $1 AND expires_at > $2 RETURNING *', [id, at]);
        if (!rows[0]) return null;
        await consumeOtp(c, options.otp, now());
        if (options.event) await appendEvent(c, options.event, now());
        return toStage(rows[0]);
      });
    },
    async deleteExpired(at, limit) {
      const { rows } = await pool.query<StageRow>(
        'DELETE FROM staged_versions WHERE id IN (SELECT id FROM staged_versions WHERE expires_at <= $1 ORDER BY expires_at COLLATE "C" LIMIT $2) RETURNING *',
        [at, limit],
      );
      return rows.map(toStage);
    },
  };
}
