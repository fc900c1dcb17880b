// `npm audit` through the proxy: the names that come from an upstream are asked of that
// upstream (grouped by upstream, answers merged); local names are never sent anywhere and get
// no advisories. An upstream that is down makes the whole audit fail with 503, never a partial
// "0 vulnerabilities". The HTTP client is a port (AuditForwarder, adapters/upstream-audit.ts);
// the bodies' shapes are in audit-bodies.ts. docs/proxy.md, "npm audit".

import type { Principal } from '../access/principal.ts';
import type { Deps } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlausiblePackageName } from '../packages/names.ts';
import {
  type BulkBody,
  bulkBodyProblem,
  bulkFor,
  checkBulkAnswer,
  emptyQuickAnswer,
  mergeBulk,
  mergeQuick,
  quickAnswerProblem,
  quickBodyFor,
  quickNames,
} from './audit-bodies.ts';
import { proxyRouteOf } from './local-names.ts';
import { AUDIT_ANSWER_MAX_BYTES, AUDIT_BULK_PATH, AUDIT_QUICK_PATH, type AuditPath, upstreamLabel } from './audit-port.ts';
import { UpstreamError } from './ports.ts';
import type { Upstream } from './rules.ts';

type AuditDeps = Pick<Deps, 'store' | 'settings' | 'auditForwarder' | 'upstreamState' | 'clock'>;
type Json = Record<string, unknown>;

/** Route lookups at once (each is up to three indexed reads). */
const ROUTE_CONCURRENCY = 16;

/** Names grouped by the upstream they come from; names that may not leave (local, or no package name) are in no group. */
async function groupByUpstream(deps: AuditDeps, names: Iterable<string>): Promise<Map<string, { upstream: Upstream; names: Set<string> }>> {
  const groups = new Map<string, { upstream: Upstream; names: Set<string> }>();
  const proxy = deps.settings.proxy;
  if (proxy.rules.length === 0) return groups;
  const todo = [...new Set(names)].filter(isPlausiblePackageName);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const name = todo[next++];
      const { upstream } = await proxyRouteOf(deps, proxy, name);
      if (!upstream) continue;
      let group = groups.get(upstream.name);
      if (!group) groups.set(upstream.name, (group = { upstream, names: new Set() }));
      group.names.add(name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ROUTE_CONCURRENCY, todo.length) }, worker));
  return groups;
}

/** Anonymous callers may not have proxied names audited where only signed-in users read proxied packages. */
function mayForward(deps: AuditDeps, principal: Principal): void {
  if (deps.settings.proxy.readers === 'users' && principal.kind === 'anonymous') {
    fail('UNAUTHENTICATED', 'This registry audits proxied packages for signed-in users only: log in (npm login) and run npm audit again.');
  }
}

/** One upstream's answer, with its failures as catalogue errors (503 down, 502 bad answer) that name it. */
async function ask(deps: AuditDeps, upstream: Upstream, path: AuditPath, body: unknown): Promise<unknown> {
  const forwarder = deps.auditForwarder;
  if (!forwarder) fail('UPSTREAM_UNAVAILABLE', `This registry cannot forward audits to the upstream ${upstreamLabel(upstream)}; npm audit cannot check the packages that come from it.`);
  try {
    const answer = await forwarder.post(upstream, path, body, { maxBytes: AUDIT_ANSWER_MAX_BYTES });
    deps.upstreamState.success(upstream.name, deps.clock.now());
    return answer;
  } catch (e) {
    if (!(e instanceof UpstreamError)) throw e;
    // The web UI's Upstreams page shows it as the upstream's last error.
    deps.upstreamState.failure(upstream.name, deps.clock.now(), `npm audit: ${e.message}`);
    return badUpstream(e);
  }
}

function badUpstream(e: UpstreamError): never {
  const tail = 'npm audit cannot check the packages that come from it; try again later.';
  if (e.kind === 'bad-answer') fail('UPSTREAM_BAD_ANSWER', `${e.message} ${tail}`);
  fail('UPSTREAM_UNAVAILABLE', `${e.message} ${tail}`);
}

/**
 * `POST /-/npm/v1/security/advisories/bulk`: `body` is `{name: [version]}`; the answer is
 * `{name: [advisory]}` with the advisories of the proxied names, as their upstreams gave them
 * (local names have none). Each upstream receives only its own names. Throws BAD_REQUEST
 * (body not that shape), UNAUTHENTICATED (anonymous with `proxyReaders: users` and proxied
 * names present), UPSTREAM_UNAVAILABLE (503) or UPSTREAM_BAD_ANSWER (502).
 */
export async function auditBulk(deps: AuditDeps, principal: Principal, body: unknown): Promise<Json> {
  const problem = bulkBodyProblem(body);
  if (problem) fail('BAD_REQUEST', problem);
  const bulk = body as BulkBody;
  const groups = await groupByUpstream(deps, Object.keys(bulk));
  if (groups.size === 0) return {};
  mayForward(deps, principal);
  const answers = await Promise.all(
    [...groups.values()].map(async ({ upstream, names }) => {
      const asked = bulkFor(bulk, (n) => names.has(n));
      const checked = checkBulkAnswer(await ask(deps, upstream, AUDIT_BULK_PATH, asked), asked);
      if ('problem' in checked) return badUpstream(new UpstreamError('bad-answer', upstream.name, `The upstream ${upstreamLabel(upstream)} sent a bad audit answer (${checked.problem}).`));
      return checked.ok;
    }),
  );
  return mergeBulk(answers);
}

/**
 * `POST /-/npm/v1/security/audits/quick`: `body` is npm 6's audit body or arborist's lockfile
 * (quickBodyFor says what of it is sent); the answer is the npm 6 report of the upstream
 * (merged when several), or "no advisories" when no name is proxied. Throws as auditBulk.
 */
export async function auditQuick(deps: AuditDeps, principal: Principal, body: unknown): Promise<Json> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail('BAD_REQUEST', 'The audit body must be a JSON object (a package lock or npm 6 audit body).');
  const tree = body as Json;
  const groups = await groupByUpstream(deps, quickNames(tree));
  if (groups.size === 0) return emptyQuickAnswer(tree);
  mayForward(deps, principal);
  const answers = await Promise.all(
    [...groups.values()].map(async ({ upstream, names }) => {
      const answer = await ask(deps, upstream, AUDIT_QUICK_PATH, quickBodyFor(tree, (n) => names.has(n)));
      const problem = quickAnswerProblem(answer);
      if (problem) return badUpstream(new UpstreamError('bad-answer', upstream.name, `The upstream ${upstreamLabel(upstream)} sent a bad audit answer (${problem}).`));
      return answer as Json;
    }),
  );
  return mergeQuick(answers);
}
