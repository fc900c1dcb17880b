// What the web UI shows of the proxy: each upstream with the rules that route to it and how it
// fared lately, and a proxied package as it is cached (never a fetch: a page view does not ask
// the upstream anything). docs/proxy.md, "In the web UI".

import type { Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import { versionPolicyOf } from './blocks.ts';
import { proxyRouteOf } from './local-names.ts';
import { parseUpstreamPackument } from './upstream-packument.ts';
import type { UpstreamStatus } from './upstream-state.ts';
import { visibleVersions } from './versions.ts';

export interface UpstreamOverview {
  name: string;
  /** The upstream's URL without any user name or password. */
  url: string;
  /** How Tessera authenticates to it. */
  auth: 'none' | 'bearer' | 'basic';
  timeoutSeconds: number;
  /** The rule patterns that route names to it, in rule order. */
  patterns: string[];
  /** Whether its last answer was usable (null: not asked since this node started). */
  reachable: boolean | null;
  status: UpstreamStatus;
}

export interface ProxyOverview {
  /** False when the proxy is off (`upstream: none`). */
  on: boolean;
  upstreams: UpstreamOverview[];
  /** Patterns of rules that keep names local (`upstream: none`). */
  localOnly: string[];
  freshSeconds: number;
  readers: 'anyone' | 'users';
}

/** The configured upstreams, their rules and state on this node (deps.upstreamState). */
export function proxyOverview(deps: Pick<Deps, 'settings' | 'upstreamState'>): ProxyOverview {
  const proxy = deps.settings.proxy;
  const upstreams = [...proxy.upstreams.values()].map((u) => {
    const url = new URL(u.url);
    url.username = '';
    url.password = '';
    return {
      name: u.name,
      url: url.href,
      auth: u.authorization === null ? ('none' as const) : u.authorization.startsWith('Basic ') ? ('basic' as const) : ('bearer' as const),
      timeoutSeconds: u.timeoutMs / 1000,
      patterns: proxy.rules.filter((r) => r.upstream === u.name).map((r) => r.pattern),
      reachable: deps.upstreamState.reachable(u.name),
      status: deps.upstreamState.of(u.name),
    };
  });
  return {
    on: proxy.upstreams.size > 0,
    upstreams,
    localOnly: proxy.rules.filter((r) => r.upstream === null).map((r) => r.pattern),
    freshSeconds: proxy.freshMs / 1000,
    readers: proxy.readers,
  };
}

export interface ProxiedPackageOverview {
  name: string;
  upstream: { name: string; url: string };
  /** When the cached copy was last fetched or revalidated (ms since the epoch). */
  fetchedAt: number;
  description: string | null;
  distTags: Record<string, string>;
  /** Served versions, oldest first, with their upstream publish time when known (ISO 8601). */
  versions: Array<{ version: string; publishedAt: string | null; deprecated: string | null }>;
  /** Versions held back (minimum release age, blocks) and why. */
  hidden: Array<{ version: string; reason: string }>;
}

/**
 * A proxied package as cached, for its web page; null when the name is local, not proxied, or
 * nothing of it is cached yet. `proxyReaders: users` hides it from anonymous principals
 * (UNAUTHENTICATED). Reads the stored copy only (full form when kept, else abbreviated).
 */
export async function proxiedPackageOverview(deps: Pick<Deps, 'store' | 'settings' | 'clock'>, principal: Principal, name: string): Promise<ProxiedPackageOverview | null> {
  const route = await proxyRouteOf(deps, deps.settings.proxy, name);
  if (route.upstream === null) return null;
  if (deps.settings.proxy.readers === 'users' && principal.kind === 'anonymous') fail('UNAUTHENTICATED', 'Sign in to see packages that come from an upstream registry.');
  const cached = (await deps.store.proxy.getPackument(name, 'full')) ?? (await deps.store.proxy.getPackument(name, 'abbreviated'));
  if (!cached) return null;
  let doc;
  try {
    doc = parseUpstreamPackument(cached.body, name);
  } catch {
    return null;
  }
  const { doc: visible, hidden } = visibleVersions(doc, cached.form, await versionPolicyOf(deps, name, route));
  const time = isPlainObject(visible.time) ? visible.time : {};
  const versions = Object.entries(isPlainObject(visible.versions) ? visible.versions : {}).map(([version, m]) => {
    const manifest = m as Record<string, unknown>;
    return {
      version,
      publishedAt: typeof time[version] === 'string' ? (time[version] as string) : null,
      deprecated: typeof manifest.deprecated === 'string' ? manifest.deprecated : null,
    };
  });
  const tags = isPlainObject(visible['dist-tags']) ? (visible['dist-tags'] as Record<string, string>) : {};
  const latest = tags.latest && isPlainObject(visible.versions) ? (visible.versions[tags.latest] as Record<string, unknown> | undefined) : undefined;
  const description = typeof visible.description === 'string' ? visible.description : typeof latest?.description === 'string' ? latest.description : null;
  const url = new URL(route.upstream.url);
  url.username = '';
  url.password = '';
  return {
    name,
    upstream: { name: route.upstream.name, url: url.href },
    fetchedAt: cached.fetchedAt,
    description,
    distTags: tags,
    versions,
    hidden: [...hidden].map(([version, reason]) => ({ version, reason })),
  };
}
