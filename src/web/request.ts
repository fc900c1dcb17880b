// What the web routes know about a request: its browser session (from the cookie only, never
// from an Authorization header), the CSRF binding, and how to answer with a page.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrgMembership, UserPrincipal } from '../core/access/principal.ts';
import type { Deps, RequestContext } from '../core/deps.ts';
import { isDomainError } from '../core/errors.ts';
import { confirmedTfaMode } from '../core/access/second-factor.ts';
import { hasTotp, passkeysOnly, passkeysUsable } from '../core/accounts/passkey-policy.ts';
import type { TokenRecord, User } from '../core/ports.ts';
import { assetPaths } from './assets.ts';
import { statusOfKind } from '../http/status.ts';
import type { PageContext, SafeHtml } from './layout.ts';
import { type CookieNames, csrfToken, newNonce, setCookie } from './session.ts';

export interface WebSession {
  user: User;
  token: TokenRecord;
  /** The cookie's value: the web token's secret. */
  secret: string;
  /** The user's organisations, read with the session (core/tokens/authenticate.ts). */
  orgs?: OrgMembership[];
}

export interface WebState {
  session: WebSession | null;
  /** The anonymous CSRF nonce from its cookie, if any. */
  nonce: string | null;
  names: CookieNames;
  /** The second factors of the session's account that forms may ask for (secondFactorsOf); null: none. */
  factors?: AccountFactors | null;
}

/** What the signed-in account can confirm a change with: a code (TOTP or recovery) always, a passkey when it has one. */
export interface AccountFactors {
  /** Passkeys registered and usable on this registry (its URL has a host name). */
  passkeys: boolean;
  /** An authenticator app (otherwise only recovery codes can be typed). */
  totp: boolean;
}

/**
 * The factors of a signed-in account for its forms: null when two-factor is off or pending.
 * One passkey query when it has an authenticator app too (an account without one has passkeys,
 * core/accounts/passkey-policy.ts).
 */
export async function secondFactorsOf(deps: Deps, user: User): Promise<AccountFactors | null> {
  if (!confirmedTfaMode(user)) return null;
  const totp = hasTotp(user);
  const passkeys = passkeysUsable(deps) && (passkeysOnly(user) || (await deps.store.passkeys.list(user.id)).length > 0);
  return { passkeys, totp };
}

declare module 'fastify' {
  interface FastifyRequest {
    web: WebState;
  }
}

/** The web UI's path, ending in '/': '/-/web/' or '/PREFIX/-/web/'. */
export function webBase(deps: Deps): string {
  return `${new URL(deps.settings.publicUrl).pathname}-/web/`;
}

/** Paths a sign-in may continue to: inside the web UI, nothing that leaves the site. */
export function safeNext(deps: Deps, next: unknown): string {
  const base = webBase(deps);
  if (typeof next !== 'string' || next.length > 300 || !next.startsWith(base)) return base;
  return /^[A-Za-z0-9/_\-.~%@?=&]*$/.test(next) && !next.includes('//') && !next.includes('..') ? next : base;
}

export function principalOf(session: WebSession): UserPrincipal {
  return { kind: 'user', user: session.user, token: session.token, via: 'token', orgs: session.orgs };
}

/** The context for a use case: the session's user (or anonymous) and the form's OTP, if any. */
export function webCtx(request: FastifyRequest, otp?: string): RequestContext {
  const s = request.web.session;
  return { ...request.ctx, principal: s ? principalOf(s) : { kind: 'anonymous' }, otp: otp === undefined || otp.trim() === '' ? undefined : otp };
}

/** The page context; before sign-in it also makes sure the browser has a CSRF nonce. */
export function pageContext(deps: Deps, request: FastifyRequest, reply: FastifyReply): PageContext {
  const web = request.web;
  let csrf: string;
  if (web.session) {
    csrf = csrfToken(deps, `session:${web.session.secret}`);
  } else {
    if (!web.nonce) {
      web.nonce = newNonce();
      reply.header('set-cookie', setCookie(web.names.csrf, web.nonce, web.names.secure));
    }
    csrf = csrfToken(deps, `anon:${web.nonce}`);
  }
  return {
    base: webBase(deps),
    registryName: deps.settings.registryName,
    user: web.session?.user.name ?? null,
    admin: web.session?.user.admin === true,
    factors: web.session ? (web.factors ?? null) : null,
    csrf,
    assets: assetPaths(webBase(deps)),
  };
}

export function sendPage(reply: FastifyReply, status: number, page: SafeHtml): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(page.value);
}

/** 303 See Other: after a POST the browser GETs the target. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).header('cache-control', 'no-store').send();
}

/** The session, or a redirect to the sign-in page (which comes back here afterwards). */
export function sessionOrLogin(deps: Deps, request: FastifyRequest, reply: FastifyReply): WebSession | null {
  if (request.web.session) return request.web.session;
  const here = request.method === 'GET' ? safeNext(deps, request.url) : webBase(deps);
  redirect(reply, `${webBase(deps)}login?next=${encodeURIComponent(here)}`);
  return null;
}

/** Domain errors a form shows next to itself (with their status); anything else is rethrown. */
export function formError(e: unknown, codes: string[]): { status: number; notice: { kind: 'error'; text: string } } {
  if (!isDomainError(e) || !codes.includes(e.code)) throw e;
  return { status: statusOfKind(e.kind), notice: { kind: 'error', text: e.message } };
}
