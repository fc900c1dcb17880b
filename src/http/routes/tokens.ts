// npm token list / create / revoke: /-/npm/v1/tokens.

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { createToken, listTokens, revokeToken } from '../../core/tokens/manage-tokens.ts';
import { withBasic } from '../basic-auth.ts';

function intQuery(raw: string | undefined, name: string, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < min || Number(raw) > max) fail('BAD_REQUEST', `"${name}" must be a whole number from ${min} to ${max}.`);
  return Number(raw);
}

export function tokenRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Querystring: { page?: string; perPage?: string } }>('/-/npm/v1/tokens', async (request, reply) => {
    const page = intQuery(request.query.page, 'page', 0, 0, 100_000);
    const perPage = intQuery(request.query.perPage, 'perPage', 10, 1, 9999);
    const result = await listTokens(deps, request.ctx, page, perPage, (key) => deps.usage.lastUsed(key));
    const base = `${deps.settings.publicUrl}-/npm/v1/tokens`;
    return reply.send({
      objects: result.objects,
      total: result.total,
      urls: {
        ...(result.hasNext ? { next: `${base}?page=${page + 1}&perPage=${perPage}` } : {}),
        ...(page > 0 ? { prev: `${base}?page=${page - 1}&perPage=${perPage}` } : {}),
      },
    });
  });

  app.post<{ Body: unknown }>('/-/npm/v1/tokens', async (request, reply) => {
    await withBasic(deps, request);
    const created = await createToken(deps, request.ctx, request.body);
    return reply.code(201).send(created);
  });

  app.delete<{ Params: { id: string } }>('/-/npm/v1/tokens/token/:id', async (request, reply) => {
    await revokeToken(deps, request.ctx, request.params.id);
    return reply.code(204).send();
  });
}
