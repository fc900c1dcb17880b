// Administrators' blocks of upstream versions (`tessera proxy block NAME@VERSION`): a blocked
// version is left out of the proxied packument and its tarball answers 404 with the reason,
// even when the upstream still serves it (core/proxy/versions.ts applies them). docs/proxy.md,
// "Blocking a version".

import type { Deps } from '../deps.ts';
import { fail, shown } from '../errors.ts';
import { isPlausiblePackageName } from '../packages/names.ts';
import { isValidVersion } from '../packages/rules.ts';
import type { CachedUpstreamPackage, ProxyBlock } from './ports.ts';
import { proxyRouteOf } from './local-names.ts';
import type { Route } from './rules.ts';
import { ageSource, type VersionPolicy } from './versions.ts';

/** Longest reason kept (it is shown in 404 answers and on terminals). */
export const MAX_BLOCK_REASON = 500;

/**
 * `NAME@VERSION` (the name may be scoped: `@scope/name@1.0.0`) → its parts. Throws INVALID_NAME
 * or INVALID_VERSION (a canonical semver version, as packument keys are).
 */
export function parseNameAtVersion(spec: string): { name: string; version: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0) fail('INVALID_VERSION', `Expected NAME@VERSION, e.g. lodash@4.17.21; got ${shown(spec)}.`);
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  if (!isPlausiblePackageName(name)) fail('INVALID_NAME', `${shown(name)} is not a package name.`);
  if (!isValidVersion(version)) fail('INVALID_VERSION', `${shown(version)} is not a version (expected e.g. 1.2.3).`);
  return { name, version };
}

function reasonProblem(reason: string): string | null {
  if (reason.length > MAX_BLOCK_REASON) return `The reason may have at most ${MAX_BLOCK_REASON} characters.`;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(reason)) return 'The reason may not contain control characters (line breaks included).';
  return null;
}

/**
 * Blocks (or re-blocks with a new reason) one upstream version. A name with local versions
 * (or that ever had some) is refused with BAD_REQUEST: it never comes from an upstream, so a
 * block would do nothing (unpublish or deprecate it instead). The store announces the change
 * to running servers (Store.proxy). A name no upstream may serve (proxyRouteOf) is refused too.
 * `cached` says whether anything of the name is cached yet (a block of a name never fetched
 * still applies once it is).
 */
export async function blockVersion(deps: Pick<Deps, 'store' | 'clock' | 'settings'>, input: { spec: string; reason: string; by: string }): Promise<ProxyBlock & { cached: boolean }> {
  const { name, version } = parseNameAtVersion(input.spec);
  const problem = reasonProblem(input.reason);
  if (problem) fail('BAD_REQUEST', problem);
  if (await deps.store.packages.head(name)) {
    fail('BAD_REQUEST', `${name} is a local package: it never comes from an upstream, so there is nothing to block. Unpublish or deprecate the version instead.`);
  }
  if ((await proxyRouteOf(deps, deps.settings.proxy, name)).upstream === null) {
    fail('BAD_REQUEST', `${name} never comes from an upstream here (a proxy rule keeps it local, its scope is local, or the proxy is off): there is nothing to block.`);
  }
  const block: ProxyBlock = { name, version, reason: input.reason, by: input.by, at: deps.clock.now() };
  await deps.store.proxy.block(block);
  const cached = (await deps.store.proxy.getPackument(name, 'full')) !== null || (await deps.store.proxy.getPackument(name, 'abbreviated')) !== null;
  return { ...block, cached };
}

/** Lifts a block; false when that version was not blocked. */
export async function unblockVersion(deps: Pick<Deps, 'store'>, spec: string): Promise<boolean> {
  const { name, version } = parseNameAtVersion(spec);
  return deps.store.proxy.unblock(name, version);
}

/** The blocks of one name, or all (name null), by name then version. */
/**
 * Every name the proxy keeps a copy of, sorted, with its upstream, forms, last fetch, tarballs
 * stored (count and bytes) and blocked versions (`tessera proxy list [PREFIX]`, docs/proxy.md),
 * read a page of `pageSize` at a time; only names starting with `prefix` (plain text) when given.
 */
export async function* listCached(deps: Pick<Deps, 'store'>, prefix = '', pageSize = 500): AsyncGenerator<CachedUpstreamPackage> {
  let after = '';
  for (;;) {
    const page = await deps.store.proxy.cached({ prefix, after, limit: pageSize });
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].name;
  }
}

export async function listBlocks(deps: Pick<Deps, 'store'>, name: string | null): Promise<ProxyBlock[]> {
  if (name !== null && !isPlausiblePackageName(name)) fail('INVALID_NAME', `${shown(name)} is not a package name.`);
  return deps.store.proxy.blocks(name);
}

/**
 * The version policy of one proxied name now: its route's minimum release age (0 for exempt
 * names, routeOf) and the administrators' blocks of that name (one indexed read). What the
 * serving path passes to visibleVersions (through upstream-packument.ts proxiedView).
 */
export async function versionPolicyOf(deps: Pick<Deps, 'store' | 'clock'>, name: string, route: Pick<Route, 'minReleaseAgeMs' | 'ruleIndex'>): Promise<VersionPolicy> {
  const blocks = await deps.store.proxy.blocks(name);
  return { nowMs: deps.clock.now(), minReleaseAgeMs: route.minReleaseAgeMs, blocked: new Map(blocks.map((b) => [b.version, b.reason])), ageSource: ageSource(route) };
}
