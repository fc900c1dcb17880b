// The administration pages under /-/web/admin (docs/admin.md), for administrators only. Every
// action POST passes the administrator's second factor first (core/accounts/admin.ts
// adminActor) and is recorded in the touched user's security log, which the instance log
// shows. Reading needs the role only.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  adminActor,
  deleteUser,
  disableUser,
  enableUser,
  instanceLog,
  listUsers,
  requireAdmin,
  resetTwoFactor,
  setAdmin,
  setPassword,
} from '../../core/accounts/admin.ts';
import type { Deps } from '../../core/deps.ts';
import { fail } from '../../core/errors.ts';
import { listBlocks } from '../../core/proxy/blocks.ts';
import { adminAddOwner, adminUnpublish, listPackagesPage } from '../../core/packages/admin.ts';
import type { UserStatus } from '../../core/ports.ts';
import { field, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { adminEventsPage, adminPackagesPage, adminProxyPage, adminUserPage, adminUsersPage } from '../pages/admin.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

const PAGE = 100;
const FORM_ERRORS = ['INVALID_NAME', 'INVALID_VERSION', 'BAD_REQUEST', 'BAD_LOGIN', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'TFA_REQUIRED', 'NOT_FOUND'];

const ACTIONS = {
  disable: { run: disableUser, done: 'disabled' },
  enable: { run: enableUser, done: 'enabled' },
  'grant-admin': { run: (deps: Deps, name: string, actor: Parameters<typeof setAdmin>[3]) => setAdmin(deps, name, true, actor), done: 'granted' },
  'revoke-admin': { run: (deps: Deps, name: string, actor: Parameters<typeof setAdmin>[3]) => setAdmin(deps, name, false, actor), done: 'revoked' },
  'reset-2fa': { run: resetTwoFactor, done: 'tfa-reset' },
  delete: { run: deleteUser, done: 'deleted' },
} as const;

const DONE: Record<string, string> = {
  disabled: 'The account is disabled: its tokens and sessions are refused.',
  enabled: 'The account is enabled.',
  granted: 'The account is an administrator.',
  revoked: 'The account is no longer an administrator.',
  'tfa-reset': 'Two-factor authentication is off for this account; its sessions were ended.',
  deleted: 'The account is deleted; its name stays reserved.',
  password: 'The password was set; the account\'s sessions were ended.',
  unpublished: 'Unpublished: those versions can never be published again.',
  'owner-added': 'The owner was added.',
  'owner-already': 'That account owns the package already: nothing changed.',
};

export function webAdminRoutes(web: FastifyInstance, deps: Deps): void {
  /** The signed-in administrator, or null after answering (sign-in redirect, or a 403 page). */
  const admin = (request: FastifyRequest, reply: FastifyReply) => {
    if (!sessionOrLogin(deps, request, reply)) return null;
    return requireAdmin(webCtx(request));
  };

  const showUser = async (request: FastifyRequest, reply: FastifyReply, name: string, status: number, notice: Notice) => {
    const me = requireAdmin(webCtx(request));
    const user = await deps.store.users.findByName(name);
    if (!user) fail('NOT_FOUND', `There is no user named ${name}.`);
    const [packages, events] = await Promise.all([deps.store.packages.namesOwnedBy(user.id), deps.store.events.list(user.id, { limit: 50 })]);
    return sendPage(reply, status, adminUserPage(pageContext(deps, request, reply), { user, self: user.id === me.id, packages, events, notice }));
  };

  web.get<{ Querystring: { after?: string } }>('/admin', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const after = typeof request.query.after === 'string' && request.query.after.length <= 214 ? request.query.after : undefined;
    const users = await listUsers(deps, { after, limit: PAGE + 1 });
    const next = users.length > PAGE ? users[PAGE - 1].name : null;
    return sendPage(reply, 200, adminUsersPage(pageContext(deps, request, reply), { users: users.slice(0, PAGE), next, notice: null }));
  });

  const showPackage = async (request: FastifyRequest, reply: FastifyReply, query: string, status: number, notice: Notice) => {
    const o = query ? await deps.store.packages.overview(query) : null;
    if (query && !o && notice === null) notice = { kind: 'error', text: `There is no package named ${query}.` };
    const ownerStatus: Record<string, UserStatus> = {};
    for (const owner of o?.owners ?? []) ownerStatus[owner.name] = (await deps.store.users.findById(owner.id))?.status ?? 'deleted';
    return sendPage(reply, query && !o ? 404 : status, adminPackagesPage(pageContext(deps, request, reply), { query, pkg: o ? { ...o, ownerStatus } : null, notice }));
  };

  web.get<{ Querystring: { name?: string; done?: string; after?: string; orphaned?: string } }>('/admin/packages', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const query = typeof request.query.name === 'string' && request.query.name.length <= 214 ? request.query.name.trim() : '';
    const done = request.query.done;
    if (query) return showPackage(request, reply, query, 200, done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : null);
    // No name: every package, a page at a time (as `tessera package list`), or the orphaned ones only.
    const after = request.query.after === undefined || request.query.after === '' ? undefined : request.query.after;
    if (after !== undefined && (typeof after !== 'string' || after.length > 214)) fail('BAD_REQUEST', 'after: a package name to list the packages after (at most 214 characters).');
    const orphaned = request.query.orphaned === '1';
    const list = await listPackagesPage(deps, { after, limit: PAGE, orphaned });
    return sendPage(reply, 200, adminPackagesPage(pageContext(deps, request, reply), { query, pkg: null, list: { ...list, orphaned, after: after ?? null }, notice: done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : null }));
  });

  web.post<{ Params: { action: string } }>('/admin/packages/:action', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const { action } = request.params;
    if (action !== 'unpublish' && action !== 'owner-add') fail('NOT_FOUND', 'There is no such action.');
    const form = formOf(request.body);
    const name = field(form, 'name').trim();
    let done: string;
    try {
      const actor = await adminActor(deps, await passkeyFormCtx(deps, request, form, `admin-${action}`));
      if (action === 'unpublish') {
        const version = field(form, 'version').trim();
        await adminUnpublish(deps, { spec: version ? `${name}@${version}` : name, reason: field(form, 'reason') }, actor);
        done = 'unpublished';
      } else {
        done = (await adminAddOwner(deps, name, field(form, 'user').trim(), actor)) ? 'owner-added' : 'owner-already';
      }
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return showPackage(request, reply, name, status, notice);
    }
    return redirect(reply, `${webBase(deps)}admin/packages?name=${encodeURIComponent(name)}&done=${done}`);
  });

  web.get<{ Querystring: { before?: string } }>('/admin/events', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const before = /^\d{1,15}$/.test(request.query.before ?? '') ? Number(request.query.before) : undefined;
    const events = await instanceLog(deps, { before, limit: PAGE + 1 });
    const next = events.length > PAGE ? events[PAGE - 1].id : null;
    return sendPage(reply, 200, adminEventsPage(pageContext(deps, request, reply), { events: events.slice(0, PAGE), next }));
  });

  web.get('/admin/proxy', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const on = deps.settings.proxy.upstreams.size > 0;
    return sendPage(reply, 200, adminProxyPage(pageContext(deps, request, reply), { on, blocks: await listBlocks(deps, null) }));
  });

  web.get<{ Params: { name: string }; Querystring: { done?: string } }>('/admin/users/:name', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const done = request.query.done;
    return showUser(request, reply, request.params.name, 200, done && Object.hasOwn(DONE, done) ? { kind: 'ok', text: DONE[done] } : null);
  });

  web.post<{ Params: { name: string; action: string } }>('/admin/users/:name/:action', async (request, reply) => {
    if (!admin(request, reply)) return reply;
    const { name, action } = request.params;
    const known = Object.hasOwn(ACTIONS, action) || action === 'password';
    if (!known) fail('NOT_FOUND', 'There is no such action.');
    const form = formOf(request.body);
    let done: string;
    try {
      if (!(await deps.store.users.findByName(name))) fail('NOT_FOUND', `There is no user named ${name}.`);
      const actor = await adminActor(deps, await passkeyFormCtx(deps, request, form, `admin-${action as keyof typeof ACTIONS | 'password'}`));
      if (action === 'password') {
        await setPassword(deps, name, field(form, 'password'), actor);
        done = 'password';
      } else {
        const a = ACTIONS[action as keyof typeof ACTIONS];
        await a.run(deps, name, actor);
        done = a.done;
      }
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return showUser(request, reply, name, status, notice);
    }
    return redirect(reply, `${webBase(deps)}admin/users/${encodeURIComponent(name)}?done=${done}`);
  });
}
