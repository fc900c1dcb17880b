// Web pages for access tokens, over the use cases of `npm token` (core/tokens/manage-tokens.ts),
// with the same options. A new token appears only in the answer to the POST that made it.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import type { Deps } from '../../core/deps.ts';
import { createToken, listTokens, revokeToken } from '../../core/tokens/manage-tokens.ts';
import { field, type FormBody, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { emptyTokenForm, tokenCreatedPage, type TokenFormValues, tokensPage } from '../pages/tokens.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

const FORM_ERRORS = ['BAD_REQUEST', 'BAD_LOGIN', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'NOT_FOUND', 'INVALID_NAME'];

function formValues(form: FormBody): TokenFormValues {
  return {
    name: field(form, 'name'),
    description: field(form, 'description'),
    permission: field(form, 'permission') === 'read-write' ? 'read-write' : 'read-only',
    coverage: field(form, 'coverage') === 'some' ? 'some' : 'all',
    packages: field(form, 'packages'),
    scopes: field(form, 'scopes'),
    expires: field(form, 'expires'),
    cidr: field(form, 'cidr'),
    bypass2fa: field(form, 'bypass_2fa') === '1',
  };
}

/**
 * A list field as typed, split on commas and white space, blank items KEPT: the use case
 * refuses them by name (a field holding only "," must not become an empty list, which would
 * mean "no limit").
 */
function typedList(text: string): string[] {
  return text.trim().split(/\s*,\s*|\s+/);
}

/** The body `npm token create` would send for these options. */
function createBody(f: TokenFormValues, password: string): Record<string, unknown> {
  const some = f.coverage === 'some';
  const expires = f.expires.trim();
  return {
    name: f.name.trim() || null,
    ...(f.description.trim() ? { description: f.description.trim() } : {}),
    password,
    packages_and_scopes_permission: f.permission,
    packages_all: !some,
    ...(some ? { packages: f.packages.trim() ? typedList(f.packages) : [], scopes: f.scopes.trim() ? typedList(f.scopes) : [] } : {}),
    // Like npm, a number of days; anything else arrives as null and is refused by the use case.
    ...(expires ? { expires: /^\d{1,6}$/.test(expires) ? Number(expires) : null } : {}),
    ...(f.cidr.trim() ? { cidr_whitelist: typedList(f.cidr) } : {}),
    ...(f.bypass2fa ? { bypass_2fa: true } : {}),
  };
}

export function webTokenRoutes(web: FastifyInstance, deps: Deps): void {
  const show = async (request: FastifyRequest, reply: FastifyReply, status: number, notice: Notice, form = emptyTokenForm) => {
    const list = await listTokens(deps, webCtx(request), 0, deps.settings.tokens.maxPerUser, (key) => deps.usage.lastUsed(key));
    const page = pageContext(deps, request, reply);
    const tfaOn = confirmedTfaMode(request.web.session!.user) !== null;
    return sendPage(reply, status, tokensPage(page, { tokens: list.objects, tfaOn, notice, form, limits: deps.settings.tokens }));
  };

  web.get<{ Querystring: { done?: string } }>('/tokens', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    return show(request, reply, 200, request.query.done === 'revoked' ? { kind: 'ok', text: 'Token revoked.' } : null);
  });

  web.post('/tokens', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    const values = formValues(form);
    let created: Awaited<ReturnType<typeof createToken>>;
    try {
      created = await createToken(deps, await passkeyFormCtx(deps, request, form, 'token-create'), createBody(values, field(form, 'password')));
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice, values);
    }
    return sendPage(reply, 201, tokenCreatedPage(pageContext(deps, request, reply), created));
  });

  web.post('/tokens/revoke', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    const key = field(form, 'key');
    try {
      if (!/^[0-9a-f]{64}$/.test(key)) return await show(request, reply, 400, { kind: 'error', text: 'Unknown token.' });
      await revokeToken(deps, await passkeyFormCtx(deps, request, form, 'token-revoke'), key);
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return show(request, reply, status, notice);
    }
    return redirect(reply, `${webBase(deps)}tokens?done=revoked`);
  });
}
