// Basic credentials, as npm's couch-login fallback (and `_auth` configs) send them.

import type { FastifyRequest } from 'fastify';
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
