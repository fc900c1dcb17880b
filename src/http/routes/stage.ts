// npm stage (npm 11.19, lib/commands/stage/*.js and libnpmpublish/lib/publish.js):
//   POST   /-/stage/package/:pkg   stage publish: the publish body; answers { stageId }
//   GET    /-/stage                list: ?page (0-based) &perPage &package; { items, total, page, perPage }
//   GET    /-/stage/:id            view: one item
//   GET    /-/stage/:id/tarball    download: the staged tarball
//   POST   /-/stage/:id/approve    approve (2FA and an OTP): publishes it
//   DELETE /-/stage/:id            reject (2FA and an OTP): deletes it
// The use cases are in core/stage/; authorisation of staging is core/stage/stage-publish.ts
// authorizeStage, of everything else core/stage/read.ts requireStageWriter.

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { isPlainObject } from '../../core/packages/rules.ts';
import { approveStaged, rejectStaged, stagedTarball } from '../../core/stage/decide.ts';
import { getStaged, listStaged, stageIdFrom, stageItem } from '../../core/stage/read.ts';
import { stagePublish } from '../../core/stage/stage-publish.ts';
import { packageName } from './packages.ts';

/** The route that takes a publish body (request-bodies.ts gives it the large body limit). */
export const STAGE_PUBLISH_ROUTE = '/-/stage/package/:pkg';

export function stageRoutes(app: FastifyInstance, deps: Deps): void {
  app.post<{ Params: { pkg: string }; Body: unknown }>(STAGE_PUBLISH_ROUTE, { bodyLimit: deps.settings.maxBodyBytes }, async (request, reply) => {
    const name = packageName(request.params.pkg);
    if (!isPlainObject(request.body)) fail('BAD_REQUEST', 'The body must be a JSON object: the publish document npm stage publish sends.');
    const { stageId } = await stagePublish(deps, request.ctx, name, request.body);
    return reply.code(201).send({ ok: true, id: name, stageId });
  });

  app.get<{ Querystring: Record<string, unknown> }>('/-/stage', async (request, reply) => {
    const q = request.query;
    const page = await listStaged(deps, request.ctx.principal, { page: q.page, perPage: q.perPage, package: q.package });
    return reply.header('cache-control', 'no-store').send(page);
  });

  app.get<{ Params: { id: string } }>('/-/stage/:id', async (request, reply) => {
    const { stage } = await getStaged(deps, request.ctx.principal, stageIdFrom(request.params.id));
    return reply.header('cache-control', 'no-store').send(stageItem(stage));
  });

  app.get<{ Params: { id: string } }>('/-/stage/:id/tarball', async (request, reply) => {
    const { stage, bytes } = await stagedTarball(deps, request.ctx.principal, stageIdFrom(request.params.id));
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${stage.tarball.file.replace(/[^\w.@+-]/g, '_')}"`)
      .send(bytes);
  });

  app.post<{ Params: { id: string } }>('/-/stage/:id/approve', async (request, reply) => {
    const stage = await approveStaged(deps, request.ctx, stageIdFrom(request.params.id));
    return reply.send({ ok: true, id: stage.package, version: stage.version, tag: stage.tag });
  });

  app.delete<{ Params: { id: string } }>('/-/stage/:id', async (request, reply) => {
    const stage = await rejectStaged(deps, request.ctx, stageIdFrom(request.params.id));
    return reply.send({ ok: true, id: stage.package, version: stage.version });
  });
}
