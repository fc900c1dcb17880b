// Organisation pages: your orgs and invitations (and creating one), an org (members and roles,
// teams and their packages, the 2FA requirement and who it locks out, the org's log), a team
// (members, packages). Every change is a form with the OTP field when the account has 2FA
// (org and team changes are account-security changes: an OTP in both 2FA modes).

import type { OrgInvitation, OrgRole } from '../../core/orgs/model.ts';
import type { orgPageView, teamPageView } from '../../core/orgs/views.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { confirmWith } from './confirm.ts';

type OrgView = Awaited<ReturnType<typeof orgPageView>>;
type TeamView = Awaited<ReturnType<typeof teamPageView>>;

const ROLES: OrgRole[] = ['owner', 'admin', 'developer'];

function roleSelect(id: string, current: OrgRole = 'developer'): SafeHtml {
  return html`<select id="${id}" name="role">${ROLES.map((r) => html`<option value="${r}"${r === current ? html` selected` : html``}>${r}</option>`)}</select>`;
}

export function orgsPage(page: PageContext, v: { orgs: Array<{ name: string; role: string }>; invitations: OrgInvitation[]; tfaOn: boolean; notice: Notice; name?: string }): SafeHtml {
  const accept = confirmWith(page, 'org-accept');
  const create = confirmWith(page, 'org-create');
  return layout(
    page,
    'Organizations',
    html`${notice(v.notice)}
<section aria-labelledby="mine">
  <h2 id="mine">Your organizations (${v.orgs.length})</h2>
  ${v.orgs.length === 0 ? html`<p>You are not a member of any organization.</p>` : html`<ul>${v.orgs.map((o) => html`<li><a href="${page.base}org/${o.name}">${o.name}</a> <span class="muted">(${o.role})</span></li>`)}</ul>`}
</section>
<section aria-labelledby="invites">
  <h2 id="invites">Invitations (${v.invitations.length})</h2>
  ${v.invitations.length === 0
    ? html`<p>No pending invitations.</p>`
    : v.invitations.map(
        (i) => html`<article class="card" aria-labelledby="inv-${i.orgName}">
  <h3 id="inv-${i.orgName}">${i.orgName} <span class="muted">as ${i.role}</span></h3>
  <p>Invited by ${i.invitedByName ?? 'a former member'} on ${when(i.createdAt)}${i.expiresAt ? html`; expires ${when(i.expiresAt)}` : html``}.</p>
  <form method="post" action="${page.base}orgs/accept"${accept.attrs}>${csrfField(page)}
    <input type="hidden" name="org" value="${i.orgName}">
    ${accept.fields(`acc-otp-${i.orgName}`, { show: v.tfaOn })}
    <button type="submit" aria-label="Accept the invitation to ${i.orgName}">Accept</button>
  </form>
  <form method="post" action="${page.base}orgs/decline">${csrfField(page)}
    <input type="hidden" name="org" value="${i.orgName}">
    <button type="submit" class="secondary" aria-label="Decline the invitation to ${i.orgName}">Decline</button>
  </form>
</article>`,
      )}
</section>
<section aria-labelledby="create">
  <h2 id="create">Create an organization</h2>
  <p class="hint">It owns the scope <code>@NAME</code>; the name cannot be a user's or a scope that already has packages. You become its owner.</p>
  <form method="post" action="${page.base}orgs"${create.attrs}>${csrfField(page)}
    <label for="org-name">Name</label>
    <input type="text" id="org-name" name="name" value="${v.name ?? ''}" required maxlength="214" autocomplete="off" spellcheck="false" autocapitalize="off">
    ${create.fields('org-otp', { show: v.tfaOn })}
    <button type="submit">Create organization</button>
  </form>
</section>`,
  );
}

function memberCard(page: PageContext, v: OrgView, m: OrgView['members'][number], tfaOn: boolean): SafeHtml {
  const owner = v.role === 'owner';
  const edit = confirmWith(page, 'org-member');
  const lockedOut = v.require_tfa && !m.tfa;
  return html`<article class="card" aria-labelledby="m-${m.name}">
  <h3 id="m-${m.name}">${m.name} <span class="muted">(${m.role})</span></h3>
  ${m.tfa === undefined ? html`` : html`<p>${m.tfa ? '2FA on' : html`<strong>${lockedOut ? 'No 2FA: locked out of managing the organization and writing its packages' : 'No 2FA'}</strong>`}</p>`}
  ${owner
    ? html`<form method="post" action="${page.base}org/${v.name}/members/edit"${edit.attrs}>${csrfField(page)}
    <input type="hidden" name="user" value="${m.name}">
    <label for="role-${m.name}">Role</label>${roleSelect(`role-${m.name}`, m.role)}
    ${edit.fields(`m-otp-${m.name}`, { show: tfaOn })}
    <button type="submit" name="action" value="role" class="secondary" aria-label="Change the role of ${m.name}">Change role</button>
    <button type="submit" name="action" value="remove" class="danger" aria-label="Remove ${m.name}">Remove</button>
  </form>`
    : html``}
</article>`;
}

export function orgPage(page: PageContext, v: OrgView, ui: { tfaOn: boolean; notice: Notice; preview?: string[] | null }): SafeHtml {
  const owner = v.role === 'owner';
  const manager = owner || v.role === 'admin';
  const invite = confirmWith(page, 'org-invite');
  const settings = confirmWith(page, 'org-settings');
  const team = confirmWith(page, 'org-team-create');
  return layout(
    page,
    `Organization ${v.name}`,
    html`${notice(ui.notice)}
<p>Scope <code>@${v.name}</code>. Your role: <strong>${v.role}</strong>.</p>
<section aria-labelledby="members">
  <h2 id="members">Members (${v.members.length})</h2>
  ${v.members.map((m) => memberCard(page, v, m, ui.tfaOn))}
  ${owner
    ? html`<h3 id="invite">Invite someone</h3>
  <p class="hint">They become a member once they accept (on their Organizations page). You are not told whether the account exists.</p>
  <form method="post" action="${page.base}org/${v.name}/members"${invite.attrs}>${csrfField(page)}
    <label for="inv-user">User name</label>
    <input type="text" id="inv-user" name="user" required maxlength="214" autocomplete="off" spellcheck="false" autocapitalize="off">
    <label for="inv-role">Role</label>${roleSelect('inv-role')}
    ${invite.fields('inv-otp', { show: ui.tfaOn })}
    <button type="submit">Invite</button>
  </form>`
    : html``}
</section>
<section aria-labelledby="tfa">
  <h2 id="tfa">Two-factor authentication requirement</h2>
  <p>Members must use 2FA: <strong>${v.require_tfa ? 'yes' : 'no'}</strong>.
  While it is on, a member without 2FA can neither write the organization's packages nor manage it, and invitations are accepted only with 2FA.</p>
  ${!owner
    ? html``
    : v.lockouts.length > 0
    ? html`<p id="lockouts">${v.require_tfa ? 'Locked out now' : 'Would be locked out if it were on'}: <strong>${v.lockouts.join(', ')}</strong>.</p>`
    : html`<p id="lockouts">Every member uses 2FA.</p>`}
  ${owner
    ? html`<form method="post" action="${page.base}org/${v.name}/settings"${settings.attrs}>${csrfField(page)}
    <input type="hidden" name="require_tfa" value="${v.require_tfa ? 'off' : 'on'}">
    ${ui.preview && ui.preview.length > 0 ? html`<p class="notice error" role="alert">Turning it on locks out ${ui.preview.join(', ')} until they enable 2FA. Confirm to go ahead.</p><input type="hidden" name="confirm" value="1">` : html``}
    ${settings.fields('tfa-otp', { show: ui.tfaOn })}
    <button type="submit">${v.require_tfa ? 'Stop requiring 2FA' : ui.preview && ui.preview.length > 0 ? 'Confirm: require 2FA' : 'Require 2FA'}</button>
  </form>
  <form method="post" action="${page.base}org/${v.name}/settings"${settings.attrs}>${csrfField(page)}
    <label for="dev-access">What the developers team gets on each new package</label>
    <select id="dev-access" name="developers_access">${(['read-write', 'read-only', 'none'] as const).map((a) => html`<option value="${a}"${(v.developers_access ?? 'none') === a ? html` selected` : html``}>${a}</option>`)}</select>
    ${settings.fields('dev-otp', { show: ui.tfaOn })}
    <button type="submit" class="secondary">Save</button>
  </form>`
    : html``}
</section>
<section aria-labelledby="teams">
  <h2 id="teams">Teams (${v.teams.length})</h2>
  ${v.teams.map(
    (t) => html`<article class="card" aria-labelledby="team-${t.name}">
  <h3 id="team-${t.name}"><a href="${page.base}org/${v.name}/team/${t.name}">${v.name}:${t.name}</a></h3>
  ${t.description ? html`<p>${t.description}</p>` : html``}
  <p>Members: ${t.members.length === 0 ? 'none' : t.members.join(', ')}</p>
  <p>Packages: ${t.packages.length === 0 ? 'none' : t.packages.map((p) => `${p.package} (${p.permission})`).join(', ')}</p>
</article>`,
  )}
  ${manager
    ? html`<h3 id="new-team">Create a team</h3>
  <form method="post" action="${page.base}org/${v.name}/teams"${team.attrs}>${csrfField(page)}
    <label for="team-name">Name</label>
    <input type="text" id="team-name" name="name" required maxlength="50" autocomplete="off" spellcheck="false" autocapitalize="off">
    <label for="team-desc">Description</label>
    <input type="text" id="team-desc" name="description" maxlength="1000" autocomplete="off">
    ${team.fields('team-otp', { show: ui.tfaOn })}
    <button type="submit">Create team</button>
  </form>`
    : html``}
</section>
${owner
  ? html`<section aria-labelledby="log">
  <h2 id="log">Recent changes</h2>
  ${v.log.length === 0
    ? html`<p>Nothing yet.</p>`
    : html`<div class="scroll"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Details</th></tr></thead>
    <tbody>${v.log.map((e) => html`<tr><td>${when(e.at)}</td><td>${e.actorName ?? 'administrator'}</td><td>${e.type}</td><td>${Object.entries(e.detail ?? {}).map(([k, x]) => `${k}: ${String(x)}`).join('; ')}</td></tr>`)}</tbody></table></div>`}
</section>`
  : html``}`,
  );
}

export function teamPage(page: PageContext, v: TeamView, ui: { tfaOn: boolean; notice: Notice }): SafeHtml {
  const manager = v.role === 'owner' || v.role === 'admin';
  const remove = confirmWith(page, 'team-member-remove');
  const add = confirmWith(page, 'team-member-add');
  const destroy = confirmWith(page, 'team-destroy');
  const base = `${page.base}org/${v.org}/team/${v.name}`;
  return layout(
    page,
    `Team ${v.org}:${v.name}`,
    html`${notice(ui.notice)}
<p><a href="${page.base}org/${v.org}">Back to ${v.org}</a></p>
${v.description ? html`<p>${v.description}</p>` : html``}
<section aria-labelledby="members">
  <h2 id="members">Members (${v.members.length})</h2>
  ${v.members.length === 0 ? html`<p>Nobody yet.</p>` : html``}
  <ul>${v.members.map(
    (m) => html`<li>${m}${manager
      ? html` <form method="post" action="${base}/members/remove" class="inline"${remove.attrs}>${csrfField(page)}
        <input type="hidden" name="user" value="${m}">${remove.fields(`trm-otp-${m}`, { show: ui.tfaOn })}
        <button type="submit" class="danger" aria-label="Remove ${m} from the team">Remove</button></form>`
      : html``}</li>`,
  )}</ul>
  ${manager && v.candidates.length > 0
    ? html`<form method="post" action="${base}/members"${add.attrs}>${csrfField(page)}
    <label for="add-user">Add a member of ${v.org}</label>
    <select id="add-user" name="user">${v.candidates.map((c) => html`<option value="${c}">${c}</option>`)}</select>
    ${add.fields('add-otp', { show: ui.tfaOn })}
    <button type="submit">Add to team</button>
  </form>`
    : html``}
</section>
<section aria-labelledby="packages">
  <h2 id="packages">Packages (${v.packages.length})</h2>
  ${v.packages.length === 0 ? html`<p>No packages yet (grant them with <code>npm access grant</code>).</p>` : html`<ul>${v.packages.map((p) => html`<li><a href="${page.base}package/${p.package}">${p.package}</a> (${p.permission})</li>`)}</ul>`}
</section>
${manager && v.name !== 'developers'
  ? html`<section aria-labelledby="destroy">
  <h2 id="destroy">Delete the team</h2>
  <form method="post" action="${base}/destroy"${destroy.attrs}>${csrfField(page)}
    ${destroy.fields('destroy-otp', { show: ui.tfaOn })}
    <button type="submit" class="danger">Delete ${v.org}:${v.name}</button>
  </form>
</section>`
  : html``}`,
  );
}
