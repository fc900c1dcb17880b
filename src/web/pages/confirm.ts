// A form confirmed with the signed-in account's second factor: the code field (a TOTP code or
// a recovery code) and, when the account has passkeys, the passkey instead (passkeys.js asks
// the browser for one on submit unless a code was typed). One helper for every such form, so
// an account whose only factors are passkeys never has to spend a recovery code on the web.

import type { ConfirmAction } from '../confirm-actions.ts';
import { html, type PageContext, type SafeHtml } from '../layout.ts';
import { otpField } from './fields.ts';

export interface Confirm {
  /** Attributes for the <form> tag (empty without passkeys). */
  attrs: SafeHtml;
  /**
   * The second-factor fields: the code field with its hint, and with passkeys the hidden
   * `assertion` field and the error line. `show` (default: two-factor is on) shows the code
   * field even without a factor (an action that needs one says so when refused); `note` is a
   * sentence before the hint.
   */
  fields: (id: string, options?: { show?: boolean; note?: string }) => SafeHtml;
}

/**
 * The parts of a form confirmed with the second factor, for `action` (the route checks the
 * answer with passkeyFormCtx and the same action). Marks the page so that its layout loads
 * the passkey scripts once.
 */
export function confirmWith(page: PageContext, action: ConfirmAction): Confirm {
  const f = page.factors ?? null;
  const passkeys = f?.passkeys === true;
  if (passkeys) page.passkeyForms = true;
  const attrs = passkeys ? html` data-passkey="get" data-passkey-unless="otp" data-get-options="${page.base}passkeys/assert-options?action=${action}"` : html``;
  const fields = (id: string, options: { show?: boolean; note?: string } = {}): SafeHtml => {
    const show = options.show ?? f !== null;
    if (!show) return html``;
    const hint = passkeys
      ? f?.totp
        ? 'Leave empty to confirm with your passkey, or give a code from your authenticator app or a recovery code.'
        : 'Leave empty to confirm with your passkey, or give a recovery code.'
      : f && !f.totp
        ? 'One of your recovery codes.'
        : 'The 6-digit code from your authenticator app, or a recovery code.';
    const field = otpField(id, true, options.note ? `${options.note} ${hint}` : hint);
    return passkeys ? html`${field}<input type="hidden" name="assertion" value=""><p class="notice error" role="alert" data-passkey-error hidden></p>` : field;
  };
  return { attrs, fields };
}
