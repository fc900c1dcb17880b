// npm access on organisation packages (issue #18): team grants and package lists, in the
// shapes of npm 11's libnpmaccess (core/orgs/package-access.ts has the use cases).

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { grantTeamAccess, orgPackages, revokeTeamAccess, teamPackages, userPackages } from '../../core/orgs/package-access.ts';

type TeamParams = { org: string; team: string };

export function packageAccessRoutes(app: FastifyInstance, deps: Deps): void {
  app.put<{ Params: TeamParams; Body: unknown }>('/-/team/:org/:team/package', async (request, reply) => {
    await grantTeamAccess(deps, request.ctx, request.params.org, request.params.team, request.body);
    return reply.code(201).send({ ok: true });
  });
  app.delete<{ Params: TeamParams; Body: unknown }>('/-/team/:org/:team/package', async (request, reply) => {
    await revokeTeamAccess(deps, request.ctx, request.params.org, request.params.team, request.body);
    return reply.send({ ok: true });
  });
  app.get<{ Params: TeamParams }>('/-/team/:org/:team/package', async (request, reply) => {
    return reply.send(await teamPackages(deps, request.ctx.principal, request.params.org, request.params.team));
  });
  app.get<{ Params: { org: string } }>('/-/org/:org/package', async (request, reply) => {
    return reply.send(await orgPackages(deps, request.ctx.principal, request.params.org));
  });
  app.get<{ Params: { user: string } }>('/-/user/:user/package', async (request, reply) => {
    return reply.send(await userPackages(deps, request.ctx.principal, request.params.user));
  });
}
