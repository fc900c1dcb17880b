// Two-factor authentication: turn on (QR code + secret, confirm with a code), recovery codes
// shown once, mode change, new recovery codes, turn off.

import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml } from '../layout.ts';
import { confirmWith } from './confirm.ts';
import { passwordField } from './fields.ts';

export type TfaStatus =
  | { state: 'off' }
  | { state: 'pending'; mode: string }
  /** `passkeys`: the account has some (forms may be confirmed with one); `totp`: an authenticator app. */
  | { state: 'on'; mode: string; recoveryLeft: number; webApproval: boolean; passkeys?: boolean; totp?: boolean };

const MODE_TEXT: Record<string, string> = {
  'auth-and-writes': 'Sign-in, account changes and every package change (publish, dist-tags, owners…)',
  'auth-only': 'Sign-in and account changes only',
};

function modeChoices(current: string): SafeHtml {
  return html`<fieldset><legend>When to ask for a code</legend>
${['auth-and-writes', 'auth-only'].map(
  (m) => html`<label class="choice"><input type="radio" name="mode" value="${m}"${m === current ? html` checked` : html``}> <span><strong>${m}</strong>: ${MODE_TEXT[m]}</span></label>`,
)}
</fieldset>`;
}

/** The actions of the page whose form may be shown open (after a refused attempt). */
export type TfaAction = 'mode' | 'codes' | 'approval' | 'off';

/**
 * One action of the page, folded: its password and code fields show only when the person
 * opens it, so the page asks for them once, for the action chosen (issue #20 item 6).
 */
function action(id: TfaAction, title: string, summary: string, open: boolean, body: SafeHtml): SafeHtml {
  return html`<details class="action" id="action-${id}"${open ? html` open` : html``}>
  <summary><span class="action-title">${title}</span> <span class="muted">${summary}</span></summary>
  <div class="action-body">${body}</div>
</details>`;
}

export function twoFactorPage(page: PageContext, v: { status: TfaStatus; notice: Notice; open?: TfaAction | null }): SafeHtml {
  const b = page.base;
  const s = v.status;
  let body: SafeHtml;
  if (s.state === 'on') {
    // With passkeys, each form is confirmed with one unless a code is typed (confirm.ts, passkeys.js).
    const mode = confirmWith(page, '2fa-mode');
    const codes = confirmWith(page, '2fa-codes');
    const approval = confirmWith(page, '2fa-approval');
    const off = confirmWith(page, '2fa-off');
    const factors = s.passkeys ? (s.totp === false ? 'passkeys' : 'passkeys and an authenticator app') : 'an authenticator app';
    const removesApp = s.passkeys && s.totp !== false;
    body = html`<section aria-labelledby="status" class="status-card">
  <h2 id="status">Status</h2>
  <p>Two-factor authentication is <strong>on</strong>, mode <strong>${s.mode}</strong>: ${MODE_TEXT[s.mode] ?? ''}.</p>
  <dl class="facts">
    <dt>Your factors</dt><dd>${factors} (<a href="${b}passkeys">passkeys</a>)</dd>
    <dt>Recovery codes</dt><dd><strong id="recovery-left">${s.recoveryLeft}</strong> unused</dd>
    <dt>Browser approval</dt><dd>${s.webApproval ? 'Offered to npm commands' : 'Off'}</dd>
  </dl>
</section>
<section aria-labelledby="manage">
  <h2 id="manage">Change</h2>
  <p class="hint">Each change asks for your password and ${s.passkeys ? 'your passkey or a code' : 'a code'} once, when you make it.</p>
  ${action(
    'mode',
    'Change mode',
    'when npm asks for a code',
    v.open === 'mode',
    html`<form method="post" action="${b}2fa/mode"${mode.attrs}>${csrfField(page)}
    ${modeChoices(s.mode)}
    ${passwordField('mode-password', 'Password', 'current-password')}
    ${mode.fields('mode-otp', { show: true })}
    <button type="submit">Change mode</button>
  </form>`,
  )}
  ${action(
    'codes',
    'New recovery codes',
    'a new set of 10; the old ones stop working',
    v.open === 'codes',
    html`<form method="post" action="${b}2fa/recovery-codes"${codes.attrs}>${csrfField(page)}
    ${passwordField('codes-password', 'Password', 'current-password')}
    ${codes.fields('codes-otp', { show: true })}
    <button type="submit">Make new recovery codes</button>
  </form>`,
  )}
  ${action(
    'approval',
    'Approve command-line changes in the browser',
    s.webApproval ? 'on' : 'off',
    v.open === 'approval',
    html`<p>When on, npm commands that need your second factor (and can open a browser) show a link to
  approve them here instead of asking "Enter OTP:". Off by default; <code>--otp</code> always works.</p>
  <form method="post" action="${b}2fa/web-approval"${approval.attrs}>${csrfField(page)}
    <label class="choice"><input type="checkbox" name="enabled" id="web-approval" ${s.webApproval ? html`checked` : html``}> <span>Offer browser approval</span></label>
    ${approval.fields('approval-otp', { show: true })}
    <button type="submit">Save</button>
  </form>`,
  )}
  ${action(
    'off',
    removesApp ? 'Remove the authenticator app' : 'Turn off',
    removesApp ? 'two-factor stays on with your passkeys' : 'your other sessions end',
    v.open === 'off',
    html`<p>Your other sessions end. Packages that require two-factor authentication will refuse your changes.</p>
  ${removesApp ? html`<p>With passkeys registered this removes only the authenticator app: two-factor stays on with your passkeys.</p>` : html``}
  <form method="post" action="${b}2fa/disable"${off.attrs}>${csrfField(page)}
    ${passwordField('off-password', 'Password', 'current-password')}
    ${off.fields('off-otp', { show: true })}
    <button type="submit" class="danger">${removesApp ? 'Remove the authenticator app' : 'Turn off two-factor authentication'}</button>
  </form>`,
  )}
</section>
`;
  } else {
    const pending =
      s.state === 'pending'
        ? html`<p class="notice error">A set-up was started (mode ${s.mode}) but never confirmed with a code, so it is not in force. Start again below, or cancel it.</p>
<form method="post" action="${b}2fa/disable" class="card">${csrfField(page)}
  ${passwordField('cancel-password', 'Password', 'current-password')}
  <button type="submit" class="secondary">Cancel the set-up</button>
</form>`
        : html`<p>Two-factor authentication is <strong>off</strong>. With it on, signing in and changes need a code from an authenticator app as well as your password.</p>`;
    body = html`${pending}
<section aria-labelledby="on">
  <h2 id="on">Turn on</h2>
  <form method="post" action="${b}2fa/enable">${csrfField(page)}
    ${modeChoices(s.state === 'pending' ? s.mode : 'auth-and-writes')}
    ${passwordField('on-password', 'Password', 'current-password')}
    <button type="submit">Continue</button>
  </form>
</section>`;
  }
  const passkeys = html`<section aria-labelledby="passkeys">
  <h2 id="passkeys">Passkeys and security keys</h2>
  <p>Phishing-resistant: a passkey or security key works only on this site. Use one instead of, or as well as, the authenticator app. <a href="${b}passkeys">Manage passkeys</a></p>
</section>`;
  return layout(page, 'Two-factor authentication', html`${notice(v.notice)}${body}${passkeys}`);
}

export function setupPage(page: PageContext, v: { otpauth: string; qr: string; secret: string; notice: Notice }): SafeHtml {
  return layout(
    page,
    'Set up your authenticator',
    html`${notice(v.notice)}
<ol>
  <li>Scan this code with an authenticator app (or <a href="${v.otpauth}">open it in the app</a> on this device):
    <img class="qr" src="${v.qr}" alt="QR code of the authenticator set-up; the secret is also given as text below" width="220" height="220"></li>
  <li>Or type the secret by hand:
    <code class="secret" id="totp-secret">${v.secret}</code></li>
  <li>Enter the 6-digit code the app shows to confirm.</li>
</ol>
<form method="post" action="${page.base}2fa/confirm" class="card">${csrfField(page)}
  <input type="hidden" name="otpauth" value="${v.otpauth}">
  <label for="code">Code from your authenticator app</label>
  <input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus>
  <button type="submit">Confirm</button>
</form>`,
  );
}

export function recoveryCodesPage(page: PageContext, codes: string[], fresh: 'enabled' | 'regenerated' | 'passkey'): SafeHtml {
  return layout(
    page,
    'Your recovery codes',
    html`<p class="notice ok" role="status">${fresh === 'enabled' ? 'Two-factor authentication is on.' : fresh === 'passkey' ? 'Your passkey is registered and two-factor authentication is on.' : 'You have a new set of recovery codes; the old ones no longer work.'}</p>
<p><strong>Save these codes now: they are shown only once.</strong> Each one signs you in, or confirms a change, once, if you lose your authenticator${fresh === 'passkey' ? ' or passkeys' : ''}.</p>
<ol class="codes secret" id="recovery-codes">${codes.map((c) => html`<li>${c}</li>`)}</ol>
<button type="button" class="secondary" data-copy="recovery-codes" hidden>Copy</button>
<button type="button" class="secondary" data-download="recovery-codes" data-filename="${page.registryName.replace(/[^A-Za-z0-9_-]/g, '_')}-recovery-codes.txt" hidden>Download</button>
<p><a href="${page.base}${fresh === 'passkey' ? 'passkeys' : '2fa'}">I have saved them</a></p>`,
  );
}
