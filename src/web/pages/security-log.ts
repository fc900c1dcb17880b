// The account's security log: sign-ins, second-factor events, account and token changes.

import type { securityLog } from '../../core/accounts/security-log.ts';
import { html, layout, type PageContext, type SafeHtml, when } from '../layout.ts';

type Log = Awaited<ReturnType<typeof securityLog>>;

function detail(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('; ');
}

export function securityLogPage(page: PageContext, log: Log): SafeHtml {
  return layout(
    page,
    'Security log',
    html`<p>Newest first. Times are UTC.</p>
<table class="stack" id="security-log"><thead><tr><th>Time</th><th>Event</th><th>Address</th><th>Details</th><th>Client</th></tr></thead><tbody>
${log.objects.map(
  (e) => html`<tr><td data-label="Time">${when(e.time)}</td><td data-label="Event"><code>${e.type}</code></td><td data-label="Address">${e.ip ?? '—'}</td><td data-label="Details">${detail(e.detail)}</td><td data-label="Client" class="muted">${e.user_agent ?? ''}</td></tr>`,
)}
</tbody></table>
${log.objects.length === 0 ? html`<p>Nothing yet.</p>` : html``}
${log.next !== null ? html`<p><a href="${page.base}security-log?before=${log.next}">Older events</a></p>` : html``}`,
  );
}
