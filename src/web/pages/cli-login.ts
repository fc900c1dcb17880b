// Approving `npm login --auth-type=web`: who asked (address, client, time), then an explicit
// click, so that a login link sent by someone else is not approved unseen.

import type { LoginRequest } from '../../core/ports.ts';
import { csrfField, html, layout, type PageContext, type SafeHtml, when } from '../layout.ts';

export function cliLoginPage(page: PageContext, id: string, request: LoginRequest): SafeHtml {
  return layout(
    page,
    request.create ? 'Approve npm adduser' : 'Approve npm login',
    html`<p>A command line asks to sign in to <strong>${page.registryName}</strong> as <strong>${page.user}</strong>. It will receive a session token for your account.</p>
<dl class="facts" id="cli-request">
  <dt>Requested</dt><dd>${when(new Date(request.createdAt).toISOString())}</dd>
  <dt>From address</dt><dd>${request.ip}</dd>
  <dt>Client</dt><dd>${request.userAgent || '—'}</dd>
</dl>
<p>Approve only if you just ran <code>npm ${request.create ? 'adduser' : 'login'}</code> yourself, from that address.</p>
<form method="post" action="${page.base}cli-login/${id}">${csrfField(page)}
  <button type="submit">Approve this login</button>
</form>
<p><a href="${page.base}">Do not approve</a> (the request expires by itself).</p>`,
  );
}

export function cliLoginDonePage(page: PageContext): SafeHtml {
  return layout(page, 'Login approved', html`<p class="notice ok" role="status">The command line is now signed in as <strong>${page.user}</strong>. You can close this page and return to your terminal.</p>`);
}
