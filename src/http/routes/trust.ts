// Trusted publishing (issue #16): npm trust (relationships per package) and the OIDC exchange
// npm performs before publishing from CI (npm lib/utils/oidc.js).

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { trustConfigJson } from '../../core/trust/config-body.ts';
import { exchangeIdToken } from '../../core/trust/exchange.ts';
import { addTrust, listTrust, revokeTrust } from '../../core/trust/manage.ts';
import { bearerFrom } from '../context.ts';
import { packageName } from './packages.ts';

type Params = { pkg: string };

export function trustRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: Params }>('/-/package/:pkg/trust', async (request, reply) => {
    const configs = await listTrust(deps, request.ctx, packageName(request.params.pkg));
    return reply.header('cache-control', 'no-store').send(configs.map(trustConfigJson));
  });
  app.post<{ Params: Params; Body: unknown }>('/-/package/:pkg/trust', async (request, reply) => {
    const created = await addTrust(deps, request.ctx, packageName(request.params.pkg), request.body);
    return reply.code(201).send(created);
  });
  app.delete<{ Params: Params & { id: string } }>('/-/package/:pkg/trust/:id', async (request, reply) => {
    await revokeTrust(deps, request.ctx, packageName(request.params.pkg), request.params.id);
    return reply.code(204).send();
  });

  // The identity token is the bearer: context.ts found no Tessera token in it (the principal
  // is anonymous), so it is read here, verified, and never logged.
  app.post<{ Params: Params }>('/-/npm/v1/oidc/token/exchange/package/:pkg', async (request, reply) => {
    const name = packageName(request.params.pkg);
    try {
      const result = await exchangeIdToken(deps, request.ctx, name, bearerFrom(request.headers.authorization));
      request.log.info({ package: name, workflow: result.workflow, relationship: result.configId, actingAs: result.user, expires: result.expiresAt }, 'trusted publishing: token issued');
      return reply.header('cache-control', 'no-store').send({ token: result.token, expires: result.expiresAt });
    } catch (e) {
      request.log.info({ package: name, refused: (e as Error).message }, 'trusted publishing: exchange refused');
      throw e;
    }
  });
}
