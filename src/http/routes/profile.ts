// npm profile: GET/POST /-/npm/v1/user (fields, password, the enable-2fa state machine), and
// Tessera's own account endpoints: recovery codes and the security log.

import type { FastifyInstance } from 'fastify';
import { profileOf, updateProfile } from '../../core/accounts/profile.ts';
import { securityLog } from '../../core/accounts/security-log.ts';
import { changeTwoFactor, recoveryCodesLeft, regenerateRecoveryCodes } from '../../core/accounts/two-factor.ts';
import { requireUser } from '../../core/access/permissions.ts';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { isPlainObject } from '../../core/packages/rules.ts';
import { withBasic } from '../basic-auth.ts';

export function profileRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/-/npm/v1/user', async (request, reply) => {
    await withBasic(deps, request);
    const { user } = requireUser(request.ctx.principal);
    return reply.send(profileOf(user));
  });

  app.post<{ Body: unknown }>('/-/npm/v1/user', async (request, reply) => {
    await withBasic(deps, request);
    const body = request.body;
    if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
    if (body.tfa !== undefined) {
      if (Object.keys(body).length !== 1) fail('BAD_REQUEST', '"tfa" must be sent on its own.');
      return reply.send(await changeTwoFactor(deps, request.ctx, body.tfa));
    }
    return reply.send(profileOf(await updateProfile(deps, request.ctx, body)));
  });

  app.get('/-/tessera/v1/recovery-codes', async (request, reply) =>
    reply.send(await recoveryCodesLeft(deps, request.ctx)),
  );

  app.post<{ Body: unknown }>('/-/tessera/v1/recovery-codes', async (request, reply) => {
    const codes = await regenerateRecoveryCodes(deps, request.ctx, request.body);
    return reply.send({ codes });
  });

  app.get<{ Querystring: { before?: string; limit?: string } }>('/-/tessera/v1/security-log', async (request, reply) => {
    const page = await securityLog(deps, request.ctx, request.query);
    return reply.send(page);
  });
}
