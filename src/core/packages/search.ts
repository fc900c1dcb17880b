// npm search: text over names, descriptions and keywords, respecting visibility.

import type { Deps, RequestContext } from '../deps.ts';

export interface SearchParams {
  text: string;
  from: number;
  size: number;
}

export async function searchPackages(deps: Deps, ctx: RequestContext, params: SearchParams) {
  const viewerId = ctx.principal.kind === 'user' ? ctx.principal.user.id : null;
  const { hits, total } = await deps.store.packages.search({ ...params, viewerId });
  return {
    objects: hits.map((h) => ({
      package: {
        name: h.name,
        version: h.version,
        description: h.description ?? '',
        keywords: h.keywords,
        date: h.modifiedAt,
        maintainers: h.owners.map((o) => ({ username: o.name, email: o.email })),
        publisher: h.owners[0] ? { username: h.owners[0].name, email: h.owners[0].email } : undefined,
      },
      score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
      searchScore: 1,
    })),
    total,
    time: new Date(deps.clock.now()).toUTCString(),
  };
}
