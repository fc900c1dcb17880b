// Request bodies: who may send one, how large, and in which Content-Encoding. Runs as a
// preParsing hook, after registerContext (context.ts) has checked the Bearer token (one cached
// lookup) and before a byte of the body is read:
//
// - A body on a route that needs a credential, sent without one (no Authorization header, or a
//   Bearer token that is unknown, expired or revoked), gets 401 at once; its bytes are never
//   read or parsed. The routes that take bodies from anonymous clients are listed below
//   (couch sign-up and login, `npm login --auth-type=web`, the web UI's forms, npm audit).
// - The large body limit (`maxBodyMb`) exists only on `PUT /:pkg` (publish and other package
//   document changes) and `POST /-/stage/package/:pkg` (npm stage publish), and only for a caller whose Bearer token was accepted; everyone else is
//   refused before reading. Every other route keeps Fastify's 1 MiB.
// - `Content-Encoding: gzip` / `x-gzip`, `deflate` and `br` are inflated as a stream on libuv's
//   thread pool (node:zlib streams), and the inflated size is held to the route's body limit
//   and to INFLATE_RATIO times the compressed bytes received so far (at least 1 MiB): a bomb
//   gets 413 as soon as it passes either, its remaining bytes are not inflated.
//   `identity` is the same as no header; any other coding gets 415. npm sends its audit
//   bodies gzipped (npm-registry-fetch `gzip: true` in @npmcli/arborist audit-report.js).
// - Large bodies (a publish body that may hold more than 1 MiB once inflated) are received and
//   parsed only `largeAtOnce` at a time server-wide and `largePerUser` at a time per account;
//   one more gets 503 SERVER_BUSY or 429 TOO_MANY_UPLOADS (with Retry-After) before its body
//   is read. Each holds its slot until its answer is sent (body text, parsed JSON and the
//   decoded tarball live that long), so the memory publishes can take is bounded.

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

/** The routes that accept the large publish body, for an authenticated caller only: publish and npm stage publish (routes/stage.ts). */
const PUBLISH_ROUTES = ['/:pkg', '/-/stage/package/:pkg'];

const hasBody = (raw: IncomingMessage): boolean => {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
};

/** The body limit of every route but the publish route, in bytes (Fastify's default). */
export const SMALL_BODY_LIMIT = 1024 * 1024;

/**
 * How many times its compressed size a body with a Content-Encoding may inflate to (beyond the
 * first SMALL_BODY_LIMIT bytes, which any body may reach). A gzip-encoded publish body is base64
 * of a gzip tarball and inflates at most ~1.4x; JSON documents compress 5-10x; a bomb 1000x.
 */
export const INFLATE_RATIO = 10;

/** Concurrent large bodies (more than SMALL_BODY_LIMIT bytes, or of unknown size): server-wide and per account. */
export interface BodyLimits {
  largeAtOnce: number;
  largePerUser: number;
}

/** Seconds a client refused for a busy server is asked to wait (Retry-After). */
const BUSY_RETRY_SECONDS = 5;

function tooLarge(): DomainError {
  return new DomainError('BODY_TOO_LARGE', 'The request body is larger than this registry accepts.');
}

function inflatesTooMuch(): DomainError {
  return new DomainError('BODY_TOO_LARGE', `The request body inflates to more than ${INFLATE_RATIO} times its compressed size; send it with less or no compression.`);
}

/**
 * Whether the body of `raw` may hold more than SMALL_BODY_LIMIT bytes once decoded: no
 * Content-Length (chunked), a larger one, or a coded one that may inflate past it.
 */
export function isLargeBody(raw: IncomingMessage): boolean {
  const header = raw.headers['content-length'];
  if (header === undefined) return true;
  const length = Number(header);
  if (!(length <= SMALL_BODY_LIMIT)) return true;
  const coding = (raw.headers['content-encoding'] ?? '').trim().toLowerCase();
  return coding !== '' && coding !== 'identity' && length * INFLATE_RATIO > SMALL_BODY_LIMIT;
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
 * `raw` inflated through `decoder`, ending in error once the inflated bytes pass `limit` or
 * max(SMALL_BODY_LIMIT, INFLATE_RATIO x the coded bytes received so far) (BODY_TOO_LARGE, 413),
 * or when the coded bytes are corrupt (BAD_REQUEST, 400). The result carries
 * `receivedEncodedLength`, which Fastify compares with Content-Length.
 */
export function inflated(raw: Readable, decoder: Transform, limit: number): Readable {
  let out = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      out += chunk.length;
      const overRatio = out > SMALL_BODY_LIMIT && out > INFLATE_RATIO * counted.receivedEncodedLength;
      if (out > limit || overRatio) {
        raw.unpipe(decoder);
        decoder.destroy();
        return callback(out > limit ? tooLarge() : inflatesTooMuch());
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

/**
 * Registers the body rules on the scope that holds the routes (after registerContext).
 * `limits` caps the large bodies in flight (0 = no cap).
 */
export function registerBodyRules(app: FastifyInstance, prefix: string, limits: BodyLimits): void {
  const base = prefix === '/' ? '' : prefix.replace(/\/$/, '');
  const anonymousOk = new Set([...ANONYMOUS_BODY_ROUTES].map((r) => base + r));
  const publishRoutes = new Set(PUBLISH_ROUTES.map((r) => base + r));
  const isWeb = (url: string) => url.startsWith(`${base}/-/web/`);
  // Large bodies in flight: all of them, and per account id.
  let largeInFlight = 0;
  const largePerUser = new Map<number, number>();

  app.addHook('preParsing', async (request: FastifyRequest, reply, payload) => {
    if (!hasBody(request.raw)) return payload;
    const route = request.routeOptions.url ?? '';
    const principal = request.ctx.principal;
    const refused =
      principal.kind !== 'user' &&
      (publishRoutes.has(route) ||
        // Basic credentials are checked by the routes that accept them (small bodies only).
        (!anonymousOk.has(route) && !isWeb(route) && !/^Basic\s/i.test(request.headers.authorization ?? '')));
    if (refused) {
      // The unread body is not worth draining to keep the connection: close it after the 401.
      reply.header('connection', 'close');
      requireUser(principal);
    }
    // Only the publish route takes more than SMALL_BODY_LIMIT, and only from a user (above).
    if (publishRoutes.has(route) && principal.kind === 'user' && isLargeBody(request.raw)) {
      const user = principal.user.id;
      const mine = largePerUser.get(user) ?? 0;
      const busy = limits.largeAtOnce > 0 && largeInFlight >= limits.largeAtOnce;
      if (busy || (limits.largePerUser > 0 && mine >= limits.largePerUser)) {
        reply.header('connection', 'close');
        if (busy) fail('SERVER_BUSY', 'The registry is receiving as many large uploads as it takes at once; try again shortly.', { retryAfter: BUSY_RETRY_SECONDS });
        fail('TOO_MANY_UPLOADS', `Your account is already sending ${mine} large upload(s) (at most ${limits.largePerUser} at once); try again when it has finished.`, {
          retryAfter: BUSY_RETRY_SECONDS,
        });
      }
      largeInFlight++;
      largePerUser.set(user, mine + 1);
      // The slot is held until the answer is sent or the connection is gone.
      reply.raw.once('close', () => {
        largeInFlight--;
        const n = (largePerUser.get(user) ?? 1) - 1;
        if (n <= 0) largePerUser.delete(user);
        else largePerUser.set(user, n);
      });
    }
    const decoder = decoderFor(request.headers['content-encoding']);
    if (!decoder) return payload;
    return inflated(payload, decoder, request.routeOptions.bodyLimit ?? 1024 * 1024);
  });
}
