// Request bodies: who may send one, how large, and in which Content-Encoding. Runs as a
// preParsing hook, after registerContext (context.ts) has checked the Bearer token (one cached
// lookup) and before a byte of the body is read:
//
// - A body on a route that needs a credential, sent without one (no Authorization header, or a
//   Bearer token that is unknown, expired or revoked), gets 401 at once; its bytes are never
//   read or parsed. The routes that take bodies from anonymous clients are listed below
//   (couch sign-up and login, `npm login --auth-type=web`, the web UI's forms, npm audit).
// - The large body limit (`maxBodyMb`) exists only on `PUT /:pkg` (publish and other package
//   document changes), and only for a caller whose Bearer token was accepted; everyone else is
//   refused before reading. Every other route keeps Fastify's 1 MiB.
// - `Content-Encoding: gzip` / `x-gzip`, `deflate` and `br` are inflated as a stream on libuv's
//   thread pool (node:zlib streams), and the inflated size is held to the route's body limit
//   (a bomb gets 413 as soon as it passes the limit, its remaining bytes are not inflated).
//   `identity` is the same as no header; any other coding gets 415. npm sends its audit
//   bodies gzipped (npm-registry-fetch `gzip: true` in @npmcli/arborist audit-report.js).

import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireUser } from '../core/access/permissions.ts';
import { DomainError, fail } from '../core/errors.ts';

/** Route patterns (after the public URL's path) whose bodies may come without a credential. */
const ANONYMOUS_BODY_ROUTES = new Set([
  '/-/user/:id', // npm adduser / login --auth-type=legacy (couch sign-up and login)
  '/-/user/:id/-rev/:rev', // the second half of npm's 409 login dance (Basic or the password in the body)
  '/-/v1/login', // npm login --auth-type=web
  '/-/npm/v1/security/advisories/bulk', // npm audit (npm sends its token only when it has one)
  '/-/npm/v1/security/audits/quick', // npm audit, older fallback
]);

/** The one route that accepts the large publish body, for an authenticated caller only. */
const PUBLISH_ROUTE = '/:pkg';

const hasBody = (raw: IncomingMessage): boolean => {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

function tooLarge(): DomainError {
  return new DomainError('BODY_TOO_LARGE', 'The request body is larger than this registry accepts.');
}

/**
 * The inflating stream for one Content-Encoding (RFC 9110 §8.4), or null for `identity`/none.
 * Fails with UNSUPPORTED_ENCODING (415) for any other coding, and for a list of several.
 */
export function decoderFor(header: string | undefined): Transform | null {
  const coding = (header ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return null;
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip();
  if (coding === 'deflate') return createInflate();
  if (coding === 'br') return createBrotliDecompress();
  fail('UNSUPPORTED_ENCODING', `Content-Encoding "${coding.slice(0, 40)}" is not supported; send gzip, deflate, br or identity.`);
}

/**
 * `raw` inflated through `decoder`, ending in error once the inflated bytes pass `limit`
 * (BODY_TOO_LARGE, 413) or when the coded bytes are corrupt (BAD_REQUEST, 400). The result
 * carries `receivedEncodedLength`, which Fastify compares with Content-Length.
 */
export function inflated(raw: Readable, decoder: Transform, limit: number): Readable {
  let out = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      out += chunk.length;
      if (out > limit) {
        raw.unpipe(decoder);
        decoder.destroy();
        return callback(tooLarge());
      }
      callback(null, chunk);
    },
  }) as Transform & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  raw.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  decoder.on('error', () => {
    raw.unpipe(decoder);
    counted.destroy(new DomainError('BAD_REQUEST', 'The request body does not match its Content-Encoding.'));
  });
  raw.pipe(decoder).pipe(counted);
  return counted;
}

/** Registers the body rules on the scope that holds the routes (after registerContext). */
export function registerBodyRules(app: FastifyInstance, prefix: string): void {
  const base = prefix === '/' ? '' : prefix.replace(/\/$/, '');
  const anonymousOk = new Set([...ANONYMOUS_BODY_ROUTES].map((r) => base + r));
  const publishRoute = base + PUBLISH_ROUTE;
  const isWeb = (url: string) => url.startsWith(`${base}/-/web/`);

  app.addHook('preParsing', async (request: FastifyRequest, reply, payload) => {
    if (!hasBody(request.raw)) return payload;
    const route = request.routeOptions.url ?? '';
    const principal = request.ctx.principal;
    const refused =
      principal.kind !== 'user' &&
      (route === publishRoute ||
        // Basic credentials are checked by the routes that accept them (small bodies only).
        (!anonymousOk.has(route) && !isWeb(route) && !/^Basic\s/i.test(request.headers.authorization ?? '')));
    if (refused) {
      // The unread body is not worth draining to keep the connection: close it after the 401.
      reply.header('connection', 'close');
      requireUser(principal);
    }
    const decoder = decoderFor(request.headers['content-encoding']);
    if (!decoder) return payload;
    return inflated(payload, decoder, request.routeOptions.bodyLimit ?? 1024 * 1024);
  });
}
