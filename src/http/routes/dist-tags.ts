// npm dist-tag: GET/PUT/DELETE /-/package/PACKAGE/dist-tags[/TAG].

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { listDistTags, removeDistTag, setDistTag } from '../../core/packages/dist-tags.ts';
import { packageName } from './packages.ts';

type Params = { pkg: string; tag: string };

export function distTagRoutes(app: FastifyInstance, deps: Deps): void {
  app.get<{ Params: Params }>('/-/package/:pkg/dist-tags', async (request, reply) => {
    const tags = await listDistTags(deps, request.ctx, packageName(request.params.pkg));
    return reply.header('cache-control', 'no-cache').send(tags);
  });
  app.put<{ Params: Params; Body: unknown }>('/-/package/:pkg/dist-tags/:tag', async (request, reply) => {
    const tags = await setDistTag(deps, request.ctx, packageName(request.params.pkg), request.params.tag, request.body);
    return reply.code(201).send(tags);
  });
  // npm 11 sends a POST for `dist-tag add` in some versions; treat it the same.
  app.post<{ Params: Params; Body: unknown }>('/-/package/:pkg/dist-tags/:tag', async (request, reply) => {
    const tags = await setDistTag(deps, request.ctx, packageName(request.params.pkg), request.params.tag, request.body);
    return reply.code(201).send(tags);
  });
  app.delete<{ Params: Params }>('/-/package/:pkg/dist-tags/:tag', async (request, reply) => {
    const tags = await removeDistTag(deps, request.ctx, packageName(request.params.pkg), request.params.tag);
    return reply.send(tags);
  });
}
