// The HTTP client of upstream registries (core/proxy/ports.ts UpstreamClient), on undici: one
// keep-alive pool per upstream origin, the upstream's timeout for the answer's headers and
// between body chunks, no redirects followed, bodies bounded, gzip accepted and inflated within
// the same bound. Everything an upstream sends is bad input until checked: a status other than
// 200/304/404, a wrong content type, a redirect or an oversized body is an UpstreamError
// ('bad-answer') naming the upstream; its credentials never appear in a message.

import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { Agent, errors, request } from 'undici';
import type { PackumentForm, UpstreamClient, UpstreamPackumentAnswer } from '../core/proxy/ports.ts';
import { UpstreamError } from '../core/proxy/ports.ts';
import type { Upstream } from '../core/proxy/rules.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const ACCEPT: Record<PackumentForm, string> = {
  // As npm sends them (npm-registry-fetch / pacote registry.js).
  abbreviated: `${ABBREVIATED}; q=1.0, application/json; q=0.8, */*`,
  full: 'application/json',
};

/** `@scope/name` → `@scope%2fname`, as npm escapes it (npm-package-arg escapedName). */
export function escapedName(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

function failure(upstream: Upstream, e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e;
  const err = e as Error & { code?: string };
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError) {
    return new UpstreamError('timeout', upstream.name, `The upstream ${upstream.name} did not answer within ${upstream.timeoutMs / 1000} s.`);
  }
  return new UpstreamError('unreachable', upstream.name, `The upstream ${upstream.name} cannot be reached (${err.code ?? err.name ?? 'error'}).`);
}

/**
 * Drops an answer's body unread. undici's body stream emits an AbortError when destroyed: with
 * no listener that would be an uncaught exception that ends the process.
 */
export function discard(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}

/**
 * Reads a whole answer body of `upstream` (named `who` in messages), at most `maxBytes`, and
 * inflates gzip within the same bound when `gzip` is true. Throws UpstreamError('bad-answer')
 * saying "sent <what> of more than N bytes" or that the gzip is corrupt or too large.
 */
export async function readBounded(body: Readable, maxBytes: number, upstream: Upstream, options: { gzip: boolean; who?: string; what?: string }): Promise<Buffer> {
  const who = options.who ?? upstream.name;
  const what = options.what ?? 'an answer';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      discard(body);
      throw new UpstreamError('bad-answer', upstream.name, `The upstream ${who} sent ${what} of more than ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  if (!options.gzip) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch {
    throw new UpstreamError('bad-answer', upstream.name, `The upstream ${who} sent ${what} in gzip that is corrupt or inflates past ${maxBytes} bytes.`);
  }
}

/** Creates the client; `close()` ends its connection pools. */
export function createUpstreamClient(): UpstreamClient & { close(): Promise<void> } {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });

  function headers(upstream: Upstream, extra: Record<string, string>): Record<string, string> {
    return { 'user-agent': 'tessera (npm registry proxy)', ...(upstream.authorization ? { authorization: upstream.authorization } : {}), ...extra };
  }

  return {
    async packument(upstream, name, options): Promise<UpstreamPackumentAnswer> {
      const url = new URL(escapedName(name), upstream.url);
      const extra: Record<string, string> = { accept: ACCEPT[options.form], 'accept-encoding': 'gzip' };
      if (options.etag) extra['if-none-match'] = options.etag;
      if (options.lastModified) extra['if-modified-since'] = options.lastModified;
      try {
        const res = await request(url, { method: 'GET', headers: headers(upstream, extra), dispatcher: agent, headersTimeout: upstream.timeoutMs, bodyTimeout: upstream.timeoutMs });
        const header = (h: string) => {
          const v = res.headers[h];
          return typeof v === 'string' ? v : null;
        };
        if (res.statusCode === 404) {
          discard(res.body);
          return { kind: 'not-found' };
        }
        if (res.statusCode === 304) {
          discard(res.body);
          return { kind: 'not-modified', etag: header('etag') ?? options.etag ?? null, lastModified: header('last-modified') ?? options.lastModified ?? null };
        }
        if (res.statusCode !== 200) {
          discard(res.body);
          const why = res.statusCode >= 300 && res.statusCode < 400 ? `a redirect (${res.statusCode})` : `status ${res.statusCode}`;
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered ${why} for ${name}.`);
        }
        const type = (header('content-type') ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'application/json' && type !== ABBREVIATED) {
          discard(res.body);
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered ${name} with content type "${type.slice(0, 80)}", not JSON.`);
        }
        const body = await readBounded(res.body, options.maxBytes, upstream, { gzip: header('content-encoding') === 'gzip' });
        return { kind: 'ok', body, etag: header('etag'), lastModified: header('last-modified') };
      } catch (e) {
        throw failure(upstream, e);
      }
    },

    async tarball(upstream, url, options) {
      const target = new URL(url);
      const base = new URL(upstream.url);
      if (target.origin !== base.origin) {
        throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} points a tarball at another host (${target.host}).`);
      }
      try {
        const res = await request(target, { method: 'GET', headers: headers(upstream, { accept: '*/*' }), dispatcher: agent, headersTimeout: upstream.timeoutMs, bodyTimeout: upstream.timeoutMs });
        if (res.statusCode === 404) {
          discard(res.body);
          return null;
        }
        if (res.statusCode !== 200) {
          discard(res.body);
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered status ${res.statusCode} for ${target.pathname}.`);
        }
        const length = Number(res.headers['content-length']);
        const size = Number.isFinite(length) && length >= 0 ? length : null;
        if (size !== null && size > options.maxBytes) {
          discard(res.body);
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} offers a tarball of ${size} bytes, over the limit of ${options.maxBytes}.`);
        }
        const gzipped = res.headers['content-encoding'] === 'gzip';
        const body: Readable = gzipped ? res.body.pipe(createGunzip()) : res.body;
        return { body, size: gzipped ? null : size };
      } catch (e) {
        throw failure(upstream, e);
      }
    },

    async scopeHasPackages(upstream, scope, options) {
      // npmjs answers the org listing for org scopes and 404 for user scopes, whose packages
      // are at /-/user/ (libnpmaccess getPackages does the same fallback).
      for (const kind of ['org', 'user']) {
        const url = new URL(`-/${kind}/${encodeURIComponent(scope)}/package`, upstream.url);
        try {
          const res = await request(url, { method: 'GET', headers: headers(upstream, { accept: 'application/json', 'accept-encoding': 'gzip' }), dispatcher: agent, headersTimeout: upstream.timeoutMs, bodyTimeout: upstream.timeoutMs });
          if (res.statusCode === 404 || res.statusCode === 401 || res.statusCode === 403) {
            discard(res.body);
            continue;
          }
          if (res.statusCode !== 200) {
            discard(res.body);
            const why = res.statusCode >= 300 && res.statusCode < 400 ? `a redirect (${res.statusCode})` : `status ${res.statusCode}`;
            throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered ${why} for the packages of @${scope}.`);
          }
          const body = await readBounded(res.body, options.maxBytes, upstream, { gzip: res.headers['content-encoding'] === 'gzip' });
          let list: unknown;
          try {
            list = JSON.parse(body.toString('utf8'));
          } catch {
            throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered the packages of @${scope} with something other than JSON.`);
          }
          if (typeof list !== 'object' || list === null || Array.isArray(list)) {
            throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered the packages of @${scope} with something other than a JSON object.`);
          }
          if (Object.keys(list).length > 0) return true;
        } catch (e) {
          throw failure(upstream, e);
        }
      }
      return false;
    },

    async json(upstream, path, options) {
      const url = new URL(path, upstream.url);
      try {
        const res = await request(url, { method: 'GET', headers: headers(upstream, { accept: 'application/json', 'accept-encoding': 'gzip' }), dispatcher: agent, headersTimeout: upstream.timeoutMs, bodyTimeout: upstream.timeoutMs });
        if (res.statusCode === 404) {
          discard(res.body);
          return { kind: 'not-found' } as const;
        }
        if (res.statusCode !== 200) {
          discard(res.body);
          const why = res.statusCode >= 300 && res.statusCode < 400 ? `a redirect (${res.statusCode})` : `status ${res.statusCode}`;
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered ${why} for ${url.pathname}.`);
        }
        const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'application/json') {
          discard(res.body);
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${upstream.name} answered ${url.pathname} with content type "${type.slice(0, 80)}", not JSON.`);
        }
        const body = await readBounded(res.body, options.maxBytes, upstream, { gzip: res.headers['content-encoding'] === 'gzip' });
        return { kind: 'ok', body } as const;
      } catch (e) {
        throw failure(upstream, e);
      }
    },

    close: () => agent.close(),
  };
}


