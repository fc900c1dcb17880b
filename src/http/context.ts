// Resolves each request's principal and client address into a RequestContext. Bearer tokens
// are checked here (one hashed lookup); Basic credentials are only read by the few routes
// whose npm flows send them (see basic-auth.ts).

import type { FastifyInstance } from 'fastify';
import { anonymous } from '../core/access/principal.ts';
import type { Deps, RequestContext } from '../core/deps.ts';
import { authenticateToken } from '../core/tokens/authenticate.ts';
import { hasTokenShape } from '../core/tokens/format.ts';
import type { ClientAddress } from './client-address.ts';
import { escapeControls } from '../core/text.ts';
import { redactUrl } from './redact.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

export { normaliseIp } from './client-address.ts';

/**
 * The token of an `Authorization: Bearer` header (RFC 6750 section 2.1; the scheme's case and
 * the spaces around the token as npm and others send them); null for no header or another scheme.
 */
export function bearerFrom(header: string | undefined): string | null {
  if (!header) return null;
  // What npm sends (`Bearer tsr_…`), without a regular expression: the read fast path asks on every request.
  if (header.startsWith('Bearer ') && hasTokenShape(header, 7)) return header.slice(7);
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** `clientAddress`: the one resolver of client addresses (client-address.ts). */
export function registerContext(app: FastifyInstance, deps: Deps, clientAddress: ClientAddress): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => {
    const otp = request.headers['npm-otp'];
    const ctx: RequestContext = {
      principal: anonymous,
      otp: typeof otp === 'string' ? otp : undefined,
      ip: clientAddress(request.raw),
      // Node reads headers as latin1, so C1 controls (U+0080-U+009F) get in: stored escaped.
      userAgent: escapeControls(String(request.headers['user-agent'] ?? '')).slice(0, 512),
      authType: typeof request.headers['npm-auth-type'] === 'string' ? request.headers['npm-auth-type'] : undefined,
      command: typeof request.headers['npm-command'] === 'string' ? escapeControls(request.headers['npm-command']).slice(0, 64) : undefined,
      // Computed only when a web OTP challenge needs it, not on every request.
      get action() {
        return `${request.method} ${escapeControls(redactUrl(request.url).split('?')[0]).slice(0, 200)}`;
      },
      get target() {
        return { method: request.method, path: request.url.split('?')[0] };
      },
    };
    request.ctx = ctx;
    const token = bearerFrom(request.headers.authorization);
    // The OIDC exchange's bearer is a CI identity token, read by its route (routes/trust.ts).
    if (token && !request.routeOptions.url?.endsWith('/-/npm/v1/oidc/token/exchange/package/:pkg')) {
      ctx.principal = await authenticateToken(deps, token, ctx.ip);
      if (ctx.principal.kind === 'anonymous' && ctx.principal.notice) reply.header('npm-notice', ctx.principal.notice);
    }
  });
}
