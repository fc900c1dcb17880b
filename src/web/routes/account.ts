// Web pages for reading: the start page (search), packages (local and proxied), the upstreams,
// the security log; and the
// profile with its password change.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import { profileOf, updateProfile } from '../../core/accounts/profile.ts';
import { securityLog } from '../../core/accounts/security-log.ts';
import type { Deps } from '../../core/deps.ts';
import { readOverview } from '../../core/packages/read-package.ts';
import { searchPackages } from '../../core/packages/search.ts';
import { proxiedPackageOverview, proxyOverview } from '../../core/proxy/overview.ts';
import { listTokens } from '../../core/tokens/manage-tokens.ts';
import { field, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { homePage } from '../pages/home.ts';
import { packagePage } from '../pages/package.ts';
import { profilePage } from '../pages/profile.ts';
import { securityLogPage } from '../pages/security-log.ts';
import { proxiedPackagePage, upstreamsPage } from '../pages/upstreams.ts';
import { trustSections, webTrustRoutes } from './trust.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

/** Packages per page of the start page's list. */
const HOME_PAGE_SIZE = 20;
const PROFILE_FIELDS = ['fullname', 'email', 'homepage', 'github', 'twitter', 'freenode'];
const SAVED: Record<string, string> = { profile: 'Profile saved.', password: 'Password changed. Your other sessions have ended.' };

/** A local package's page; its owners also see its trust relationships (with `trustNotice`). */
async function showPackage(deps: Deps, request: FastifyRequest, reply: FastifyReply, name: string, status: number, trustNotice: Notice): Promise<FastifyReply> {
  const principal = webCtx(request).principal;
  // The version list without manifests, then the one manifest the page shows (its readme).
  const pkg = await readOverview(deps, principal, name);
  const latestVersion = pkg.distTags.latest ?? pkg.versions[pkg.versions.length - 1]?.version;
  const latest = latestVersion === undefined ? null : ((await deps.store.packages.getVersion(name, latestVersion))?.version ?? null);
  const page = pageContext(deps, request, reply);
  const extra = await trustSections(deps, request, page, pkg, trustNotice);
  return sendPage(reply, status, packagePage(page, pkg, latest, extra));
}

export function webAccountRoutes(web: FastifyInstance, deps: Deps): void {
  web.get<{ Querystring: { q?: string; scope?: string; page?: string } }>('/', async (request, reply) => {
    const page = pageContext(deps, request, reply);
    const query = typeof request.query.q === 'string' ? request.query.q.slice(0, 256) : '';
    // A scope filter that is no scope name is no filter (the page says what it shows).
    const scopeParam = typeof request.query.scope === 'string' ? request.query.scope.trim().replace(/^@/, '').toLowerCase() : '';
    const scope = /^[a-z0-9][a-z0-9._~-]{0,213}$/.test(scopeParam) ? scopeParam : null;
    const pageNumber = Math.min(Math.max(Number.parseInt(typeof request.query.page === 'string' ? request.query.page : '1', 10) || 1, 1), 500);
    const ctx = webCtx(request);
    // With a query: matches by name; without: the browse list, most recently changed first.
    const found = await searchPackages(deps, ctx, {
      text: query.trim(),
      from: (pageNumber - 1) * HOME_PAGE_SIZE,
      size: HOME_PAGE_SIZE,
      scope,
      order: query.trim() ? 'name' : 'modified',
    });
    const session = request.web.session;
    let account = null;
    if (session) {
      const tfa = session.user.tfa;
      const tokens = await listTokens(deps, ctx, 0, 1, () => undefined);
      account = { tfa: !tfa ? 'off' : tfa.pending ? 'set-up not finished' : `on (${tfa.mode})`, tokens: tokens.total };
    }
    return sendPage(
      reply,
      200,
      homePage(page, {
        query,
        scope,
        page: pageNumber,
        pageSize: HOME_PAGE_SIZE,
        results: found.objects.map((o) => ({ name: o.package.name, version: o.package.version, description: o.package.description, date: o.package.date })),
        total: found.total,
        account,
      }),
    );
  });

  web.get<{ Params: { '*': string } }>('/package/*', async (request, reply) => {
    let name: string;
    try {
      name = decodeURIComponent(request.params['*']);
    } catch {
      name = '';
    }
    // A proxied package (no local record): what is cached of it, and where it comes from.
    const principal = webCtx(request).principal;
    if (!(await deps.store.packages.head(name))) {
      const proxied = await proxiedPackageOverview(deps, principal, name);
      if (proxied) return sendPage(reply, 200, proxiedPackagePage(pageContext(deps, request, reply), proxied));
    }
    const done = (request.query as { trust?: unknown }).trust;
    const trustNotice: Notice = done === 'added' ? { kind: 'ok', text: 'Trust relationship added.' } : done === 'revoked' ? { kind: 'ok', text: 'Trust relationship revoked.' } : null;
    return showPackage(deps, request, reply, name, 200, trustNotice);
  });

  webTrustRoutes(web, deps, (request, reply, name, status, notice) => showPackage(deps, request, reply, name, status, notice));

  web.get('/upstreams', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    return sendPage(reply, 200, upstreamsPage(pageContext(deps, request, reply), proxyOverview(deps)));
  });

  web.get<{ Querystring: { before?: string } }>('/security-log', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const log = await securityLog(deps, webCtx(request), { before: request.query.before, limit: '50' });
    return sendPage(reply, 200, securityLogPage(pageContext(deps, request, reply), log));
  });

  const showProfile = (request: FastifyRequest, reply: FastifyReply, status: number, v: { notice?: Notice; passwordNotice?: Notice; values?: Record<string, string> }) => {
    const user = request.web.session!.user;
    return sendPage(
      reply,
      status,
      profilePage(pageContext(deps, request, reply), { profile: profileOf(user), values: v.values, tfaMode: confirmedTfaMode(user), notice: v.notice ?? null, passwordNotice: v.passwordNotice ?? null }),
    );
  };

  web.get<{ Querystring: { saved?: string } }>('/profile', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const saved = request.query.saved === 'password' ? 'password' : request.query.saved === 'profile' ? 'profile' : null;
    const ok: Notice = saved ? { kind: 'ok', text: SAVED[saved] } : null;
    return showProfile(request, reply, 200, saved === 'password' ? { passwordNotice: ok } : { notice: ok });
  });

  web.post('/profile', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    const body: Record<string, string> = {};
    for (const k of PROFILE_FIELDS) if (k in form) body[k] = form[k].trim();
    try {
      await updateProfile(deps, await passkeyFormCtx(deps, request, form, 'profile-save'), body);
    } catch (e) {
      const { status, notice } = formError(e, ['BAD_REQUEST', 'INVALID_EMAIL', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN']);
      return showProfile(request, reply, status, { notice, values: body });
    }
    return redirect(reply, `${webBase(deps)}profile?saved=profile`);
  });

  web.post('/profile/password', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    if (field(form, 'new') !== field(form, 'new2')) {
      return showProfile(request, reply, 400, { passwordNotice: { kind: 'error', text: 'The two new passwords differ.' } });
    }
    try {
      await updateProfile(deps, await passkeyFormCtx(deps, request, form, 'password-change'), { password: { old: field(form, 'old'), new: field(form, 'new') } } as unknown as Record<string, unknown>);
    } catch (e) {
      const { status, notice } = formError(e, ['BAD_REQUEST', 'BAD_LOGIN', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN']);
      return showProfile(request, reply, status, { passwordNotice: notice });
    }
    return redirect(reply, `${webBase(deps)}profile?saved=password`);
  });
}
