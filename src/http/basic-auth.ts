// Basic credentials, as npm's couch-login fallback (and `_auth` configs) send them.

import type { FastifyRequest } from 'fastify';
import { basicPrincipal } from '../core/accounts/basic-login.ts';
import type { Deps } from '../core/deps.ts';
import { fail } from '../core/errors.ts';

export function basicCredentials(request: FastifyRequest): { name: string; password: string } | null {
  const header = request.headers.authorization;
  if (!header || !/^Basic\s/i.test(header)) return null;
  const encoded = header.slice(6).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length > 4096) fail('BAD_REQUEST', 'The Basic authorization header is not valid base64.');
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) fail('BAD_REQUEST', 'The Basic authorization header must carry "name:password".');
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * npm's enable-2fa reads the profile, and creates its first token, with Basic credentials
 * when that is what it has: those routes accept them (a password hash per call).
 */
export async function withBasic(deps: Deps, request: FastifyRequest): Promise<void> {
  if (request.ctx.principal.kind === 'user') return;
  const basic = basicCredentials(request);
  if (basic) request.ctx.principal = await basicPrincipal(deps, request.ctx, basic.name, basic.password);
}
