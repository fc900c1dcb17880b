// npm access: visibility (public / restricted) and the package's 2FA requirement.

import { requireGovernanceCredential, requirePackageWriter } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { Access, PackageMfa } from '../ports.ts';
import { parsePackageName } from './names.ts';
import { orgPackageCollaborators } from '../orgs/package-access.ts';
import { loadForWrite, readHead } from './read-package.ts';
import { isPlainObject } from './rules.ts';

const KNOWN = new Set(['access', 'publish_requires_tfa', 'automation_token_overrides_tfa']);

export async function packageSettings(deps: Deps, ctx: RequestContext, name: string) {
  const pkg = await readHead(deps, ctx.principal, name);
  return {
    access: pkg.access,
    public: pkg.access === 'public',
    publish_requires_tfa: pkg.mfa.publishRequiresTfa,
    automation_token_overrides_tfa: pkg.mfa.automationOverridesTfa,
  };
}

/**
 * npm access list collaborators <pkg> (libnpmaccess getCollaborators): `{user: 'write'}` for
 * each owner; for an org package everyone with access through the org, 'read' or 'write'
 * (core/orgs/package-access.ts). 404 for a package the caller cannot read.
 */
export async function collaborators(deps: Deps, ctx: RequestContext, name: string): Promise<Record<string, 'read' | 'write'>> {
  const pkg = await readHead(deps, ctx.principal, name);
  if (pkg.org) return orgPackageCollaborators(deps, { ...pkg, org: pkg.org });
  return Object.fromEntries(pkg.owners.map((o) => [o.name, 'write' as const]));
}

export async function changeSettings(deps: Deps, ctx: RequestContext, name: string, body: unknown): Promise<void> {
  const pkg = await loadForWrite(deps, ctx.principal, name);
  requireGovernanceCredential(requirePackageWriter(ctx.principal, pkg));
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) fail('BAD_REQUEST', `Unknown access setting: ${unknown.join(', ')}.`);
  let access: Access | undefined;
  if (body.access !== undefined) {
    const a = body.access === 'private' ? 'restricted' : body.access;
    if (a !== 'public' && a !== 'restricted') fail('BAD_REQUEST', '"access" must be "public" or "restricted".');
    if (a === 'restricted' && parsePackageName(name)?.scope == null) fail('BAD_REQUEST', 'Unscoped packages are always public.');
    access = a;
  }
  let mfa: PackageMfa | undefined;
  if (body.publish_requires_tfa !== undefined) {
    if (typeof body.publish_requires_tfa !== 'boolean') fail('BAD_REQUEST', '"publish_requires_tfa" must be true or false.');
    const overrides = body.automation_token_overrides_tfa ?? false;
    if (typeof overrides !== 'boolean') fail('BAD_REQUEST', '"automation_token_overrides_tfa" must be true or false.');
    mfa = { publishRequiresTfa: body.publish_requires_tfa, automationOverridesTfa: body.publish_requires_tfa && overrides };
  } else if (body.automation_token_overrides_tfa !== undefined) {
    fail('BAD_REQUEST', '"automation_token_overrides_tfa" needs "publish_requires_tfa".');
  }
  if (access === undefined && mfa === undefined) fail('BAD_REQUEST', 'The body changes no setting.');
  const otp = await requireSecondFactor(deps, ctx, 'package-governance', { packageMfa: pkg.mfa });
  await deps.store.packages.commit(name, { type: 'settings', ...(access ? { access } : {}), ...(mfa ? { mfa } : {}) }, { otp });
  deps.packageChanged(name);
}
