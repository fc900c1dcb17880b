// The administration pages (docs/admin.md): users and what an administrator may do to them,
// the instance log, and the upstream proxy's blocked versions. Every action form carries a
// one-time-password field: each action needs the administrator's second factor.

import type { ProxyBlock } from '../../core/proxy/ports.ts';
import type { PackageListing } from '../../core/packages/admin.ts';
import type { PackageOverview, StoredSecurityEvent, User, UserStatus, UserSummary } from '../../core/ports.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import type { ConfirmAction } from '../confirm-actions.ts';
import { confirmWith } from './confirm.ts';
import { passwordField } from './fields.ts';

/** The administrator actions on a user (routes/admin.ts), each its own passkey-confirmed form. */
type AdminAction = ConfirmAction extends infer A ? (A extends `admin-${infer N}` ? N : never) : never;
import { packageHref } from './home.ts';

function adminNav(page: PageContext, here: 'users' | 'packages' | 'events' | 'proxy'): SafeHtml {
  const b = page.base;
  const link = (key: typeof here, href: string, text: string) =>
    key === here ? html`<a href="${b}${href}" aria-current="page">${text}</a>` : html`<a href="${b}${href}">${text}</a>`;
  return html`<nav aria-label="Administration" class="subnav">${link('users', 'admin', 'Users')} · ${link('packages', 'admin/packages', 'Packages')} · ${link('events', 'admin/events', 'Instance log')} · ${link('proxy', 'admin/proxy', 'Proxy')}</nav>`;
}

function detailText(d: Record<string, unknown> | undefined): string {
  return Object.entries(d ?? {})
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('; ');
}

export function adminUsersPage(page: PageContext, v: { users: UserSummary[]; next: string | null; notice: Notice }): SafeHtml {
  return layout(
    page,
    'Administration',
    html`${adminNav(page, 'users')}${notice(v.notice)}
<table class="stack" id="users"><thead><tr><th>User</th><th>Role</th><th>Status</th><th>2FA</th><th>Created</th><th>E-mail</th></tr></thead><tbody>
${v.users.map(
  (u) => html`<tr><td data-label="User"><a href="${page.base}admin/users/${encodeURIComponent(u.name)}">${u.name}</a></td><td data-label="Role">${u.admin ? 'administrator' : 'user'}</td><td data-label="Status">${u.status}</td><td data-label="2FA">${u.tfa ? 'on' : 'off'}</td><td data-label="Created">${when(u.createdAt)}</td><td data-label="E-mail">${u.email}</td></tr>`,
)}
</tbody></table>
${v.next !== null ? html`<p><a href="${page.base}admin?after=${encodeURIComponent(v.next)}">More users</a></p>` : html``}
<p class="hint">From the command line: <code>tessera user list / add / admin / disable / enable / delete / set-password / reset-2fa</code>.</p>`,
  );
}

/** One action: a form with the administrator's one-time password. */
function actionForm(page: PageContext, user: User, action: AdminAction, label: string, options: { danger?: boolean; extra?: SafeHtml; hint?: string } = {}): SafeHtml {
  const id = `otp-${action}`;
  const confirm = confirmWith(page, `admin-${action}`);
  return html`<form method="post" action="${page.base}admin/users/${encodeURIComponent(user.name)}/${action}" class="card" id="form-${action}"${confirm.attrs}>${csrfField(page)}
${options.hint ? html`<p>${options.hint}</p>` : html``}
${options.extra ?? html``}
${confirm.fields(id, { show: true, note: 'Every administrator action needs your own second factor.' })}
<button type="submit"${options.danger ? html` class="danger"` : html``}>${label}</button>
</form>`;
}

export function adminUserPage(page: PageContext, v: { user: User; self: boolean; packages: string[]; events: StoredSecurityEvent[]; notice: Notice }): SafeHtml {
  const u = v.user;
  const tfa = u.tfa && !u.tfa.pending ? u.tfa.mode : 'off';
  const actions: SafeHtml[] = [];
  if (u.status !== 'deleted') {
    if (u.status === 'active' && !v.self) actions.push(actionForm(page, u, 'disable', 'Disable', { hint: 'Refuses every token and session of the account at once, on every node; its packages stay readable.' }));
    if (u.status === 'disabled') actions.push(actionForm(page, u, 'enable', 'Enable', { hint: 'The account works again (its tokens other than sessions too).' }));
    if (!u.admin) actions.push(actionForm(page, u, 'grant-admin', 'Make administrator'));
    else if (!v.self) actions.push(actionForm(page, u, 'revoke-admin', 'Take the administrator role away'));
    if (tfa !== 'off') actions.push(actionForm(page, u, 'reset-2fa', 'Reset two-factor', { hint: 'For someone who lost their device and recovery codes: turns their second factor off and ends their sessions.' }));
    actions.push(actionForm(page, u, 'password', 'Set password', { extra: passwordField('new-password', 'New password', 'new-password'), hint: 'Ends their sessions.' }));
    if (!v.self) actions.push(actionForm(page, u, 'delete', 'Delete for good', { danger: true, hint: 'Deletes every token, the second factor and the password; the name stays reserved; packages stay readable, and those owned alone can no longer be published to.' }));
  }
  return layout(
    page,
    `User ${u.name}`,
    html`${adminNav(page, 'users')}${notice(v.notice)}
<dl class="facts">
  <dt>E-mail</dt><dd>${u.email}</dd>
  <dt>Role</dt><dd>${u.admin ? 'administrator' : 'user'}</dd>
  <dt>Status</dt><dd id="status">${u.status}</dd>
  <dt>Two-factor</dt><dd>${tfa}</dd>
  <dt>Created</dt><dd>${when(u.createdAt)}</dd>
  <dt>Packages</dt><dd>${v.packages.length ? v.packages.map((p, i) => html`${i > 0 ? ', ' : ''}<a href="${packageHref(page, p)}">${p}</a>`) : '—'}</dd>
</dl>
${actions.length ? html`<section aria-labelledby="actions"><h2 id="actions">Actions</h2>${actions}</section>` : html``}
<section aria-labelledby="log"><h2 id="log">Security log</h2>
<table class="stack" id="user-log"><thead><tr><th>Time</th><th>Event</th><th>Address</th><th>Details</th></tr></thead><tbody>
${v.events.map((e) => html`<tr><td data-label="Time">${when(e.at)}</td><td data-label="Event"><code>${e.type}</code></td><td data-label="Address">${e.ip ?? '—'}</td><td data-label="Details">${detailText(e.detail)}</td></tr>`)}
</tbody></table></section>`,
  );
}

export function adminEventsPage(page: PageContext, v: { events: Array<StoredSecurityEvent & { user: string }>; next: number | null }): SafeHtml {
  return layout(
    page,
    'Instance log',
    html`${adminNav(page, 'events')}
<p>Sign-in failures, lockouts, two-factor resets and administrator actions of every account, newest first. Times are UTC.</p>
<table class="stack" id="instance-log"><thead><tr><th>Time</th><th>User</th><th>Event</th><th>Address</th><th>Details</th></tr></thead><tbody>
${v.events.map(
  (e) => html`<tr><td data-label="Time">${when(e.at)}</td><td data-label="User"><a href="${page.base}admin/users/${encodeURIComponent(e.user)}">${e.user}</a></td><td data-label="Event"><code>${e.type}</code></td><td data-label="Address">${e.ip ?? '—'}</td><td data-label="Details">${detailText(e.detail)}</td></tr>`,
)}
</tbody></table>
${v.events.length === 0 ? html`<p>Nothing yet.</p>` : html``}
${v.next !== null ? html`<p><a href="${page.base}admin/events?before=${v.next}">Older events</a></p>` : html``}`,
  );
}

export function adminProxyPage(page: PageContext, v: { on: boolean; blocks: ProxyBlock[] }): SafeHtml {
  return layout(
    page,
    'Proxy',
    html`${adminNav(page, 'proxy')}
<p>${v.on ? html`The upstream registries, the names routed to each and how they fared: <a href="${page.base}upstreams">Upstreams</a>.` : html`The proxy is off (<code>upstream: none</code>).`}</p>
<h2>Blocked versions</h2>
<table class="stack" id="blocks"><thead><tr><th>Version</th><th>Blocked</th><th>By</th><th>Reason</th></tr></thead><tbody>
${v.blocks.map((b) => html`<tr><td data-label="Version"><code>${b.name}@${b.version}</code></td><td data-label="Blocked">${when(new Date(b.at).toISOString())}</td><td data-label="By">${b.by}</td><td data-label="Reason">${b.reason || '—'}</td></tr>`)}
</tbody></table>
${v.blocks.length === 0 ? html`<p>No version is blocked.</p>` : html``}
<p class="hint"><code>tessera proxy block NAME@VERSION --reason TEXT</code> hides a version; <code>tessera proxy unblock</code> lifts it (docs/proxy.md).</p>`,
  );
}

/** A package form (routes/admin.ts /admin/packages/ACTION) confirmed with the administrator's second factor. */
function packageForm(page: PageContext, name: string, action: 'unpublish' | 'owner-add', label: string, extra: SafeHtml, options: { danger?: boolean; hint?: string } = {}): SafeHtml {
  const confirm = confirmWith(page, `admin-${action}`);
  return html`<form method="post" action="${page.base}admin/packages/${action}" class="card" id="form-${action}"${confirm.attrs}>${csrfField(page)}
<input type="hidden" name="name" value="${name}">
${options.hint ? html`<p>${options.hint}</p>` : html``}
${extra}
${confirm.fields(`otp-${action}`, { show: true, note: 'Every administrator action needs your own second factor.' })}
<button type="submit"${options.danger ? html` class="danger"` : html``}>${label}</button>
</form>`;
}

/** One page of every package (core/packages/admin.ts listPackagesPage), or of the orphaned ones, with the link to the next. */
function packageList(page: PageContext, list: { packages: PackageListing[]; next: string | null; orphaned: boolean; after: string | null }): SafeHtml {
  const filter = list.orphaned ? '&orphaned=1' : '';
  const ownersOf = (p: PackageListing) =>
    p.org
      ? html`the organization ${p.org}`
      : p.owners.length
        ? p.owners.map((o, i) => html`${i > 0 ? ', ' : ''}<a href="${page.base}admin/users/${encodeURIComponent(o.name)}">${o.name}</a>${o.status === 'active' ? '' : ` (${o.status})`}`)
        : html`—`;
  const what = list.orphaned ? 'packages without an active owner' : 'packages';
  return html`<section aria-labelledby="all-packages"><h2 id="all-packages">${list.orphaned ? 'Packages without an active owner' : 'Every package'}${list.after !== null ? html`, after ${list.after}` : html``}</h2>
<p>${list.orphaned ? html`Nobody can publish to these until an administrator adds an owner (Add owner, on each package's page). An organization's packages are not among them: its teams decide who writes them. <a href="${page.base}admin/packages">Every package</a>` : html`<a href="${page.base}admin/packages?orphaned=1">Only those without an active owner</a>`}</p>
${list.packages.length
  ? html`<table class="stack" id="packages"><thead><tr><th>Package</th><th>Versions</th><th>Status</th><th>Last publish</th><th>Owners</th></tr></thead><tbody>
${list.packages.map(
  (p) => html`<tr><td data-label="Package"><a href="${page.base}admin/packages?name=${encodeURIComponent(p.name)}">${p.name}</a></td><td data-label="Versions">${p.versions.length}</td><td data-label="Status">${p.unpublished ? 'unpublished' : p.access}</td><td data-label="Last publish">${p.lastPublish ? when(p.lastPublish) : '—'}</td><td data-label="Owners">${ownersOf(p)}</td></tr>`,
)}
</tbody></table>`
  : html`<p id="packages-none">No ${what}${list.after !== null ? ' after these' : ''}.</p>`}
${list.next !== null || list.after !== null
  ? html`<p>${list.after !== null ? html`<a href="${page.base}admin/packages${list.orphaned ? '?orphaned=1' : ''}" id="packages-first">First page</a>` : html``}${list.after !== null && list.next !== null ? ' · ' : ''}${list.next !== null ? html`<a href="${page.base}admin/packages?after=${encodeURIComponent(list.next)}${filter}" id="packages-more">More ${what}</a>` : html``}</p>`
  : html``}
</section>`;
}

/**
 * Admin → Packages: find a package by name; for a found one its owners (with their account
 * status) and versions, and the forms to unpublish a version or the package and to add an owner.
 * Without a name: every package a page at a time (`list`), or only those without an active owner.
 */
export function adminPackagesPage(
  page: PageContext,
  v: {
    query: string;
    pkg: (PackageOverview & { ownerStatus: Record<string, UserStatus> }) | null;
    list?: { packages: PackageListing[]; next: string | null; orphaned: boolean; after: string | null };
    notice: Notice;
  },
): SafeHtml {
  const p = v.pkg;
  const owners = p
    ? p.org
      ? html`the organization ${p.org.name} (its teams decide)`
      : p.owners.map((o, i) => html`${i > 0 ? ', ' : ''}<a href="${page.base}admin/users/${encodeURIComponent(o.name)}">${o.name}</a>${v.pkg!.ownerStatus[o.name] === 'active' ? '' : ` (${v.pkg!.ownerStatus[o.name] ?? 'deleted'})`}`)
    : html``;
  const reason = html`<label for="reason-unpublish">Reason (kept in the instance log)</label><input type="text" id="reason-unpublish" name="reason" required maxlength="500">`;
  const details = p
    ? html`<dl class="facts" id="package">
  <dt>Package</dt><dd><a href="${packageHref(page, p.name)}">${p.name}</a></dd>
  <dt>Status</dt><dd>${p.unpublished ? 'unpublished' : p.access}</dd>
  <dt>Owners</dt><dd id="owners">${owners}</dd>
  <dt>Versions</dt><dd id="versions">${p.versions.length ? p.versions.map((x, i) => html`${i > 0 ? ', ' : ''}${x.version}`) : '—'}</dd>
</dl>
${p.unpublished
  ? html``
  : html`<section aria-labelledby="actions"><h2 id="actions">Actions</h2>
${packageForm(page, p.name, 'unpublish', 'Unpublish', html`<label for="version-unpublish">Version (empty: the whole package)</label><select id="version-unpublish" name="version"><option value="">the whole package</option>${p.versions.map((x) => html`<option>${x.version}</option>`)}</select>${reason}`, { danger: true, hint: 'Unpublished versions can never be published again.' })}
${p.org ? html`` : packageForm(page, p.name, 'owner-add', 'Add owner', html`<label for="user-owner-add">User (an active account)</label><input type="text" id="user-owner-add" name="user" required maxlength="214">`, { hint: 'Rescues a package whose owners left; tessera package owner rm removes one.' })}
</section>`}`
    : html``;
  return layout(
    page,
    'Packages',
    html`${adminNav(page, 'packages')}${notice(v.notice)}
<form method="get" action="${page.base}admin/packages" class="card" role="search"><label for="package-name">Package name</label><input type="search" id="package-name" name="name" value="${v.query}" required maxlength="214"><button type="submit">Find</button></form>
${details}${v.list ? packageList(page, v.list) : html``}
<p class="hint">From the command line: <code>tessera package list [--orphaned] / unpublish NAME[@VERSION] --reason TEXT / owner add / owner rm</code> (docs/admin.md).</p>`,
  );
}
