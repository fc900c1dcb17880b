// Approving a CLI write in the browser (the web OTP challenge): what was asked, from where,
// and a fresh code from the authenticator to approve it.

import type { OtpChallenge } from '../../core/ports.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { otpField } from './fields.ts';

export function otpApprovalPage(page: PageContext, id: string, challenge: OtpChallenge, n: Notice): SafeHtml {
  return layout(
    page,
    'Approve a command-line change',
    html`${notice(n)}<p>A command line signed in as <strong>${page.user}</strong> asks for your second factor to do this:</p>
<dl class="facts" id="otp-request">
  <dt>Request</dt><dd><code>${challenge.action}</code></dd>
  <dt>Asked</dt><dd>${when(new Date(challenge.createdAt).toISOString())}</dd>
  <dt>From address</dt><dd>${challenge.ip}</dd>
  <dt>Client</dt><dd>${challenge.userAgent || '—'}</dd>
</dl>
<p>Approve only if you just ran that command yourself.</p>
<form method="post" action="${page.base}otp/${id}">${csrfField(page)}
  ${otpField('approve-otp', true)}
  <button type="submit">Approve</button>
</form>
<p><a href="${page.base}">Do not approve</a> (the request expires in 5 minutes).</p>`,
  );
}

export function otpApprovedPage(page: PageContext): SafeHtml {
  return layout(page, 'Approved', html`<p class="notice ok" role="status">Approved. Your command line goes on by itself; you can close this page.</p>`);
}
