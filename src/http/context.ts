// Resolves each request's principal and client address into a RequestContext. Bearer tokens
// are checked here (one hashed lookup); Basic credentials are only read by the few routes
// whose npm flows send them (see basic-auth.ts).

import type { FastifyInstance } from 'fastify';
import { anonymous } from '../core/access/principal.ts';
import type { Deps, RequestContext } from '../core/deps.ts';
import { authenticateToken } from '../core/tokens/authenticate.ts';
import { redactUrl } from './redact.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/** `::ffff:127.0.0.1` is 127.0.0.1. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** The token of an `Authorization: Bearer` header; null for no header or another scheme. */
export function bearerFrom(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export function registerContext(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => {
    const otp = request.headers['npm-otp'];
    const ctx: RequestContext = {
      principal: anonymous,
      otp: typeof otp === 'string' ? otp : undefined,
      ip: normaliseIp(request.ip),
      userAgent: String(request.headers['user-agent'] ?? '').slice(0, 512),
      authType: typeof request.headers['npm-auth-type'] === 'string' ? request.headers['npm-auth-type'] : undefined,
      // Computed only when a web OTP challenge needs it, not on every request.
      get action() {
        return `${request.method} ${redactUrl(request.url).split('?')[0].slice(0, 200)}`;
      },
      get target() {
        return { method: request.method, path: request.url.split('?')[0] };
      },
    };
    request.ctx = ctx;
    const token = bearerFrom(request.headers.authorization);
    if (token) {
      ctx.principal = await authenticateToken(deps, token, ctx.ip);
      if (ctx.principal.kind === 'anonymous' && ctx.principal.notice) reply.header('npm-notice', ctx.principal.notice);
    }
  });
}
