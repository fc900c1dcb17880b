// The proxy's settings (core/proxy/rules.ts) from the validated configuration, with the checks
// that span keys: upstream names unique, every rule naming a configured upstream, credentials
// present in the environment. A problem stops the start with the key's path and the reason.

import type { ProxyRule, ProxySettings, Upstream } from '../core/proxy/rules.ts';
import { PROXY_OFF } from '../core/proxy/rules.ts';
import { ConfigError } from './load.ts';
import type { Config } from './schema.ts';

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/**
 * Builds ProxySettings from `upstream`, `upstreams`, `proxyRules`, `proxyFreshSeconds` and
 * `proxyReaders`. `upstream: none` turns the proxy off whatever else is set. Throws
 * ConfigError naming the key (e.g. `proxyRules[1].upstream`) for a rule naming an unknown
 * upstream, a duplicate upstream name, or a credential variable that is not set.
 */
export function proxySettingsFrom(config: Pick<Config, 'upstream' | 'upstreams' | 'proxyRules' | 'proxyFreshSeconds' | 'proxyReaders'>, env: NodeJS.ProcessEnv = process.env): ProxySettings {
  if (config.upstream === 'none') return PROXY_OFF;
  const upstreams = new Map<string, Upstream>();
  const timeoutDefault = 10_000;
  if (config.upstreams.length === 0) {
    upstreams.set('default', { name: 'default', url: withSlash(config.upstream), authorization: null, timeoutMs: timeoutDefault });
  }
  config.upstreams.forEach((u, i) => {
    const at = `upstreams[${i}]`;
    if (upstreams.has(u.name)) throw new ConfigError(`Invalid configuration: ${at}.name "${u.name}" is used by another upstream.`);
    let authorization: string | null = null;
    const token = u.tokenEnv ? env[u.tokenEnv] : u.token;
    if (u.tokenEnv && !token) throw new ConfigError(`Invalid configuration: ${at}.tokenEnv names ${u.tokenEnv}, which is not set.`);
    if (token) authorization = `Bearer ${token}`;
    if (u.username || u.passwordEnv) {
      if (authorization) throw new ConfigError(`Invalid configuration: ${at} has both a token and a username: choose one.`);
      if (!u.username || !u.passwordEnv) throw new ConfigError(`Invalid configuration: ${at} needs both username and passwordEnv for Basic auth.`);
      const password = env[u.passwordEnv];
      if (!password) throw new ConfigError(`Invalid configuration: ${at}.passwordEnv names ${u.passwordEnv}, which is not set.`);
      authorization = `Basic ${Buffer.from(`${u.username}:${password}`).toString('base64')}`;
    }
    upstreams.set(u.name, { name: u.name, url: withSlash(u.url), authorization, timeoutMs: u.timeoutSeconds * 1000 });
  });
  const first = [...upstreams.keys()][0];
  const rules: ProxyRule[] =
    config.proxyRules.length === 0
      ? [{ pattern: '*', upstream: first, minReleaseAgeMs: 0, minReleaseAgeExempt: [] }]
      : config.proxyRules.map((r, i) => {
          if (r.upstream !== 'none' && !upstreams.has(r.upstream)) {
            throw new ConfigError(`Invalid configuration: proxyRules[${i}].upstream "${r.upstream}" is not an upstream (known: ${[...upstreams.keys()].join(', ')}, or none).`);
          }
          return { pattern: r.pattern, upstream: r.upstream === 'none' ? null : r.upstream, minReleaseAgeMs: r.minReleaseAgeHours * 3600_000, minReleaseAgeExempt: [...r.minReleaseAgeExempt] };
        });
  return { upstreams, rules, freshMs: config.proxyFreshSeconds * 1000, readers: config.proxyReaders };
}
