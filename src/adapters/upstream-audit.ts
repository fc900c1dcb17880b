// The HTTP client that forwards `npm audit` bodies to upstream registries
// (core/proxy/audit.ts AuditForwarder), on undici: one keep-alive pool, the upstream's
// authorization and timeout (for the answer's headers, between body chunks, and twice that for
// the whole answer), no redirects followed, the answer bounded and required to be JSON. What
// an upstream sends is bad input until checked; failures are UpstreamErrors naming the
// upstream, never its credentials.

import { Agent, errors, request } from 'undici';
import { type AuditForwarder, upstreamLabel as label } from '../core/proxy/audit-port.ts';
import { UpstreamError } from '../core/proxy/ports.ts';
import type { Upstream } from '../core/proxy/rules.ts';
import { discard, readBounded } from './upstream-http.ts';

function failure(upstream: Upstream, e: unknown): UpstreamError {
  if (e instanceof UpstreamError) return e;
  const err = e as Error & { code?: string };
  if (
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError ||
    err?.name === 'TimeoutError' ||
    err?.name === 'AbortError'
  ) {
    return new UpstreamError('timeout', upstream.name, `The upstream ${label(upstream)} did not answer the audit within ${upstream.timeoutMs / 1000} s.`);
  }
  return new UpstreamError('unreachable', upstream.name, `The upstream ${label(upstream)} cannot be reached (${err?.code ?? err?.name ?? 'error'}).`);
}

/** Creates the forwarder; `close()` ends its connection pool. */
export function createAuditForwarder(): AuditForwarder & { close(): Promise<void> } {
  const agent = new Agent({ connections: 16, keepAliveTimeout: 30_000, connect: { timeout: 10_000 } });
  return {
    async post(upstream, path, body, options) {
      const url = new URL(path, upstream.url);
      const payload = JSON.stringify(body);
      const headers: Record<string, string> = {
        'user-agent': 'tessera (npm registry proxy)',
        'content-type': 'application/json',
        accept: 'application/json',
        'accept-encoding': 'gzip',
        ...(upstream.authorization ? { authorization: upstream.authorization } : {}),
      };
      try {
        const res = await request(url, {
          method: 'POST',
          headers,
          body: payload,
          dispatcher: agent,
          headersTimeout: upstream.timeoutMs,
          bodyTimeout: upstream.timeoutMs,
          signal: AbortSignal.timeout(2 * upstream.timeoutMs),
        });
        if (res.statusCode !== 200) {
          discard(res.body);
          const why = res.statusCode >= 300 && res.statusCode < 400 ? `a redirect (${res.statusCode})` : `status ${res.statusCode}`;
          // A 5xx says the upstream is down or overloaded: the same as no answer for the client.
          throw new UpstreamError(res.statusCode >= 500 ? 'unreachable' : 'bad-answer', upstream.name, `The upstream ${label(upstream)} answered the audit with ${why}.`);
        }
        const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'application/json') {
          discard(res.body);
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${label(upstream)} answered the audit with content type "${type.slice(0, 80)}", not JSON.`);
        }
        const bytes = await readBounded(res.body, options.maxBytes, upstream, { gzip: res.headers['content-encoding'] === 'gzip', who: label(upstream), what: 'an audit answer' });
        try {
          return JSON.parse(bytes.toString('utf8')) as unknown;
        } catch {
          throw new UpstreamError('bad-answer', upstream.name, `The upstream ${label(upstream)} sent an audit answer that is not valid JSON.`);
        }
      } catch (e) {
        throw failure(upstream, e);
      }
    },
    close: () => agent.close(),
  };
}
