// npm search: text over names, descriptions and keywords, respecting visibility.

import type { Deps, RequestContext } from '../deps.ts';

export interface SearchParams {
  text: string;
  from: number;
  size: number;
  /** Only this scope's packages (without '@'). */
  scope?: string | null;
  /** 'name' (npm search's order here) or 'modified' (the web UI's browse list). */
  order?: 'name' | 'modified';
}

/**
 * npm's search result shape (`GET /-/v1/search`, npm `lib/commands/search.js` through
 * libnpmsearch): `{objects: [{package, score, searchScore}], total, time}`. Finds what a
 * packument read would show the same principal (`canRead`): public packages, and restricted
 * ones only for their owners and only when the credential's package/scope limits cover them
 * (`tokenCoversPackage`). Reads only the search data the store keeps per package.
 */
export async function searchPackages(deps: Deps, ctx: RequestContext, params: SearchParams) {
  const principal = ctx.principal;
  const viewerId = principal.kind === 'user' ? principal.user.id : null;
  const limits = principal.kind === 'user' ? principal.token?.limits : undefined;
  const viewerLimits = limits && !limits.packagesAll ? { packages: limits.packages, scopes: limits.scopes } : null;
  const { hits, total } = await deps.store.packages.search({ ...params, viewerId, viewerLimits });
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
