// The account owner's view of their security log, newest first, paged by event id.

import { requireUser } from '../access/permissions.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';

export async function securityLog(deps: Deps, ctx: RequestContext, query: { before?: string; limit?: string }) {
  const { user } = requireUser(ctx.principal);
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) fail('BAD_REQUEST', '"limit" must be a whole number from 1 to 500.');
  const before = query.before === undefined ? undefined : Number(query.before);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) fail('BAD_REQUEST', '"before" must be an event id.');
  const events = await deps.store.events.list(user.id, { before, limit });
  return {
    objects: events.map((e) => ({ id: e.id, time: e.at, type: e.type, ip: e.ip, user_agent: e.userAgent, detail: e.detail ?? {} })),
    next: events.length === limit ? events[events.length - 1].id : null,
  };
}
