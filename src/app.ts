// buildApp: the composition of the HTTP edge. It never listens, so tests run it in process
// with app.inject(); src/cli/serve.ts listens.

import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Deps } from './core/deps.ts';
import { clientAddressResolver } from './http/client-address.ts';
import { guardConnections, type ConnectionLimits } from './http/connections.ts';
import { registerContext } from './http/context.ts';
import { withFastReads } from './http/fast-reads.ts';
import { PackumentCache } from './http/packument-cache.ts';
import { redactUrl } from './http/redact.ts';
import { type BodyLimits, registerBodyRules } from './http/request-bodies.ts';
import { errorBody, replyError } from './http/reply-error.ts';
import { accessRoutes } from './http/routes/access.ts';
import { trustRoutes } from './http/routes/trust.ts';
import { packageAccessRoutes } from './http/routes/package-access.ts';
import { distTagRoutes } from './http/routes/dist-tags.ts';
import { keyRoutes } from './http/routes/keys.ts';
import { orgRoutes } from './http/routes/orgs.ts';
import { pingAuditRoutes } from './http/routes/ping-audit.ts';
import { packageRoutes } from './http/routes/packages.ts';
import { profileRoutes } from './http/routes/profile.ts';
import { searchRoutes } from './http/routes/search.ts';
import { stageRoutes } from './http/routes/stage.ts';
import { starRoutes } from './http/routes/stars.ts';
import { tokenRoutes } from './http/routes/tokens.ts';
import { userRoutes } from './http/routes/users.ts';
import { webRoutes } from './web/routes.ts';
import { isWebPath, parseForm } from './web/form.ts';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  trustedProxies?: string[];
  /** Cached package reads answered before the router (http/fast-reads.ts); on unless false. */
  fastReads?: boolean;
  /** Deadlines and the per-client cap of every connection (http/connections.ts); none if absent. */
  connections?: ConnectionLimits;
  /** Large request bodies received at once (http/request-bodies.ts); 4 server-wide and 2 per user if absent. */
  bodies?: BodyLimits;
  /** PEM certificate (chain) and key: the server speaks https (node:https); plain http if absent. */
  tls?: { cert: Buffer; key: Buffer };
  /**
   * `Strict-Transport-Security: max-age=<seconds>` on every answer (fast path included), sent
   * when serving https or behind an https public URL (RFC 6797 §7.2: only over secure transport
   * does a browser heed it); 0 or absent: none.
   */
  hstsSeconds?: number;
}

/**
 * Scoped names arrive as /@scope%2fname, /%40scope%2Fname or /@scope/name: one spelling,
 * `@scope%2Fname` as a single path segment, lets the router treat every form alike.
 */
export function normaliseScopedPath(url: string, prefix: string): string {
  if (!url.startsWith(prefix)) return url;
  const rest = url.slice(prefix.length - 1);
  const m = /^(\/(?:-\/(?:stage\/)?package\/)?)(?:@|%40)([^/?%]+)(?:\/|%2[fF])([^?]*)(\?.*)?$/.exec(rest);
  if (!m) return url;
  return `${prefix.slice(0, -1)}${m[1]}@${m[2]}%2F${m[3]}${m[4] ?? ''}`;
}

/** Requests Node's HTTP parser refuses (overlong headers, garbage) get a JSON error too. */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, text] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify(errorBody(text, 'BAD_REQUEST'));
  socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<{ app: FastifyInstance; cache: PackumentCache }> {
  const realm = deps.settings.registryName.replace(/"/g, '');
  const prefix = new URL(deps.settings.publicUrl).pathname;
  const trustProxy = options.trustedProxies !== undefined && options.trustedProxies.length > 0;
  // The proxy's warnings (stale answers, upstream failures) go to the server log.
  const cache = new PackumentCache(deps, undefined, (level, message, fields) => app.log[level](fields, message));
  // One resolver of client addresses for every path (fast path, routes, logs, CIDR checks).
  const clientAddress = clientAddressResolver(options.trustedProxies ?? []);
  let closing = false;
  const app: FastifyInstance = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    trustProxy: trustProxy ? options.trustedProxies : false,
    rewriteUrl: (req) => normaliseScopedPath(req.url ?? '/', prefix),
    // Fastify's own request lines would log raw URLs; ours (below) redact them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500 },
    clientErrorHandler: answerClientError,
    // The server Fastify would make (same timeouts), with the read fast path in front.
    serverFactory: (handler, factoryOptions) => {
      const opts = factoryOptions as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number; maxRequestsPerSocket?: number };
      const fast =
        options.fastReads === false
          ? handler
          : withFastReads(deps, cache, { prefix, clientAddress, closing: () => closing, log: options.logger ? (fields) => app.log.info(fields, 'request') : undefined }, handler);
      // One server constructor for both schemes: https takes the certificate in its options.
      const createServer = (opts: { connectionsCheckingInterval?: number }, listener: RequestListener): HttpServer =>
        options.tls ? (createHttpsServer({ ...opts, cert: options.tls.cert, key: options.tls.key }, listener) as unknown as HttpServer) : createHttpServer(opts, listener);
      const hsts = options.hstsSeconds && (options.tls || deps.settings.publicUrl.startsWith('https:')) ? `max-age=${options.hstsSeconds}` : null;
      const fastOrSlow = fast;
      const withHsts: RequestListener = hsts
        ? (req, res) => {
            res.setHeader('strict-transport-security', hsts);
            fastOrSlow(req, res);
          }
        : fastOrSlow;
      const limits = options.connections;
      if (!limits) {
        const server = createServer({}, withHsts);
        server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
        server.requestTimeout = opts.requestTimeout ?? 0;
        server.setTimeout(opts.connectionTimeout ?? 0);
        if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
        return server;
      }
      // Request bodies are watched by the connection guard (two header lookups per request).
      let receiving: (req: IncomingMessage) => void = () => {};
      const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
        if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) receiving(req);
        withHsts(req, res);
      });
      receiving = guardConnections(server, limits, options.trustedProxies ?? []);
      if (opts.maxRequestsPerSocket) server.maxRequestsPerSocket = opts.maxRequestsPerSocket;
      return server;
    },
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  // Any body is parsed as JSON, whatever its content type says (npm is not always precise);
  // only the web UI's HTML forms (under /-/web/) are parsed as forms.
  app.removeAllContentTypeParsers();
  const parseJson = (text: string, done: (err: Error | null, body?: unknown) => void) => {
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const e = Object.assign(new Error('The request body is not valid JSON.'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
      done(e, undefined);
    }
  };
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => parseJson(body as string, done));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) =>
    isWebPath(req.url, prefix) ? done(null, parseForm(body as string)) : parseJson(body as string, done),
  );

  // One log line per request, with secrets cut out of URLs; never headers or bodies. No hook at
  // all when logging is off (benchmarks, tests).
  if (options.logger) app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: request.ctx?.ip ?? clientAddress(request.raw) },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => replyError(error, request, reply, realm));
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody('Not found.', 'NOT_FOUND')));

  await app.register(
    async (scoped) => {
      registerContext(scoped, deps, clientAddress);
      // API answers are personal or change at once: no-store unless the route says otherwise
      // (packuments, tarballs and dist-tags set their own; the read fast path sets its own too).
      scoped.addHook('onSend', (_request, reply, payload, done) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });
      registerBodyRules(scoped, prefix, options.bodies ?? { largeAtOnce: 4, largePerUser: 2 });
      pingAuditRoutes(scoped, deps);
      searchRoutes(scoped, deps);
      userRoutes(scoped, deps);
      profileRoutes(scoped, deps);
      tokenRoutes(scoped, deps);
      distTagRoutes(scoped, deps);
      accessRoutes(scoped, deps);
      trustRoutes(scoped, deps);
      packageAccessRoutes(scoped, deps);
      starRoutes(scoped, deps);
      stageRoutes(scoped, deps);
      keyRoutes(scoped, deps);
      orgRoutes(scoped, deps);
      webRoutes(scoped, deps);
      packageRoutes(scoped, deps, cache);
    },
    { prefix: prefix === '/' ? '' : prefix.replace(/\/$/, '') },
  );
  return { app, cache };
}
