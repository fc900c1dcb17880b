// npm search: GET /-/v1/search?text=&size=&from= (npm's lib/commands/search.js through
// libnpmsearch), answered from the search data kept per package (core/packages/search.ts).

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { searchPackages } from '../../core/packages/search.ts';

/** A whole number >= 0 from the query (`def` when absent), capped at `max`. Errors: BAD_REQUEST. */
function intParam(raw: unknown, name: string, def: number, max: number): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail('BAD_REQUEST', `"${name}" must be a whole number >= 0.`);
  return Math.min(n, max);
}

export function searchRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/-/v1/search', async (request, reply) => {
    const q = request.query;
    const text = typeof q.text === 'string' ? q.text : '';
    if (text.length > 256) fail('BAD_REQUEST', 'The search text may have at most 256 characters.');
    const result = await searchPackages(deps, request.ctx, {
      text,
      size: Math.max(1, intParam(q.size, 'size', 20, 250)),
      from: intParam(q.from, 'from', 0, 100_000),
    });
    return reply.send(result);
  });
}
