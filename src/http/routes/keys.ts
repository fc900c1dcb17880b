// Registry signing keys and attestations, in npmjs's shape:
// - GET /-/npm/v1/keys: `{keys: [{expires, keyid, keytype, scheme, key}]}`, what
//   `npm audit signatures` reads when Sigstore's TUF repository has no keys for this registry
//   (npm lib/utils/verify-signatures.js, setKeys);
// - GET /-/npm/v1/attestations/NAME@VERSION: `{attestations: [{predicateType, bundle}]}`, what
//   pacote fetches from `dist.attestations.url`'s path (pacote lib/registry.js).

import type { FastifyInstance } from 'fastify';
import { canRead } from '../../core/access/permissions.ts';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { isPlausiblePackageName } from '../../core/packages/names.ts';
import { attestationsDocument } from '../../core/packages/provenance.ts';
import type { PublicKeyEntry } from '../../core/packages/signatures.ts';
import { proxyRouteOf } from '../../core/proxy/local-names.ts';
import { proxiedAttestations, upstreamKeys } from '../../core/proxy/upstream-signatures.ts';

export function keyRoutes(app: FastifyInstance, deps: Deps): void {
  const proxyLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => app.log[level](fields, message);

  // Tessera's keys, then each upstream's (proxied packages keep their upstream signatures, and
  // npm looks every keyid up in the keys of the registry it installed from: this one).
  app.get('/-/npm/v1/keys', async (_request, reply) => {
    const keys: PublicKeyEntry[] = [...(deps.signing?.list() ?? [])];
    const seen = new Set(keys.map((k) => k.keyid));
    for (const k of await upstreamKeys(deps, proxyLog)) {
      if (!seen.has(k.keyid)) keys.push(k);
      seen.add(k.keyid);
    }
    return reply.header('cache-control', 'no-cache').send({ keys });
  });

  app.get<{ Params: { '*': string } }>('/-/npm/v1/attestations/*', async (request, reply) => {
    let spec: string;
    try {
      spec = decodeURIComponent(request.params['*']);
    } catch {
      return fail('NOT_FOUND', 'Not a NAME@VERSION.');
    }
    const at = spec.lastIndexOf('@');
    const name = at > 0 ? spec.slice(0, at) : '';
    const version = spec.slice(at + 1);
    if (!isPlausiblePackageName(name) || version === '') fail('NOT_FOUND', `"${spec.slice(0, 214)}" is not a NAME@VERSION.`);
    const one = await deps.store.packages.getVersion(name, version);
    const readable = one ? one.pkg : await deps.store.packages.head(name);
    if (!readable) {
      // A proxied name: its upstream's attestations, fetched once and kept (upstream-signatures.ts).
      const route = await proxyRouteOf(deps, deps.settings.proxy, name);
      if (route.upstream) {
        if (request.ctx.principal.kind === 'anonymous' && deps.settings.proxy.readers === 'users') {
          fail('UNAUTHENTICATED', 'Packages from the upstream registry are for signed-in users on this registry. Run `npm login`.');
        }
        const body = await proxiedAttestations(deps, route.upstream, name, version, proxyLog);
        if (!body) fail('NOT_FOUND', `${name}@${version} has no attestations.`);
        return reply.header('cache-control', 'no-cache').header('content-type', 'application/json').send(body);
      }
    }
    if (!readable || !canRead(request.ctx.principal, readable)) fail('NOT_FOUND', `Package ${name} not found.`);
    const doc = one && one.version.version === version ? attestationsDocument(one.version.manifest) : null;
    if (!doc) fail('NOT_FOUND', `${name}@${version} has no attestations.`);
    return reply.header('cache-control', 'no-cache').send(doc);
  });
}
