// npm stars [USER]: GET /-/_view/starredByUser?key="USER" (npm lib/commands/stars.js). npm star
// and unstar are a PUT /PACKAGE, handled with the package document (routes/packages.ts).

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { starredByUser } from '../../core/packages/stars.ts';

export function starRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Querystring: { key?: string } }>('/-/_view/starredByUser', async (request, reply) => {
    const result = await starredByUser(deps, request.ctx.principal, request.query.key);
    return reply.send(result);
  });
}
