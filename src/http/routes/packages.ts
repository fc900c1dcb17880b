// The package document: GET (full and abbreviated packuments, one version), PUT (publish and
// the other document changes), DELETE (whole-package unpublish), and tarballs.

import { finished, Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canRead, isTrustedToken, requireUser } from '../../core/access/permissions.ts';
import type { Deps } from '../../core/deps.ts';
import { fail, isDomainError } from '../../core/errors.ts';
import { changePackage } from '../../core/packages/change-package.ts';
import { classifyPut, isPublishBody } from '../../core/packages/intent.ts';
import { isPlausiblePackageName } from '../../core/packages/names.ts';
import { versionDocument } from '../../core/packages/packument.ts';
import { publish } from '../../core/packages/publish.ts';
import { isStarBody, starPackage } from '../../core/packages/stars.ts';
import { formatRev, isPlainObject } from '../../core/packages/rules.ts';
import { deleteTarball, unpublishPackage } from '../../core/packages/unpublish.ts';
import { openUpstreamTarball, TarballFailures } from '../../core/proxy/fetch-tarball.ts';
import { proxyRouteOf } from '../../core/proxy/local-names.ts';
import type { CachedPackage, Form, PackumentCache, Rendered, WithForm } from '../packument-cache.ts';
import { PACKUMENT_VARY, packumentCacheControl, packumentContentType, packumentForm, proxyHeaders, tarballCacheControl } from '../read-headers.ts';

type PkgParams = { pkg: string };

export function packageName(raw: string): string {
  if (!isPlausiblePackageName(raw)) fail('NOT_FOUND', `"${raw.slice(0, 214)}" is not a package name.`);
  return raw;
}

function sendRendered(request: FastifyRequest, reply: FastifyReply, r: Rendered, contentType: string, cacheControl: string) {
  reply.header('content-type', contentType).header('etag', r.etag).header('vary', PACKUMENT_VARY).header('cache-control', cacheControl);
  if (request.headers['if-none-match'] === r.etag) return reply.code(304).send();
  return reply.send(r.body);
}

export function packageRoutes(app: FastifyInstance, deps: Deps, cache: PackumentCache): void {
  const publishLimit = deps.settings.maxBodyBytes;

  const tarballFailures = new TarballFailures();
  /** Proxied tarballs being fetched, by name/file: concurrent requests wait for the one fill (true: stored). */
  const fills = new Map<string, Promise<boolean>>();
  const proxyLog = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => app.log[level](fields, message);

  /**
   * proxyReaders: users: an anonymous read of a name that comes (or would come) from an
   * upstream gets 401, as a private registry answers, before anything is asked upstream.
   */
  async function requireProxyReader(request: FastifyRequest, name: string): Promise<void> {
    // A trusted-publishing token reads what anyone may (access/permissions.ts): no more.
    if ((request.ctx.principal.kind !== 'anonymous' && !isTrustedToken(request.ctx.principal)) || deps.settings.proxy.readers !== 'users') return;
    const known = cache.peek(name);
    if (known && !known.proxy) return;
    if (known?.proxy || (await proxyRouteOf(deps, deps.settings.proxy, name)).upstream) {
      fail('UNAUTHENTICATED', 'Packages from the upstream registry are for signed-in users on this registry. Run `npm login`.');
    }
  }

  async function visible(request: FastifyRequest, reply: FastifyReply, name: string): Promise<CachedPackage>;
  async function visible<F extends Form>(request: FastifyRequest, reply: FastifyReply, name: string, form: F): Promise<WithForm<F>>;
  async function visible(request: FastifyRequest, reply: FastifyReply, name: string, form?: Form): Promise<CachedPackage> {
    await requireProxyReader(request, name);
    const { pkg, miss } = form ? await cache.lookup(name, form) : await cache.lookup(name);
    if (!pkg || !canRead(request.ctx.principal, pkg)) fail('NOT_FOUND', `Package ${name} not found.`);
    for (const [k, v] of Object.entries(proxyHeaders(pkg, miss))) reply.header(k, v);
    return pkg;
  }

  app.get<{ Params: PkgParams; Querystring: { write?: string } }>('/:pkg', async (request, reply) => {
    const name = packageName(request.params.pkg);
    const write = request.query.write === 'true';
    const form = packumentForm(write ? undefined : request.headers.accept);
    const pkg = await visible(request, reply, name, form);
    if (write) return reply.header('content-type', 'application/json').send(pkg.full.body);
    return sendRendered(request, reply, pkg[form], packumentContentType(form), packumentCacheControl(pkg));
  });

  // One version (rarely asked: npm installs use the packument): that one version row from the
  // store, never the package's other manifests; an unknown version reads the head only.
  app.get<{ Params: PkgParams & { version: string } }>('/:pkg/:version', async (request, reply) => {
    const name = packageName(request.params.pkg);
    const spec = request.params.version;
    const one = await deps.store.packages.getVersion(name, spec);
    const readable = one ? one.pkg : await deps.store.packages.head(name);
    if (!readable || !canRead(request.ctx.principal, readable)) fail('NOT_FOUND', `Package ${name} not found.`);
    const doc = one && versionDocument({ ...one.pkg, versions: [one.version], removedVersions: [], stars: [] }, spec, deps.settings.publicUrl);
    if (!doc) fail('NOT_FOUND', `${name} has no version or tag "${spec}".`);
    return reply.header('cache-control', 'no-cache').send(doc);
  });

  /**
   * A stored upstream tarball served without its packument, when the upstream fails and no copy
   * of the packument is kept (e.g. only the other form was fetched): not when it is blocked.
   */
  async function storedTarball(name: string, file: string, reply: FastifyReply): Promise<FastifyReply | null> {
    const stored = await deps.store.proxy.getTarball(name, file);
    if (!stored || (await deps.store.proxy.blocks(name)).some((b) => b.version === stored.version)) return null;
    const blob = await deps.blobs.stream(stored.blobKey);
    if (!blob) return null;
    reply.header('content-type', 'application/octet-stream').header('etag', `"${stored.integrity}"`).header('x-tessera-cache', 'hit');
    reply.header('cache-control', tarballCacheControl({ access: 'public' })).header('content-length', blob.size);
    return reply.send(blob.bytes ?? blob.body);
  }

  app.get<{ Params: PkgParams & { file: string } }>('/:pkg/-/:file', async (request, reply) => {
    const name = packageName(request.params.pkg);
    const file = request.params.file.includes('/') ? request.params.file.slice(request.params.file.lastIndexOf('/') + 1) : request.params.file;
    let pkg: CachedPackage;
    try {
      pkg = await visible(request, reply, name);
    } catch (e) {
      if (!isDomainError(e) || (e.code !== 'UPSTREAM_FAILED' && e.code !== 'UPSTREAM_TIMEOUT')) throw e;
      if (request.method === 'GET' && (await storedTarball(name, file, reply))) return reply;
      throw e;
    }
    const tarball = pkg.files.get(file);
    if (!tarball) fail('NOT_FOUND', `${name} has no tarball ${file}.`);
    const etag = `"${tarball.shasum}"`;
    const from = tarball.upstream;
    let blob = null;
    if (from && pkg.proxy) {
      // A proxied tarball: stored once fetched (and then served like a local one), else
      // fetched from the upstream, checked and stored while it streams (core/proxy/fetch-tarball.ts).
      if (from.hidden !== undefined) fail('NOT_FOUND', `${name}@${from.version} is not served by this registry: ${from.hidden}`);
      const fillKey = `${name}/${file}`;
      // One fill per tarball: the first GET that finds it unstored registers its fill before any
      // await, so that concurrent requests (50 clients of one cold install) wait for that one
      // upstream fetch rather than asking again.
      let settle: ((stored: boolean) => void) | null = null;
      if (request.method === 'GET' && !tarball.blobKey) {
        const filling = fills.get(fillKey);
        if (filling) await filling;
        else {
          const fill = new Promise<boolean>((resolve) => {
            settle = (stored) => {
              if (fills.get(fillKey) === fill) fills.delete(fillKey);
              resolve(stored);
            };
          });
          fills.set(fillKey, fill);
        }
      }
      const done = (stored: boolean) => (settle as ((stored: boolean) => void) | null)?.(stored);
      try {
        if (!tarball.blobKey) tarball.blobKey = (await deps.store.proxy.getTarball(name, file))?.blobKey ?? '';
        blob = tarball.blobKey ? await deps.blobs.stream(tarball.blobKey) : null;
      } catch (e) {
        done(false);
        throw e;
      }
      reply.header('x-tessera-cache', blob ? 'hit' : 'miss');
      if (blob) done(true);
      else {
        reply.header('content-type', 'application/octet-stream').header('etag', etag).header('cache-control', tarballCacheControl(pkg));
        // HEAD fetches nothing (the size is unknown until the upstream is asked).
        if (request.headers['if-none-match'] === etag || request.method === 'HEAD') {
          done(false);
          return request.method === 'HEAD' ? reply.send(Readable.from([])) : reply.code(304).send();
        }
        let body: Readable;
        try {
          body = await openUpstreamTarball(deps, pkg.proxy.upstream, name, file, from, tarballFailures, proxyLog, (key) => {
            tarball.blobKey = key;
          });
        } catch (e) {
          done(false);
          throw e;
        }
        finished(body, () => done(tarball.blobKey !== ''));
        return reply.send(body);
      }
    }
    blob ??= await deps.blobs.stream(tarball.blobKey);
    if (!blob) fail('NOT_FOUND', `The tarball ${file} is missing.`);
    reply
      .header('content-type', 'application/octet-stream')
      .header('etag', etag)
      .header('cache-control', tarballCacheControl(pkg));
    if (request.headers['if-none-match'] === etag) {
      blob.body?.destroy();
      return reply.code(304).send();
    }
    if (blob.bytes) return reply.send(blob.bytes);
    // A large tarball streams from the store with back-pressure (HEAD sends the headers only).
    reply.header('content-length', blob.size);
    if (request.method === 'HEAD') {
      blob.body.destroy();
      return reply.send(Readable.from([]));
    }
    return reply.send(blob.body);
  });

  app.put<{ Params: PkgParams; Body: unknown }>('/:pkg', { bodyLimit: publishLimit }, async (request, reply) => {
    const name = packageName(request.params.pkg);
    const body = request.body;
    if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
    if (isPublishBody(body)) {
      await publish(deps, request.ctx, name, body);
      return reply.code(201).send({ ok: true, id: name });
    }
    if (isStarBody(body)) {
      const { rev } = await starPackage(deps, request.ctx, name, body);
      return reply.send({ ok: true, id: name, rev: formatRev(name, rev) });
    }
    // Not a publish: a body meant as one (but without a tarball) gets a 400 naming that. A
    // package the caller cannot see is treated exactly as a missing one (the same 400 or 404),
    // so no body tells whether a restricted package exists.
    requireUser(request.ctx.principal);
    const stored = await deps.store.packages.head(name);
    if (!stored || stored.unpublished || !canRead(request.ctx.principal, stored)) classifyPut(body, null, false, name);
    const { rev } = await changePackage(deps, request.ctx, name, body, null);
    return reply.send({ ok: true, id: name, rev: formatRev(name, rev) });
  });

  app.put<{ Params: PkgParams & { rev: string }; Body: unknown }>('/:pkg/-rev/:rev', async (request, reply) => {
    const name = packageName(request.params.pkg);
    const body = request.body;
    if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
    const { rev } = await changePackage(deps, request.ctx, name, body, request.params.rev);
    return reply.send({ ok: true, id: name, rev: formatRev(name, rev) });
  });

  app.delete<{ Params: PkgParams & { rev: string } }>('/:pkg/-rev/:rev', async (request, reply) => {
    const name = packageName(request.params.pkg);
    await unpublishPackage(deps, request.ctx, name, request.params.rev);
    return reply.send({ ok: true, id: name });
  });

  app.delete<{ Params: PkgParams & { file: string; rev: string } }>('/:pkg/-/:file/-rev/:rev', async (request, reply) => {
    const name = packageName(request.params.pkg);
    await deleteTarball(deps, request.ctx, name, request.params.file);
    return reply.send({ ok: true });
  });
}
