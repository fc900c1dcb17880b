// npm dist-tag ls / add / rm.

import { requirePackageWriter } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { loadForWrite, readOverview } from './read-package.ts';
import { requireTag } from './rules.ts';

export async function listDistTags(deps: Deps, ctx: RequestContext, name: string): Promise<Record<string, string>> {
  return (await readOverview(deps, ctx.principal, name)).distTags;
}

export async function setDistTag(deps: Deps, ctx: RequestContext, name: string, tag: string, version: unknown): Promise<Record<string, string>> {
  const pkg = await loadForWrite(deps, ctx.principal, name);
  requirePackageWriter(ctx.principal, pkg);
  requireTag(tag);
  if (typeof version !== 'string') fail('BAD_REQUEST', 'The body must be the version as a JSON string, e.g. "1.2.0".');
  if (!pkg.versions.some((v) => v.version === version)) fail('NOT_FOUND', `${name} has no version ${version}.`);
  const otp = await requireSecondFactor(deps, ctx, 'package-content', { packageMfa: pkg.mfa });
  const after = await deps.store.packages.commit(name, { type: 'set-tag', tag, version }, { otp });
  deps.packageChanged(name);
  return after.distTags;
}

export async function removeDistTag(deps: Deps, ctx: RequestContext, name: string, tag: string): Promise<Record<string, string>> {
  const pkg = await loadForWrite(deps, ctx.principal, name);
  requirePackageWriter(ctx.principal, pkg);
  requireTag(tag);
  if (tag === 'latest') fail('BAD_REQUEST', 'The "latest" dist-tag cannot be removed; point it at another version instead.');
  if (!Object.hasOwn(pkg.distTags, tag)) fail('NOT_FOUND', `${name} has no dist-tag "${tag}".`);
  const otp = await requireSecondFactor(deps, ctx, 'package-content', { packageMfa: pkg.mfa });
  const after = await deps.store.packages.commit(name, { type: 'remove-tag', tag }, { otp });
  deps.packageChanged(name);
  return after.distTags;
}
