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
import { authenticateToken } from '../core/tokens/authenticate.ts';
import { isPlausiblePackageName } from '../core/packages/names.ts';
import type { ClientAddress } from './client-address.ts';
import { bearerFrom } from './context.ts';
import type { PackumentCache } from './packument-cache.ts';
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
  async function principalOf(req: IncomingMessage): Promise<Principal | null> {
    const token = bearerFrom(req.headers.authorization);
    if (token === null) return anonymous;
    const principal = await authenticateToken(deps, token, options.clientAddress(req));
    // A dead token's reader gets an npm-notice header: Fastify sends that answer.
    return principal.kind === 'anonymous' ? null : principal;
  }

  async function answer(req: IncomingMessage, res: ServerResponse, target: Target): Promise<number | null> {
    const principal = await principalOf(req);
    if (!principal) return null;
    // Proxied packages for signed-in readers only (proxyReaders: users): an anonymous read is
    // answered here only for a local package already in memory; the routes decide the rest.
    if (principal.kind === 'anonymous' && deps.settings.proxy.readers === 'users') {
      const known = cache.peek(target.name);
      if (!known || known.proxy) return null;
    }
    if (target.file === null) {
      const form = packumentForm(req.headers.accept);
      const { pkg, miss } = await cache.lookup(target.name, form);
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
    const pkg = await cache.get(target.name);
    if (!pkg || !canRead(principal, pkg)) return null;
    const tarball = pkg.files.get(target.file);
    // A proxied tarball not stored yet (or hidden by the version policy) is the route's to answer.
    if (!tarball || !tarball.blobKey || tarball.upstream?.hidden !== undefined) return null;
    const blob = await deps.blobs.stream(tarball.blobKey);
    if (!blob) return null;
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

  return (req, res) => {
    const target = req.method === 'GET' && !options.closing() ? readTarget(req.url ?? '', options.prefix) : null;
    if (!target) return fallback(req, res);
    const started = options.log ? performance.now() : 0;
    answer(req, res, target).then(
      (status) => {
        if (status === null) return fallback(req, res);
        options.log?.({ method: 'GET', url: redactUrl(req.url ?? ''), status, ms: Math.round(performance.now() - started), ip: options.clientAddress(req) });
      },
      // An error (a refused address range, a failing store) is Fastify's to answer and log.
      () => (res.headersSent ? res.destroy() : fallback(req, res)),
    );
  };
}
