// The account's security log: sign-ins, second-factor events, account and token changes.

import type { securityLog } from '../../core/accounts/security-log.ts';
import { html, layout, type PageContext, type SafeHtml, when } from '../layout.ts';

type Log = Awaited<ReturnType<typeof securityLog>>;

function detail(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`)
    .join(' · ');
}

/**
 * A user agent as people name it: `npm/11.19.1 node/v20.20.2 linux x64 ...` as "npm 11.19.1",
 * a browser's as "Chrome 150 on Linux"; anything else cut to 40 characters. The page shows
 * the whole string on hover (title).
 */
export function shortClient(ua: string | null | undefined): string {
  if (!ua) return '';
  const tool = /^(npm|pnpm|yarn|bun)\/(\S+)/.exec(ua);
  if (tool) return `${tool[1]} ${tool[2]}`;
  const browser = /(Edg|OPR|Firefox|Chrome|Chromium|Version)\/(\d+)/.exec(ua);
  const os = /Windows|Mac OS X|Android|iPhone|iPad|Linux|CrOS/.exec(ua)?.[0];
  if (browser) {
    const name = { Edg: 'Edge', OPR: 'Opera', Version: 'Safari' }[browser[1]] ?? browser[1];
    const osName = os === 'Mac OS X' ? 'macOS' : os === 'CrOS' ? 'ChromeOS' : os;
    return `${name.replace(/^Chrome$/, /HeadlessChrome/.test(ua) ? 'Headless Chrome' : 'Chrome')} ${browser[2]}${osName ? ` on ${osName}` : ''}`;
  }
  return ua.length > 40 ? `${ua.slice(0, 39)}…` : ua;
}

export function securityLogPage(page: PageContext, log: Log): SafeHtml {
  return layout(
    page,
    'Security log',
    html`<p>Newest first. Times are UTC.</p>
<div class="table-scroll"><table class="stack log" id="security-log"><thead><tr><th>Time</th><th>Event</th><th>Address</th><th>Client</th><th>Details</th></tr></thead><tbody>
${log.objects.map(
  (e) => html`<tr><td data-label="Time">${when(e.time).replace(/ UTC$/, '')}</td><td data-label="Event"><code>${e.type}</code></td><td data-label="Address">${e.ip ?? '—'}</td><td data-label="Client" class="muted" title="${e.user_agent ?? ''}">${shortClient(e.user_agent)}</td><td data-label="Details" class="details">${detail(e.detail)}</td></tr>`,
)}
</tbody></table></div>
${log.objects.length === 0 ? html`<p>Nothing yet.</p>` : html``}
${log.next !== null ? html`<p><a href="${page.base}security-log?before=${log.next}">Older events</a></p>` : html``}`,
    { wide: true },
  );
}
