// npm access: visibility, the package's 2FA requirement, collaborators.

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { changeSettings, collaborators, packageSettings } from '../../core/packages/settings.ts';
import { packageName } from './packages.ts';

type Params = { pkg: string };

export function accessRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: Params }>('/-/package/:pkg/visibility', async (request, reply) => {
    const s = await packageSettings(deps, request.ctx, packageName(request.params.pkg));
    return reply.send({ public: s.public });
  });
  app.get<{ Params: Params }>('/-/package/:pkg/access', async (request, reply) => {
    const s = await packageSettings(deps, request.ctx, packageName(request.params.pkg));
    return reply.send(s);
  });
  app.post<{ Params: Params; Body: unknown }>('/-/package/:pkg/access', async (request, reply) => {
    await changeSettings(deps, request.ctx, packageName(request.params.pkg), request.body);
    return reply.send({ ok: true });
  });
  app.get<{ Params: Params }>('/-/package/:pkg/collaborators', async (request, reply) => {
    return reply.send(await collaborators(deps, request.ctx, packageName(request.params.pkg)));
  });
}
