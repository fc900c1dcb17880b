// Sign-in (password, then a one-time password or a recovery code) and sign-up.

import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml } from '../layout.ts';
import { passwordField } from './fields.ts';
import { passkeyForm, passkeyScripts } from './passkeys.ts';

function userNameField(value: string): SafeHtml {
  return html`<label for="name">User name</label>
  <input type="text" id="name" name="name" value="${value}" autocomplete="username" autocapitalize="off" spellcheck="false" required maxlength="214" autofocus>`;
}

export function loginPage(page: PageContext, v: { name: string; next: string; notice: Notice; signupOpen: boolean; passkeys?: boolean }): SafeHtml {
  return layout(
    page,
    'Sign in',
    html`${notice(v.notice)}
<form method="post" action="${page.base}login" class="card">
  ${csrfField(page)}
  <input type="hidden" name="next" value="${v.next}">
  ${userNameField(v.name)}
  ${passwordField('password', 'Password', 'current-password')}
  <button type="submit">Sign in</button>
</form>
${v.passkeys
  ? html`<p class="or">or</p>
<div class="card">
${passkeyForm(page, { id: 'passwordless', action: `${page.base}login/passwordless`, optionsUrl: `${page.base}login/passwordless/options`, label: 'Sign in with a passkey', hidden: { next: v.next }, secondary: true })}
<p class="hint">No password needed: your passkey (with its PIN, fingerprint or face) proves it is you.</p>
</div>
${passkeyScripts(page)}`
  : html``}
${v.signupOpen ? html`<p>No account yet? <a href="${page.base}signup?next=${encodeURIComponent(v.next)}">Create one</a>.</p>` : html``}`,
  );
}

export function otpPage(page: PageContext, v: { name: string; notice: Notice; passkeys?: boolean; codes?: boolean }): SafeHtml {
  const passkey = v.passkeys
    ? html`<div class="card">
${passkeyForm(page, { id: 'login-passkey', action: `${page.base}login/passkey`, optionsUrl: `${page.base}login/passkey/options`, label: 'Use your passkey' })}
<p class="hint">Your security key or passkey confirms it is you.</p>
</div>
${passkeyScripts(page)}
${v.codes !== false ? html`<p class="or">or</p>` : html``}`
    : html``;
  const code =
    v.codes === false
      ? html``
      : html`<form method="post" action="${page.base}login/otp" class="card">
  ${csrfField(page)}
  <label for="otp">Code from your authenticator app</label>
  <input type="text" id="otp" name="otp" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" spellcheck="false" required${v.passkeys ? html`` : html` autofocus`} aria-describedby="otp-hint">
  <p class="hint" id="otp-hint">6 digits, renewed every 30 seconds.</p>
  <button type="submit">Verify</button>
</form>`;
  return layout(
    page,
    'Two-factor authentication',
    html`${notice(v.notice)}
<p>Signing in as <strong>${v.name}</strong>.</p>
${passkey}${code}
<details class="card">
  <summary>Use a recovery code instead</summary>
  <form method="post" action="${page.base}login/otp">
    ${csrfField(page)}
    <label for="recovery">Recovery code</label>
    <input type="text" id="recovery" name="recovery" autocomplete="off" spellcheck="false" autocapitalize="off" maxlength="128" required aria-describedby="recovery-hint">
    <p class="hint" id="recovery-hint">One of the 64-character codes you saved when you turned on two-factor authentication. Each works once.</p>
    <button type="submit">Verify recovery code</button>
  </form>
</details>
<p><a href="${page.base}login">Start again</a></p>`,
  );
}

export function signupPage(page: PageContext, v: { name: string; email: string; next: string; notice: Notice }): SafeHtml {
  return layout(
    page,
    'Create an account',
    html`${notice(v.notice)}
<form method="post" action="${page.base}signup" class="card">
  ${csrfField(page)}
  <input type="hidden" name="next" value="${v.next}">
  ${userNameField(v.name)}
  <label for="email">E-mail</label>
  <input type="email" id="email" name="email" value="${v.email}" autocomplete="email" required maxlength="254">
  ${passwordField('password', 'Password', 'new-password')}
  <p class="hint">At least 15 characters. A few unrelated words make a good one.</p>
  ${passwordField('password2', 'Password again', 'new-password', 'password2')}
  <button type="submit">Create account</button>
</form>`,
  );
}
