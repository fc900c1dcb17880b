// Dependency confusion, closed by construction: a name is local or proxied, never both.
// A name is local (never asked upstream) when a rule says so, when it has or ever had a local
// version (an unpublished package keeps its record), when it is in the `@user` scope of a
// local user or the scope of an organisation, or in a scope that is already claimed here. docs/proxy.md.

import type { Deps } from '../deps.ts';
import { parsePackageName } from '../packages/names.ts';
import { type ProxySettings, type Route, routeOf } from './rules.ts';

/**
 * The route of `name` after the local checks: `upstream` is null when the name must never be
 * asked upstream. Reads the package head, the scope's owner and the user of that name (at most
 * four indexed lookups); no network. `noRecord: true` says the caller has just found no
 * package record of the name (the packument cache's load), so the head is not read again.
 */
export async function proxyRouteOf(deps: Pick<Deps, 'store'>, proxy: ProxySettings, name: string, known: { noRecord?: boolean } = {}): Promise<Route> {
  const route = routeOf(proxy, name);
  if (route.upstream === null) return route;
  if (!known.noRecord && (await deps.store.packages.head(name))) return { upstream: null, minReleaseAgeMs: 0 };
  const scope = parsePackageName(name)?.scope ?? null;
  if (scope !== null) {
    if ((await deps.store.packages.scopeOwner(scope)) !== null) return { upstream: null, minReleaseAgeMs: 0 };
    if (await deps.store.users.findByName(scope)) return { upstream: null, minReleaseAgeMs: 0 };
    // an organisation's scope is local from its creation on (docs/orgs.md)
    if (await deps.store.orgs.get(scope)) return { upstream: null, minReleaseAgeMs: 0 };
  }
  return route;
}
