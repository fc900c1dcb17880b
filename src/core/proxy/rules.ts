// Which upstream registry a package name may come from, if any: the proxy's routing rules.
// Pure policy, no I/O. docs/proxy.md explains the choices; the config keys are `upstream`,
// `upstreams`, `proxyRules` (src/config/schema.ts) and src/config/proxy.ts builds these
// settings from them.

/** One upstream registry as configured (credentials already resolved from config or env). */
export interface Upstream {
  /** The name rules refer to, e.g. "npmjs". */
  name: string;
  /** Absolute http(s) URL ending in '/', e.g. "https://registry.npmjs.org/". */
  url: string;
  /** The Authorization header value to send ("Bearer ..." or "Basic ..."), or null. */
  authorization: string | null;
  /** Milliseconds to wait for the upstream's answer headers (and between body chunks). */
  timeoutMs: number;
}

/** One routing rule: names matching `pattern` come from `upstream` (null: local only). */
export interface ProxyRule {
  /** `*` (every name), `@scope/*` (every name in a scope), or an exact name. */
  pattern: string;
  upstream: string | null;
  /** Upstream versions younger than this are hidden (0: off). Milliseconds. */
  minReleaseAgeMs: number;
  /** Patterns (same syntax) that the minimum release age does not apply to. */
  minReleaseAgeExempt: readonly string[];
}

export interface ProxySettings {
  /** Every configured upstream, by name. Empty when the proxy is off. */
  upstreams: ReadonlyMap<string, Upstream>;
  /** In order; the first match wins. Empty when the proxy is off (every name local). */
  rules: readonly ProxyRule[];
  /** How long a fetched packument is served without asking the upstream again (ms). */
  freshMs: number;
  /** Who may read proxied packages: anyone (as local public ones), or signed-in users only. */
  readers: 'anyone' | 'users';
}

/** A proxy that is off: every name is local, nothing is ever asked upstream. */
export const PROXY_OFF: ProxySettings = { upstreams: new Map(), rules: [], freshMs: 120_000, readers: 'anyone' };

/** The reason a pattern is not valid, or null when it is (`*`, `@scope/*`, or a package name). */
export function patternProblem(pattern: string): string | null {
  if (pattern === '*') return null;
  if (/^@[a-z0-9][a-z0-9._~-]*\/\*$/.test(pattern)) return null;
  if (/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(pattern) && pattern.length <= 214) return null;
  return 'must be "*", "@scope/*" or a lowercase package name';
}

/** Whether `name` matches `pattern` (`*`, `@scope/*`, or exactly the name). */
export function matches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

/** What the rules say of one name. */
export interface Route {
  /** The upstream the name may come from, or null: local only (never asked upstream). */
  upstream: Upstream | null;
  /** The minimum release age that applies to this name (0: none), in ms. */
  minReleaseAgeMs: number;
  /** The index of the rule that decided, in `proxyRules` (shown in reasons); absent when none did. */
  ruleIndex?: number;
}

const LOCAL: Route = { upstream: null, minReleaseAgeMs: 0 };

/**
 * The route of a package name: the first rule whose pattern matches decides; no match (or the
 * proxy off) means local only. A rule's minimum release age does not apply to names matching
 * one of its exemptions.
 */
export function routeOf(settings: ProxySettings, name: string): Route {
  for (const [ruleIndex, rule] of settings.rules.entries()) {
    if (!matches(rule.pattern, name)) continue;
    if (rule.upstream === null) return LOCAL;
    const upstream = settings.upstreams.get(rule.upstream);
    if (!upstream) return LOCAL;
    const exempt = rule.minReleaseAgeExempt.some((p) => matches(p, name));
    return { upstream, minReleaseAgeMs: exempt ? 0 : rule.minReleaseAgeMs, ruleIndex };
  }
  return LOCAL;
}
