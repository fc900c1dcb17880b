// The read fast path: a GET of a cached packument or tarball answered straight from the
// node:http request, before Fastify routes it. Installs are nearly all such reads, and the
// framework's routing, hooks and reply cost about a third of each one (docs/performance.md).
//
// It answers only the plain, successful case, with the very headers the routes in
// routes/packages.ts send; anything else (a query, an unknown or hidden package, a dead or
// refused token, a closing server, any error) is handed to Fastify untouched,
// which answers it as before. The decisions are the same functions the routes call.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { canRead } from '../core/access/permissions.ts';
import { anonymous, type Principal } from '../core/access/principal.ts';
import type { Deps } from '../core/deps.ts';
import type { BlobStream } from '../core/ports.ts';
import { authenticateToken, authenticateTokenInMemory } from '../core/tokens/authenticate.ts';
import { isPlausiblePackageName } from '../core/packages/names.ts';
import type { ClientAddress } from './client-address.ts';
import { bearerFrom } from './context.ts';
import type { CachedFile, CachedPackage, Form, Lookup, PackumentCache, WithForm } from './packument-cache.ts';
import { PACKUMENT_VARY, packumentCacheControl, packumentContentType, packumentForm, proxyHeaders, tarballCacheControl } from './read-headers.ts';
import { redactUrl } from './redact.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastReadOptions {
  /** The public URL's path, ending in '/'. */
  prefix: string;
  /** The client address, as every other path resolves it (client-address.ts). */
  clientAddress: ClientAddress;
  /** One line per answered request, as the onResponse hook writes for the others. */
  log?: (fields: Record<string, unknown>) => void;
  /** True once the server is closing: Fastify then answers 503. */
  closing: () => boolean;
}

type Target = { name: string; file: string | null };

/**
 * `/name`, `/@scope/name`, `/@scope%2fname`, `/%40scope%2Fname` and the same followed by
 * `/-/file.tgz`, as the routes match them; null for anything else (queries, other percent
 * escapes, other paths).
 */
export function readTarget(url: string, prefix: string): Target | null {
  if (!url.startsWith(prefix) || url.includes('?')) return null;
  let rest = url.slice(prefix.length);
  let name: string;
  if (rest.startsWith('@') || rest.startsWith('%40')) {
    rest = rest.slice(rest.startsWith('@') ? 1 : 3);
    const m = /^([^/%]+)(?:\/|%2[fF])([^/%]+)/.exec(rest);
    if (!m) return null;
    name = `@${m[1]}/${m[2]}`;
    rest = rest.slice(m[0].length);
  } else {
    const end = rest.indexOf('/');
    name = end === -1 ? rest : rest.slice(0, end);
    if (name.includes('%')) return null;
    rest = rest.slice(name.length);
  }
  if (!isPlausiblePackageName(name)) return null;
  if (rest === '') return { name, file: null };
  const m = /^\/-\/([^/%]+)$/.exec(rest);
  return m ? { name, file: m[1] } : null;
}

function send(res: ServerResponse, req: IncomingMessage, headers: Record<string, string | number>, body: Buffer, etag: string): number {
  if (req.headers['if-none-match'] === etag) {
    delete headers['content-length'];
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  res.writeHead(200, headers);
  res.end(body);
  return 200;
}

/**
 * A large tarball from its stream, with back-pressure: memory per download stays at the
 * stream's buffer, and a reader that stops is dropped by the connection watch (connections.ts).
 */
function sendStream(res: ServerResponse, req: IncomingMessage, headers: Record<string, string | number>, body: Readable, etag: string): number {
  if (req.headers['if-none-match'] === etag) {
    body.destroy();
    delete headers['content-length'];
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  res.writeHead(200, headers);
  pipeline(body, res, (err) => {
    if (err && !res.destroyed) res.destroy();
  });
  return 200;
}

/** Wraps Fastify's request handler: fast answers for cached reads, Fastify for the rest. */
export function withFastReads(deps: Deps, cache: PackumentCache, options: FastReadOptions, fallback: Handler): Handler {
  /** The reader, or null when Fastify must answer (a dead token's reader gets an npm-notice header there). */
  async function principalOf(req: IncomingMessage): Promise<Principal | null> {
    const token = bearerFrom(req.headers.authorization);
    if (token === null) return anonymous;
    const principal = await authenticateToken(deps, token, () => options.clientAddress(req));
    return principal.kind === 'anonymous' ? null : principal;
  }

  /** As principalOf, from the caches alone: undefined when only the store can tell. */
  function principalInMemory(req: IncomingMessage): Principal | null | undefined {
    const token = bearerFrom(req.headers.authorization);
    if (token === null) return anonymous;
    const principal = authenticateTokenInMemory(deps, token, () => options.clientAddress(req));
    return principal === undefined ? undefined : principal.kind === 'anonymous' ? null : principal;
  }

  /**
   * Proxied packages for signed-in readers only (proxyReaders: users): an anonymous read is
   * answered here only for a local package already in memory; the routes decide the rest.
   */
  function proxyReaderRefused(principal: Principal, name: string): boolean {
    if (principal.kind !== 'anonymous' || deps.settings.proxy.readers !== 'users') return false;
    const known = cache.peek(name);
    return !known || known.proxy !== undefined;
  }

  function sendPackument(req: IncomingMessage, res: ServerResponse, principal: Principal, found: Lookup<WithForm<Form> | null>, form: Form): number | null {
    const { pkg, miss } = found;
    if (!pkg || !canRead(principal, pkg)) return null;
    const r = pkg[form];
    const headers: Record<string, string | number> = {
      'content-type': packumentContentType(form),
      etag: r.etag,
      vary: PACKUMENT_VARY,
      'cache-control': packumentCacheControl(pkg),
      'content-length': r.body.length,
    };
    if (pkg.proxy) Object.assign(headers, proxyHeaders(pkg, miss));
    return send(res, req, headers, r.body, r.etag);
  }

  /** The stored tarball the reader may have, or null when the route must answer. */
  function tarballOf(principal: Principal, pkg: CachedPackage | null, file: string): CachedFile | null {
    if (!pkg || !canRead(principal, pkg)) return null;
    const tarball = pkg.files.get(file);
    // A proxied tarball not stored yet (or hidden by the version policy) is the route's to answer.
    if (!tarball || !tarball.blobKey || tarball.upstream?.hidden !== undefined) return null;
    return tarball;
  }

  function sendTarball(req: IncomingMessage, res: ServerResponse, pkg: CachedPackage, tarball: CachedFile, blob: BlobStream): number {
    const etag = `"${tarball.shasum}"`;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      etag,
      'cache-control': tarballCacheControl(pkg),
      'content-length': blob.size,
    };
    if (pkg.proxy) headers['x-tessera-cache'] = 'hit';
    if (blob.bytes) return send(res, req, headers, blob.bytes, etag);
    return sendStream(res, req, headers, blob.body, etag);
  }

  /**
   * The answer from memory alone (token, memberships, packument, tarball all cached: nearly
   * every read of an install), without a promise: the status sent, null when Fastify must
   * answer, undefined when something has to be loaded (answer() then does it all).
   */
  function answerInMemory(req: IncomingMessage, res: ServerResponse, target: Target): number | null | undefined {
    const principal = principalInMemory(req);
    if (principal == null) return principal;
    if (proxyReaderRefused(principal, target.name)) return null;
    if (target.file === null) {
      const form = packumentForm(req.headers.accept);
      const found = cache.inMemory(target.name, form);
      return found && sendPackument(req, res, principal, found, form);
    }
    const found = cache.inMemory(target.name);
    if (!found) return undefined;
    const tarball = tarballOf(principal, found.pkg, target.file);
    if (!tarball) return null;
    const bytes = deps.blobs.inMemory?.(tarball.blobKey);
    return bytes && sendTarball(req, res, found.pkg!, tarball, { size: bytes.length, bytes });
  }

  async function answer(req: IncomingMessage, res: ServerResponse, target: Target): Promise<number | null> {
    const principal = await principalOf(req);
    if (!principal || proxyReaderRefused(principal, target.name)) return null;
    if (target.file === null) {
      const form = packumentForm(req.headers.accept);
      return sendPackument(req, res, principal, await cache.lookup(target.name, form), form);
    }
    const pkg = await cache.get(target.name);
    const tarball = tarballOf(principal, pkg, target.file);
    if (!tarball) return null;
    const blob = await deps.blobs.stream(tarball.blobKey);
    return blob && sendTarball(req, res, pkg!, tarball, blob);
  }

  function finish(req: IncomingMessage, res: ServerResponse, status: number | null, started: number): void {
    if (status === null) return fallback(req, res);
    options.log?.({ method: 'GET', url: redactUrl(req.url ?? ''), status, ms: Math.round(performance.now() - started), ip: options.clientAddress(req) });
  }

  /** An error (a refused address range, a failing store) is Fastify's to answer and log. */
  function failed(req: IncomingMessage, res: ServerResponse): void {
    if (res.headersSent) res.destroy();
    else fallback(req, res);
  }

  // (No closure is made per request on the way of a cached read: each costs, under tsx's
  // keepNames, a defineProperty as well.)
  return function fastReads(req, res) {
    const target = req.method === 'GET' && !options.closing() ? readTarget(req.url ?? '', options.prefix) : null;
    if (!target) return fallback(req, res);
    const started = options.log ? performance.now() : 0;
    let status: number | null | undefined;
    try {
      status = answerInMemory(req, res, target);
    } catch {
      return failed(req, res);
    }
    if (status !== undefined) return finish(req, res, status, started);
    answer(req, res, target).then(
      (s) => finish(req, res, s, started),
      () => failed(req, res),
    );
  };
}
