// Form fields used on several pages, with the autocomplete hints password managers and
// phones rely on (username, current-password, new-password, one-time-code).

import { html, type SafeHtml } from '../layout.ts';

export function passwordField(id: string, label: string, autocomplete: 'current-password' | 'new-password', name = 'password'): SafeHtml {
  return html`<label for="${id}">${label}</label>
<input type="password" id="${id}" name="${name}" autocomplete="${autocomplete}" required maxlength="1024">`;
}

/**
 * The second-factor field of an account change: shown when the account has 2FA on. Accepts a
 * 6-digit code or a recovery code, so no numeric keyboard is forced.
 */
export function otpField(id: string, tfaOn: boolean, hint = 'The 6-digit code from your authenticator app, or a recovery code.'): SafeHtml {
  if (!tfaOn) return html``;
  return html`<label for="${id}">One-time password</label>
<input type="text" id="${id}" name="otp" autocomplete="one-time-code" spellcheck="false" autocapitalize="off" maxlength="128" aria-describedby="${id}-hint">
<p class="hint" id="${id}-hint">${hint}</p>`;
}

/** A secret shown once, with Copy (and optionally Download) buttons the script reveals. */
export function secretBox(id: string, value: string, label: string): SafeHtml {
  return html`<code class="secret" id="${id}" aria-label="${label}">${value}</code>
<button type="button" class="secondary" data-copy="${id}" hidden>Copy</button>`;
}
