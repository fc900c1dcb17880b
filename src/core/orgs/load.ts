// What every org use case starts with: a valid org (or team) name, the org, and the caller's
// right to take the action there (core/orgs/policy.ts).

import { requireUser } from '../access/permissions.ts';
import type { UserPrincipal } from '../access/principal.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { OrgEvent, Org, OrgRole } from './model.ts';
import { type OrgAction, requireOrgAction } from './policy.ts';

/**
 * Why a name cannot be an org's, or null. An org's name is also its scope (`@NAME`) and shares
 * the namespace of user names, so it follows the user name rules (core/accounts/names.ts).
 */
export function orgNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'An organization name is required.';
  if (name.length > 214) return 'An organization name may have at most 214 characters.';
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(name)) {
    return 'An organization name may contain only lower-case letters, digits, ".", "-" and "_", and must start and end with a letter or a digit.';
  }
  return null;
}

/** Why a name cannot be a team's, or null: like an org name, at most 50 characters. */
export function teamNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'A team name is required.';
  if (name.length > 50) return 'A team name may have at most 50 characters.';
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(name)) {
    return 'A team name may contain only lower-case letters, digits, ".", "-" and "_", and must start and end with a letter or a digit.';
  }
  return null;
}

/** The org of a path segment (an optional leading '@' is dropped), or NOT_FOUND. */
export async function loadOrg(deps: Deps, raw: string): Promise<Org> {
  const name = raw.replace(/^@/, '');
  if (orgNameProblem(name)) fail('INVALID_NAME', `"${name.slice(0, 64)}" is not a valid organization name.`);
  const org = await deps.store.orgs.get(name);
  if (!org) fail('NOT_FOUND', `Organization ${name} not found.`);
  return org;
}

export interface OrgCaller {
  org: Org;
  caller: UserPrincipal;
  role: OrgRole;
}

/** The org and a caller allowed to take `action` there (403 saying why otherwise). */
export async function orgCaller(deps: Deps, ctx: RequestContext, rawOrg: string, action: OrgAction): Promise<OrgCaller> {
  const caller = requireUser(ctx.principal);
  const org = await loadOrg(deps, rawOrg);
  const role = requireOrgAction(caller, org, await deps.store.orgs.role(org.id, caller.user.id), action);
  return { org, caller, role };
}

/** An org log line for this request. */
export function orgEvent(ctx: Pick<RequestContext, 'ip' | 'userAgent'> | null, actorId: number | null, type: string, detail?: OrgEvent['detail']): OrgEvent {
  return { actorId, type, ip: ctx?.ip ?? null, userAgent: ctx?.userAgent ?? null, ...(detail ? { detail } : {}) };
}

/** A user name from a body field (npm sends it without '@'; a leading '@' or '~' is dropped as npm does). */
export function userField(body: unknown, what = 'user'): string {
  const value = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[what] : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 214) fail('BAD_REQUEST', `"${what}" must be a user name.`);
  return value.replace(/^[~@]/, '');
}
