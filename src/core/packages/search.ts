// npm search: text over names, descriptions and keywords, respecting visibility.

import type { Deps, RequestContext } from '../deps.ts';
import { packageWriters } from '../orgs/writers.ts';
import type { SearchHit } from '../ports.ts';

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
    objects: hits.map((h) => searchObject(h)),
    total,
    time: new Date(deps.clock.now()).toUTCString(),
  };
}

/**
 * One hit as npm search shows it. `maintainers` and `publisher` (the first of them) name the
 * package's writers as its packument's `maintainers` does (core/orgs/writers.ts packageWriters:
 * for an org's package, without the members its 2FA requirement locks out), from what the
 * store read with the hit (no package load per hit).
 */
function searchObject(h: SearchHit) {
  const writers = packageWriters(h);
  return {
    package: {
      name: h.name,
      version: h.version,
      description: h.description ?? '',
      keywords: h.keywords,
      date: h.modifiedAt,
      maintainers: writers.map((o) => ({ username: o.name, email: o.email })),
      publisher: writers[0] ? { username: writers[0].name, email: writers[0].email } : undefined,
    },
    score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
    searchScore: 1,
  };
}
