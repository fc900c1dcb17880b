// Access tokens: the list (prefix, created, last used, CIDR, permissions, expiry), creation
// with the options of `npm token create`, the new token shown once, and revocation.

import type { tokenView } from '../../core/tokens/manage-tokens.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { confirmWith } from './confirm.ts';
import { passwordField, secretBox } from './fields.ts';

type TokenView = ReturnType<typeof tokenView>;

function permissions(t: TokenView): string {
  const what = t.type === 'legacy' ? 'everything you may do' : t.packages_all ? 'all packages' : [...t.packages, ...t.scopes].join(', ');
  const access = t.type === 'legacy' ? (t.readonly ? 'read-only' : 'read-write') : t.packages_and_scopes_permission;
  return `${access}: ${what}${t.bypass_2fa ? '; bypasses 2FA' : ''}`;
}

function tokenRow(page: PageContext, t: TokenView, tfaOn: boolean): SafeHtml {
  const id = t.key.slice(0, 12);
  const confirm = confirmWith(page, 'token-revoke');
  return html`<article class="card" aria-labelledby="t-${id}">
  <h3 id="t-${id}">${t.name ?? t.token} <span class="muted">(${t.type})</span></h3>
  <dl class="facts">
    <dt>Token</dt><dd><code>${t.token}…</code></dd>
    <dt>Id</dt><dd><code>${t.key.slice(0, 6)}</code></dd>
    ${t.description ? html`<dt>Description</dt><dd>${t.description}</dd>` : html``}
    <dt>Permissions</dt><dd>${permissions(t)}</dd>
    <dt>Allowed from</dt><dd>${t.cidr_whitelist ? t.cidr_whitelist.join(', ') : 'anywhere'}</dd>
    <dt>Created</dt><dd>${when(t.created)}</dd>
    <dt>Last used</dt><dd>${t.last_used ? when(t.last_used) : 'never'}</dd>
    <dt>Expires</dt><dd>${t.expires ? when(t.expires) : 'never'}</dd>
  </dl>
  <form method="post" action="${page.base}tokens/revoke"${confirm.attrs}>${csrfField(page)}
    <input type="hidden" name="key" value="${t.key}">
    ${confirm.fields(`revoke-otp-${id}`, { show: tfaOn })}
    <button type="submit" class="danger" aria-label="Revoke ${t.name ?? t.token}">Revoke</button>
  </form>
</article>`;
}

export interface TokenFormValues {
  name: string;
  description: string;
  permission: string;
  coverage: string;
  packages: string;
  scopes: string;
  expires: string;
  cidr: string;
  bypass2fa: boolean;
}

export const emptyTokenForm: TokenFormValues = {
  name: '',
  description: '',
  permission: 'read-only',
  coverage: 'all',
  packages: '',
  scopes: '',
  expires: '',
  cidr: '',
  bypass2fa: false,
};

function checked(on: boolean): SafeHtml {
  return on ? html` checked` : html``;
}

function createForm(page: PageContext, f: TokenFormValues, tfaOn: boolean, limits: { writeDays: number; writeMaxDays: number; readDays: number; readMaxDays: number }): SafeHtml {
  const confirm = confirmWith(page, 'token-create');
  return html`<form method="post" action="${page.base}tokens"${confirm.attrs}>${csrfField(page)}
  <label for="tk-name">Name</label>
  <input type="text" id="tk-name" name="name" value="${f.name}" maxlength="100" autocomplete="off">
  <label for="tk-desc">Description</label>
  <input type="text" id="tk-desc" name="description" value="${f.description}" maxlength="1000" autocomplete="off">
  <fieldset><legend>Permission</legend>
    <label class="choice"><input type="radio" name="permission" value="read-only"${checked(f.permission !== 'read-write')}> read-only (install)</label>
    <label class="choice"><input type="radio" name="permission" value="read-write"${checked(f.permission === 'read-write')}> read-write (publish)</label>
  </fieldset>
  <fieldset><legend>Packages</legend>
    <label class="choice"><input type="radio" name="coverage" value="all"${checked(f.coverage !== 'some')}> all packages (--packages-all)</label>
    <label class="choice"><input type="radio" name="coverage" value="some"${checked(f.coverage === 'some')}> only these packages and scopes:</label>
    <label for="tk-packages">Packages</label>
    <input type="text" id="tk-packages" name="packages" value="${f.packages}" placeholder="my-package, @me/util" autocomplete="off" spellcheck="false">
    <label for="tk-scopes">Scopes</label>
    <input type="text" id="tk-scopes" name="scopes" value="${f.scopes}" placeholder="@me" autocomplete="off" spellcheck="false">
  </fieldset>
  <label for="tk-expires">Expires after (days)</label>
  <input type="number" id="tk-expires" name="expires" value="${f.expires}" min="1" max="${limits.readMaxDays}" inputmode="numeric">
  <p class="hint">Default ${limits.readDays} days for read-only tokens (at most ${limits.readMaxDays}), ${limits.writeDays} for read-write (at most ${limits.writeMaxDays}).</p>
  <label for="tk-cidr">Allowed networks (CIDR)</label>
  <input type="text" id="tk-cidr" name="cidr" value="${f.cidr}" placeholder="10.0.0.0/8, 192.168.1.0/24" autocomplete="off" spellcheck="false">
  <p class="hint">Leave empty to allow any address. Separate ranges with commas.</p>
  <label class="choice"><input type="checkbox" name="bypass_2fa" value="1"${checked(f.bypass2fa)}> Publish without a one-time password (bypass 2FA; read-write only)</label>
  ${passwordField('tk-password', 'Your password', 'current-password')}
  ${confirm.fields('tk-otp', { show: tfaOn })}
  <button type="submit">Create token</button>
</form>`;
}

export function tokensPage(
  page: PageContext,
  v: { tokens: TokenView[]; tfaOn: boolean; notice: Notice; form: TokenFormValues; limits: { writeDays: number; writeMaxDays: number; readDays: number; readMaxDays: number } },
): SafeHtml {
  return layout(
    page,
    'Access tokens',
    html`${notice(v.notice)}
<section aria-labelledby="list">
  <h2 id="list">Your tokens (${v.tokens.length})</h2>
  ${v.tokens.length === 0 ? html`<p>You have no tokens. Sign-in sessions of npm login are not listed here.</p>` : v.tokens.map((t) => tokenRow(page, t, v.tfaOn))}
</section>
<section aria-labelledby="create">
  <h2 id="create">Create a token</h2>
  ${createForm(page, v.form, v.tfaOn, v.limits)}
</section>`,
  );
}

export function tokenCreatedPage(page: PageContext, t: TokenView & { token: string }): SafeHtml {
  return layout(
    page,
    'Your new token',
    html`<p class="notice ok" role="status">Token ${t.name ?? ''} created. <strong>Copy it now: it is shown only once.</strong></p>
${secretBox('new-token', t.token, 'The new token')}
<dl class="facts">
  <dt>Permissions</dt><dd>${permissions(t)}</dd>
  <dt>Allowed from</dt><dd>${t.cidr_whitelist ? t.cidr_whitelist.join(', ') : 'anywhere'}</dd>
  <dt>Expires</dt><dd>${when(t.expires)}</dd>
</dl>
<p>Use it in an <code>.npmrc</code> as <code>//HOST/:_authToken=TOKEN</code>, or in CI as <code>NPM_TOKEN</code>.</p>
<p><a href="${page.base}tokens">Back to your tokens</a></p>`,
  );
}
