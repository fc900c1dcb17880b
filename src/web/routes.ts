// The web UI under /-/web/: one encapsulated plugin whose hooks give every page the browser
// session (cookie only), check Origin and the CSRF token on every POST, and add the security
// headers; errors become HTML pages. The pages call the same use cases as the npm API.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../core/deps.ts';
import { isDomainError } from '../core/errors.ts';
import { authenticateWebSession } from '../core/tokens/authenticate.ts';
import { assets } from './assets.ts';
import { formOf } from './form.ts';
import { errorPage } from './pages/error.ts';
import { pageContext, secondFactorsOf, sendPage, type WebState } from './request.ts';
import { clearCookie, cookieNames, csrfMatches, originAllowed, parseCookies, WEB_IDLE_MS } from './session.ts';
import { statusOfKind } from '../http/status.ts';
import { webAccountRoutes } from './routes/account.ts';
import { webSignInRoutes } from './routes/sign-in.ts';
import { webTokenRoutes } from './routes/tokens.ts';
import { webOrgRoutes } from './routes/orgs.ts';
import { webOtpRoutes } from './routes/otp.ts';
import { webStagedRoutes } from './routes/staged.ts';
import { webTwoFactorRoutes } from './routes/two-factor.ts';
import { webAdminRoutes } from './routes/admin.ts';
import { webPasskeyRoutes } from './routes/passkeys.ts';

export const WEB_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const TITLES: Record<number, string> = { 400: 'That did not work', 401: 'Sign-in needed', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 429: 'Too many attempts' };

export function webRoutes(app: FastifyInstance, deps: Deps): void {
  app.register(
    async (web) => {
      web.decorateRequest('web', null as unknown as WebState);

      web.addHook('onRequest', async (request, reply) => {
        const names = cookieNames(deps.settings.publicUrl);
        const cookies = parseCookies(request.headers.cookie);
        const state: WebState = { session: null, nonce: cookies.get(names.csrf) ?? null, names };
        request.web = state;
        if (request.routeOptions.url?.endsWith('/static/*')) return;
        const secret = cookies.get(names.session);
        if (!secret) return;
        const found = await authenticateWebSession(deps, secret, WEB_IDLE_MS);
        if (found) {
          state.session = { ...found, secret };
          state.factors = await secondFactorsOf(deps, found.user);
        }
        else reply.header('set-cookie', clearCookie(names.session, names.secure));
      });

      // Every POST: Origin / Referer / Sec-Fetch-Site do not name another site, and the form's
      // CSRF token is the one of this browser's session (or, before sign-in, of its nonce cookie).
      // With a session only the session binding counts: anyone can mint an anonymous pair for a
      // nonce of their own, and a planted nonce cookie must not make it valid for the session.
      web.addHook('preHandler', async (request, reply) => {
        if (request.method !== 'POST') return;
        const { session, nonce } = request.web;
        const bindings = session ? [`session:${session.secret}`] : nonce ? [`anon:${nonce}`] : [];
        const header = (name: string) => (typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined);
        const from = { origin: header('origin'), referer: header('referer'), fetchSite: header('sec-fetch-site') };
        if (!originAllowed(deps.settings.publicUrl, from) || !csrfMatches(deps, formOf(request.body)._csrf, bindings)) {
          const page = pageContext(deps, request, reply);
          return sendPage(reply, 403, errorPage(page, 'Form expired', 'This form has expired, your session has ended, or the form came from another site. Reload the page and try again.'));
        }
      });

      web.addHook('onSend', async (_request, reply, payload) => {
        for (const [k, v] of Object.entries(WEB_HEADERS)) reply.header(k, v);
        return payload;
      });

      web.setErrorHandler(async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        if (!request.web) request.web = { session: null, nonce: null, names: cookieNames(deps.settings.publicUrl) };
        const page = pageContext(deps, request, reply);
        if (isDomainError(error)) {
          const status = statusOfKind(error.kind);
          if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
          return sendPage(reply, status, errorPage(page, TITLES[status] ?? 'Error', error.message));
        }
        const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
        if (status >= 400 && status < 500) return sendPage(reply, status, errorPage(page, TITLES[status] ?? 'Bad request', 'The request could not be read.'));
        request.log.error({ err: error }, 'web request failed');
        return sendPage(reply, 500, errorPage(page, 'Server error', 'Something went wrong on the server. The details are in its log.'));
      });

      web.setNotFoundHandler(async (request, reply) => {
        if (!request.web) request.web = { session: null, nonce: null, names: cookieNames(deps.settings.publicUrl) };
        return sendPage(reply, 404, errorPage(pageContext(deps, request, reply), 'Not found', 'There is no such page.'));
      });

      web.get<{ Params: { '*': string } }>('/static/*', async (request, reply) => {
        const asset = Object.hasOwn(assets, request.params['*']) ? assets[request.params['*']] : undefined;
        if (!asset) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('Not found.');
        return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=86400').send(asset.body);
      });

      webSignInRoutes(web, deps);
      webAccountRoutes(web, deps);
      webTwoFactorRoutes(web, deps);
      webPasskeyRoutes(web, deps);
      webOtpRoutes(web, deps);
      webTokenRoutes(web, deps);
      webAdminRoutes(web, deps);
      webOrgRoutes(web, deps);
      webStagedRoutes(web, deps);
    },
    { prefix: '/-/web' },
  );
}
