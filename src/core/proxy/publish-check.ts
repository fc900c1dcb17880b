// Dependency confusion at publish: a new name whose route has an upstream is asked there once,
// at its first publish. If the upstream has it (or, for a new scope, has packages in that
// scope) the publish is refused: the name would otherwise be local here and public there, and
// whichever registry a machine asks decides what it installs. docs/proxy.md, "Dependency
// confusion".

import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { parsePackageName } from '../packages/names.ts';
import { proxyRouteOf } from './local-names.ts';
import { UpstreamError } from './ports.ts';

/** Largest upstream answer read for the question (an existing packument may be big; it only has to arrive). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Refuses the first publish of `name` when its upstream already has the name or, for a scope
 * not yet claimed here, packages in that scope (403 NAME_EXISTS_UPSTREAM); when the upstream
 * cannot be asked (unreachable, timeout, a bad answer), 503 UPSTREAM_CHECK_FAILED with the
 * reason rather than a guess. Sends nothing when the name is local by construction
 * (proxyRouteOf: a rule with upstream none, a name with a local record, a `@user` scope of a
 * local user, a scope claimed here): so once a name has a local version it is never asked
 * again. Requests: the abbreviated packument of `name` (as npm asks,
 * UpstreamClient.packument), and for a new scope UpstreamClient.scopeHasPackages.
 */
export async function requireNameFreeUpstream(deps: Pick<Deps, 'store' | 'settings' | 'upstream'>, name: string): Promise<void> {
  const route = await proxyRouteOf(deps, deps.settings.proxy, name);
  const upstream = route.upstream;
  if (upstream === null) return;
  const scope = parsePackageName(name)?.scope ?? null;
  const localOnly = `mark it local-only with a proxy rule ({pattern: "${scope === null ? name : `@${scope}/*`}", upstream: none} in proxyRules) if it is yours`;
  try {
    const answer = await deps.upstream.packument(upstream, name, { form: 'abbreviated', maxBytes: MAX_ANSWER_BYTES });
    if (answer.kind !== 'not-found') {
      fail('NAME_EXISTS_UPSTREAM', `${name} exists on the upstream ${upstream.name}: a package of the same name here would be confused with it (dependency confusion). Choose another name, or ${localOnly}.`);
    }
    if (scope !== null && (await deps.upstream.scopeHasPackages(upstream, scope, { maxBytes: MAX_ANSWER_BYTES }))) {
      fail('NAME_EXISTS_UPSTREAM', `The scope @${scope} exists on the upstream ${upstream.name}: packages published into it here would be confused with its packages there (dependency confusion). Publish under a scope of your own, or ${localOnly}.`);
    }
  } catch (e) {
    if (e instanceof UpstreamError) {
      fail('UPSTREAM_CHECK_FAILED', `${name} is new here, and a new name is published only after the upstream ${upstream.name} says it does not have it; it cannot be asked now: ${e.message} Try again later, or ${localOnly}.`);
    }
    throw e;
  }
}
