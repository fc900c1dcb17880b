// npm access on organisation packages (issue #18): team grants and package lists, in the
// shapes of npm 11's libnpmaccess (core/orgs/package-access.ts has the use cases).

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { grantTeamAccess, orgPackages, revokeTeamAccess, teamPackages, userPackages } from '../../core/orgs/package-access.ts';

type TeamParams = { scope: string; team: string };

export function packageAccessRoutes(app: FastifyInstance, deps: Deps): void {
  app.put<{ Params: TeamParams; Body: unknown }>('/-/team/:scope/:team/package', async (request, reply) => {
    await grantTeamAccess(deps, request.ctx, request.params.scope, request.params.team, request.body);
    return reply.code(201).send({ ok: true });
  });
  app.delete<{ Params: TeamParams; Body: unknown }>('/-/team/:scope/:team/package', async (request, reply) => {
    await revokeTeamAccess(deps, request.ctx, request.params.scope, request.params.team, request.body);
    return reply.send({ ok: true });
  });
  app.get<{ Params: TeamParams }>('/-/team/:scope/:team/package', async (request, reply) => {
    return reply.send(await teamPackages(deps, request.ctx.principal, request.params.scope, request.params.team));
  });
  app.get<{ Params: { scope: string } }>('/-/org/:scope/package', async (request, reply) => {
    return reply.send(await orgPackages(deps, request.ctx.principal, request.params.scope));
  });
  app.get<{ Params: { user: string } }>('/-/user/:user/package', async (request, reply) => {
    return reply.send(await userPackages(deps, request.ctx.principal, request.params.user));
  });
}
