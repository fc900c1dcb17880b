// Approving a CLI write in the browser (the web OTP challenge): what was asked, from where,
// then the second factor: a passkey, a fresh code from the authenticator, or a recovery code.

import { describeAction } from '../../core/accounts/web-otp-start.ts';
import type { OtpChallenge } from '../../core/ports.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { otpField } from './fields.ts';
import { passkeyForm, passkeyScripts } from './passkeys.ts';

/** How the person may approve: with a passkey, with a code from an app (else a recovery code). */
export interface ApprovalFactors {
  passkeys: boolean;
  totp: boolean;
}

export function otpApprovalPage(page: PageContext, id: string, challenge: OtpChallenge, n: Notice, factors: ApprovalFactors = { passkeys: false, totp: true }): SafeHtml {
  const what = describeAction(challenge.action);
  const codeForm = html`<form method="post" action="${page.base}otp/${id}">${csrfField(page)}
  ${otpField('approve-otp', true, factors.totp ? 'The 6-digit code from your authenticator app, or a recovery code.' : 'One of your recovery codes.')}
  <button type="submit"${factors.passkeys ? html` class="secondary"` : html``}>${factors.passkeys ? 'Approve with a code' : 'Approve'}</button>
</form>`;
  const approve = factors.passkeys
    ? html`${passkeyForm(page, { id: 'approve-passkey', action: `${page.base}otp/${id}`, optionsUrl: `${page.base}otp/${id}/passkey-options`, label: 'Approve with your passkey' })}
<details><summary>${factors.totp ? 'Use a code instead' : 'Use a recovery code instead'}</summary>${codeForm}</details>
${passkeyScripts(page)}`
    : codeForm;
  return layout(
    page,
    'Approve a command-line change',
    html`${notice(n)}<p>A command line signed in as <strong>${page.user}</strong> asks for your second factor to do this:</p>
<dl class="facts card" id="otp-request">
  ${what.command ? html`<dt>Command</dt><dd><code>${what.command}</code></dd>` : html``}
  ${what.subject ? html`<dt>Package</dt><dd><code>${what.subject}</code></dd>` : html``}
  <dt>Request</dt><dd><code>${what.request}</code></dd>
  <dt>Asked</dt><dd>${when(new Date(challenge.createdAt).toISOString())}</dd>
  <dt>From address</dt><dd>${challenge.ip}</dd>
  <dt>Client</dt><dd>${challenge.userAgent || '—'}</dd>
</dl>
<p><strong>Approve only if you just ran that command yourself.</strong> Someone who asks you to approve a request you did not make is trying to use your account.</p>
${approve}
<p><a href="${page.base}">Do not approve</a> (the request expires in 5 minutes).</p>`,
  );
}

export function otpApprovedPage(page: PageContext): SafeHtml {
  return layout(page, 'Approved', html`<p class="notice ok" role="status">Approved. Your command line goes on by itself; you can close this page.</p>`);
}
