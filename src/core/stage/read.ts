// npm stage list / view / download: staged versions shown only to those who may write their
// package (requirePackageWriter; for a name not yet published, the account that staged it).
// Shapes from npm lib/commands/stage/list.js, view.js, download.js and lib/utils/key-values.js
// (logStageItem prints id, packageName, version, tag, createdAt, actor (actorType), shasum and
// every other field).

import { requirePackageCreator, requirePackageWriter, requireUser } from '../access/permissions.ts';
import type { Principal, UserPrincipal } from '../access/principal.ts';
import { type Deps, isoNow } from '../deps.ts';
import { fail, isDomainError, shown } from '../errors.ts';
import { parsePackageName } from '../packages/names.ts';
import type { PackageHead, StagedVersion } from '../ports.ts';
import { expireStages } from './expire.ts';

/** npm's own check of a stage id (lib/utils/validate-uuid.js): a UUID. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stage id from a URL: 400 BAD_REQUEST when it is not a UUID. */
export function stageIdFrom(raw: string): string {
  if (!UUID.test(raw)) fail('BAD_REQUEST', `"${shown(raw, 60)}" is not a stage id (a UUID, as npm stage publish prints).`);
  return raw.toLowerCase();
}

const notStaged = (id: string) => `No staged version ${id} waits for approval (it was approved, rejected or has expired).`;

/**
 * May the principal act on this staged version (see, download, approve, reject)? Whoever may
 * write its package (requirePackageWriter, one decision for publish and stage); for a name that
 * has no package (or an unpublished one without owners) the account that staged it, with a
 * credential that may create the name. A stage the caller may not write is NOT_FOUND, as a
 * missing one (stage ids are not told apart); a read-only credential gets READ_ONLY_TOKEN.
 */
export async function requireStageWriter(deps: Deps, principal: Principal, stage: StagedVersion): Promise<{ writer: UserPrincipal; head: PackageHead | null }> {
  requireUser(principal);
  const head = await deps.store.packages.head(stage.package);
  const reserved = head && !(head.unpublished && head.owners.length === 0) ? head : null;
  try {
    if (reserved) return { writer: requirePackageWriter(principal, reserved), head };
    const user = requireUser(principal);
    if (user.user.id !== stage.userId) fail('NOT_FOUND', notStaged(stage.id));
    const scope = parsePackageName(stage.package)?.scope ?? null;
    const scopeOwner = scope === null ? null : await deps.store.packages.scopeOwner(scope);
    return { writer: requirePackageCreator(principal, stage.package, scopeOwner), head };
  } catch (e) {
    if (isDomainError(e) && (e.code === 'FORBIDDEN' || e.code === 'NOT_FOUND')) fail('NOT_FOUND', notStaged(stage.id));
    throw e;
  }
}

/** One staged version the caller may write, or NOT_FOUND. */
export async function getStaged(deps: Deps, principal: Principal, id: string): Promise<{ stage: StagedVersion; writer: UserPrincipal; head: PackageHead | null }> {
  requireUser(principal);
  await expireStages(deps);
  const stage = await deps.store.stages.get(id, isoNow(deps));
  if (!stage) fail('NOT_FOUND', notStaged(id));
  return { stage, ...(await requireStageWriter(deps, principal, stage)) };
}

/** A staged version as `npm stage view` / `list` print it (flat fields; sizes in bytes). */
export function stageItem(s: StagedVersion): Record<string, string | number | null> {
  const dist = (s.manifest.dist ?? {}) as { fileCount?: unknown; unpackedSize?: unknown };
  return {
    id: s.id,
    packageName: s.package,
    version: s.version,
    tag: s.tag,
    createdAt: s.createdAt,
    actor: s.userName,
    actorType: s.actorType,
    shasum: s.tarball.shasum,
    integrity: s.tarball.integrity,
    tarballSize: s.tarball.size,
    fileCount: typeof dist.fileCount === 'number' ? dist.fileCount : null,
    unpackedSize: typeof dist.unpackedSize === 'number' ? dist.unpackedSize : null,
    access: s.access,
    expiresAt: s.expiresAt,
  };
}

/** The staged versions the caller may write (of one package when given), oldest first. */
export async function stagedFor(deps: Deps, principal: Principal, pkg: string | null): Promise<StagedVersion[]> {
  requireUser(principal);
  await expireStages(deps);
  const all = await deps.store.stages.list(isoNow(deps), pkg);
  const mine: StagedVersion[] = [];
  for (const s of all) {
    try {
      await requireStageWriter(deps, principal, s);
      mine.push(s);
    } catch (e) {
      if (!isDomainError(e)) throw e;
    }
  }
  return mine;
}

/**
 * `npm stage list` (GET /-/stage?page=P&perPage=N[&package=NAME]): `{ items, total, page,
 * perPage }`, `page` 0-based; npm fetches pages until it has `total` items or a short page
 * (lib/commands/stage/list.js). page: a whole number from 0; perPage: 1 to 100 (default 100).
 */
export async function listStaged(deps: Deps, principal: Principal, query: { page?: unknown; perPage?: unknown; package?: unknown }): Promise<{ items: Array<Record<string, string | number | null>>; total: number; page: number; perPage: number }> {
  const page = wholeNumber(query.page, 'page', 0, 1_000_000, 0);
  const perPage = wholeNumber(query.perPage, 'perPage', 1, 100, 100);
  if (query.package !== undefined && (typeof query.package !== 'string' || query.package.length === 0 || query.package.length > 214)) {
    fail('BAD_REQUEST', `"package" must be a package name, not ${shown(query.package)}.`);
  }
  const all = await stagedFor(deps, principal, (query.package as string | undefined) ?? null);
  return { items: all.slice(page * perPage, (page + 1) * perPage).map(stageItem), total: all.length, page, perPage };
}

function wholeNumber(raw: unknown, name: string, min: number, max: number, dflt: number): number {
  if (raw === undefined) return dflt;
  const n = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) fail('BAD_REQUEST', `"${name}" must be a whole number from ${min} to ${max}, not ${shown(raw)}.`);
  return n;
}
