// Passkeys and security keys: the list (name, added, last used, synced), adding one, renaming
// and removing (with the second factor), and the passkey button other pages use (sign-in,
// approval of a command-line change). The ceremonies run in static/passkeys.js.

import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import type { Passkey } from '../../core/ports.ts';
import { otpField, passwordField } from './fields.ts';

/** A key icon (inline SVG: no font or image request), hidden from screen readers. */
export const keyIcon = html`<svg class="icon" aria-hidden="true" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><circle cx="7.5" cy="15.5" r="4.5"/><path d="M10.7 12.3 21 2M16 7l3 3M14 9l2 2"/></svg>`;

/**
 * The two scripts a page with a passkey form loads (deferred, in order: the library first):
 * marks the page so that its layout loads them once, however many forms ask.
 */
export function passkeyScripts(page: PageContext): SafeHtml {
  page.passkeyForms = true;
  return html``;
}

/**
 * A form that answers with a passkey: passkeys.js fetches the options from `optionsUrl`,
 * asks the browser, fills `assertion` and submits to `action`.
 */
export function passkeyForm(page: PageContext, v: { id: string; action: string; optionsUrl: string; label: string; hidden?: Record<string, string>; secondary?: boolean }): SafeHtml {
  return html`<form method="post" action="${v.action}" id="${v.id}" data-passkey="get" data-get-options="${v.optionsUrl}">${csrfField(page)}
  ${Object.entries(v.hidden ?? {}).map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
  <input type="hidden" name="assertion" value="">
  <p class="notice error" role="alert" data-passkey-error hidden></p>
  <button type="submit"${v.secondary ? html` class="secondary"` : html``}>${keyIcon} ${v.label}</button>
</form>`;
}

/** Why passkeys cannot be added here, or null. */
export type PasskeyAvailability = null | 'ip-url' | 'policy-totp';

const UNAVAILABLE: Record<Exclude<PasskeyAvailability, null>, string> = {
  'ip-url':
    'Passkeys are off on this registry: its public address is an IP address, and browsers tie passkeys to a host name. An administrator can turn them on by setting `url` to a host name (for example http://localhost:4873/ or https://npm.example.com/).',
  'policy-totp': 'This registry accepts only authenticator apps for new two-factor set-ups.',
};

export interface PasskeysView {
  keys: Passkey[];
  /** 2FA state: off, or on with which factors. */
  tfa: 'off' | 'totp' | 'passkeys' | 'both';
  unavailable: PasskeyAvailability;
  notice: Notice;
}

function keyRow(page: PageContext, k: Passkey, v: PasskeysView): SafeHtml {
  const b = page.base;
  const id = encodeURIComponent(k.id);
  const hasCode = v.tfa === 'totp' || v.tfa === 'both';
  return html`<tr>
  <td data-label="Name"><strong class="passkey-name">${k.name}</strong></td>
  <td data-label="Added">${when(k.createdAt)}</td>
  <td data-label="Last used">${k.lastUsedAt ? when(k.lastUsedAt) : 'never'}</td>
  <td data-label="Kind">${k.multiDevice ? html`<span class="badge">${k.backedUp ? 'synced passkey' : 'passkey, not backed up yet'}</span>` : html`<span class="badge">this device or key only</span>`}</td>
  <td data-label="Actions">
    <details><summary>Rename</summary>
      <form method="post" action="${b}passkeys/${id}/rename">${csrfField(page)}
        <label for="rename-${k.id}">New name</label>
        <input type="text" id="rename-${k.id}" name="name" value="${k.name}" maxlength="64" required>
        <button type="submit" class="secondary">Rename</button>
      </form>
    </details>
    <details><summary>Remove</summary>
      <p class="hint">Confirm with one of your passkeys${hasCode ? ', a code from your authenticator app' : ''} or a recovery code.</p>
      ${passkeyForm(page, { id: `remove-${k.id}`, action: `${b}passkeys/${id}/remove`, optionsUrl: `${b}passkeys/assert-options?action=${encodeURIComponent(`remove:${k.id}`)}`, label: 'Remove with a passkey', secondary: true })}
      <form method="post" action="${b}passkeys/${id}/remove">${csrfField(page)}
        ${otpField(`remove-otp-${k.id}`, true, hasCode ? 'The 6-digit code from your authenticator app, or a recovery code.' : 'One of your recovery codes.')}
        <button type="submit" class="danger">Remove</button>
      </form>
    </details>
  </td>
</tr>`;
}

export function passkeysPage(page: PageContext, v: PasskeysView): SafeHtml {
  const b = page.base;
  const list =
    v.keys.length === 0
      ? html`<p class="muted" id="no-passkeys">No passkeys or security keys yet.</p>`
      : html`<table class="stack" id="passkeys"><thead><tr><th>Name</th><th>Added</th><th>Last used</th><th>Kind</th><th></th></tr></thead>
<tbody>${v.keys.map((k) => keyRow(page, k, v))}</tbody></table>`;
  const first = v.tfa === 'off';
  const steps = v.tfa === 'passkeys' ? 'get create' : 'create';
  const add = v.unavailable
    ? html`<p class="notice error" id="passkeys-unavailable">${UNAVAILABLE[v.unavailable]}</p>`
    : html`<form method="post" action="${b}passkeys" id="add-passkey" data-passkey="${steps}" data-create-options="${b}passkeys/options" data-get-options="${b}passkeys/assert-options?action=add-passkey">${csrfField(page)}
  <label for="passkey-name">Name</label>
  <input type="text" id="passkey-name" name="name" maxlength="64" required placeholder="e.g. YubiKey 5, MacBook Touch ID" aria-describedby="passkey-name-hint">
  <p class="hint" id="passkey-name-hint">So you can tell your keys apart later.</p>
  ${first
    ? html`<fieldset><legend>When to ask for your passkey</legend>
    <label class="choice"><input type="radio" name="mode" value="auth-and-writes" checked> <span><strong>auth-and-writes</strong>: sign-in, account changes and every package change (recommended)</span></label>
    <label class="choice"><input type="radio" name="mode" value="auth-only"> <span><strong>auth-only</strong>: sign-in and account changes only</span></label>
  </fieldset>`
    : html``}
  ${passwordField('passkey-password', 'Password', 'current-password')}
  ${v.tfa === 'totp' || v.tfa === 'both' ? otpField('passkey-otp', true) : html``}
  ${v.tfa === 'passkeys' ? html`<p class="hint">You will confirm with one of your passkeys first, then create the new one.</p>` : html``}
  <input type="hidden" name="response" value="">
  <input type="hidden" name="assertion" value="">
  <p class="notice error" role="alert" data-passkey-error hidden></p>
  <button type="submit">${keyIcon} Add a passkey</button>
</form>`;
  return layout(
    page,
    'Passkeys and security keys',
    html`${notice(v.notice)}
<p class="lead">A passkey (Touch ID, Windows Hello, a phone, a password manager) or a security key (YubiKey and the like) signs each sign-in with a key that never leaves it, and only for this site: a look-alike page cannot use it, unlike a code you type.</p>
<p>Two-factor authentication is <strong id="tfa-state">${v.tfa === 'off' ? 'off' : 'on'}</strong>${v.tfa === 'off' ? html`: your first passkey turns it on.` : v.tfa === 'passkeys' ? html`, with passkeys only. Command-line changes are approved in the browser.` : v.tfa === 'both' ? html`, with passkeys and an authenticator app.` : html`, with an authenticator app. <a href="${b}2fa">Manage it</a>.`}</p>
<section aria-labelledby="yours"><h2 id="yours">Your passkeys</h2>${list}</section>
<section aria-labelledby="add"><h2 id="add">Add a passkey or security key</h2>${add}</section>
${passkeyScripts(page)}`,
  );
}
