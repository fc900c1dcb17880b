// Staged versions' rows and refusals, shared by the SQLite and PostgreSQL adapters
// (sqlite/stages.ts, postgres/stages.ts).

import { DomainError } from '../core/errors.ts';
import type { Access, StagedVersion } from '../core/ports.ts';

export interface StageRow {
  id: string;
  package: string;
  version: string;
  tag: string;
  access: string | null;
  manifest: string;
  file: string;
  blob_key: string;
  size: number | string;
  integrity: string;
  shasum: string;
  user_id: number;
  user_name: string;
  actor_type: string;
  created_at: string;
  expires_at: string;
}

/** A row of staged_versions as the port's record (shared with the PostgreSQL adapter). */
export function toStage(r: StageRow): StagedVersion {
  return {
    id: r.id,
    package: r.package,
    version: r.version,
    tag: r.tag,
    access: r.access as Access | null,
    manifest: JSON.parse(r.manifest) as Record<string, unknown>,
    tarball: { file: r.file, blobKey: r.blob_key, size: Number(r.size), integrity: r.integrity, shasum: r.shasum },
    userId: r.user_id,
    userName: r.user_name,
    actorType: r.actor_type,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** The message of a version taken by a stage, for the stage and publish refusals alike. */
export const stagedVersionTaken = (name: string, version: string): DomainError =>
  new DomainError('VERSION_EXISTS', `${name}@${version} is staged and waiting for approval; reject it (npm stage reject) to use the version number again.`);

export const publishedVersionTaken = (version: string): DomainError =>
  new DomainError('VERSION_EXISTS', `You cannot publish over the previously published versions: ${version}.`);
