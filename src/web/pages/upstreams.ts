// The upstream proxy for signed-in users: each upstream registry, the names routed to it and
// how it fared lately on this node; the rules that keep names local.

import type { ProxiedPackageOverview, ProxyOverview } from '../../core/proxy/overview.ts';
import { html, layout, type PageContext, type SafeHtml, when } from '../layout.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function upstreamsPage(page: PageContext, o: ProxyOverview): SafeHtml {
  if (!o.on) {
    return layout(page, 'Upstreams', html`<p>The proxy is off (<code>upstream: none</code>): every package is local and nothing is asked of another registry.</p>`);
  }
  return layout(
    page,
    'Upstreams',
    html`<p>Packages with no local versions come from these registries and are kept here (see docs/proxy.md). A fetched packument is used for ${o.freshSeconds} s before the upstream is asked again; ${o.readers === 'users' ? 'only signed-in users may read them' : 'anyone who may read this registry may read them'}. State is this node's, since it started.</p>
<table class="stack" id="upstreams"><thead><tr><th>Upstream</th><th>URL</th><th>Names</th><th>State</th><th>Last success</th><th>Last error</th></tr></thead><tbody>
${o.upstreams.map(
  (u) => html`<tr><td data-label="Upstream">${u.name}</td><td data-label="URL"><code>${u.url}</code>${u.auth === 'none' ? '' : html` <span class="muted">(${u.auth} auth)</span>`}</td><td data-label="Names">${u.patterns.length ? u.patterns.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`) : html`<span class="muted">no rule</span>`}</td><td data-label="State">${u.reachable === null ? 'not asked yet' : u.reachable ? 'reachable' : 'failing'}</td><td data-label="Last success">${when(iso(u.status.lastSuccessAt))}</td><td data-label="Last error">${u.status.lastError ? html`${when(iso(u.status.lastErrorAt))}: ${u.status.lastError}` : '—'}</td></tr>`,
)}
</tbody></table>
${o.localOnly.length ? html`<p>Never asked upstream (local only): ${o.localOnly.map((p, i) => html`${i > 0 ? ', ' : ''}<code>${p}</code>`)}; nor any name that has or had a local version, nor the <code>@user</code> scope of a local user.</p>` : html`<p>Never asked upstream: a name that has or had a local version, and the <code>@user</code> scope of a local user.</p>`}`,
  );
}

/** A proxied package as cached: where it comes from, its versions, and those held back. */
export function proxiedPackagePage(page: PageContext, p: ProxiedPackageOverview): SafeHtml {
  const versions = [...p.versions].reverse();
  return layout(
    page,
    p.name,
    html`${p.description ? html`<p>${p.description}</p>` : html``}
<section aria-labelledby="facts">
  <h2 id="facts">About</h2>
  <dl class="facts">
    <dt>Comes from</dt><dd>the upstream <strong>${p.upstream.name}</strong> (<code>${p.upstream.url}</code>), cached here</dd>
    <dt>Latest</dt><dd>${p.distTags.latest ?? '—'}</dd>
    <dt>Install</dt><dd><code>npm install ${p.name}</code></dd>
    <dt>Fetched</dt><dd>${when(iso(p.fetchedAt))}</dd>
  </dl>
</section>
<section aria-labelledby="tags">
  <h2 id="tags">Dist-tags</h2>
  <table class="stack"><thead><tr><th>Tag</th><th>Version</th></tr></thead><tbody>
  ${Object.entries(p.distTags).map(([tag, version]) => html`<tr><td data-label="Tag">${tag}</td><td data-label="Version">${version}</td></tr>`)}
  </tbody></table>
</section>
${p.hidden.length ? html`<section aria-labelledby="hidden">
  <h2 id="hidden">Held back (${p.hidden.length})</h2>
  <table class="stack"><thead><tr><th>Version</th><th>Why</th></tr></thead><tbody>
  ${p.hidden.map((h) => html`<tr><td data-label="Version">${h.version}</td><td data-label="Why">${h.reason}</td></tr>`)}
  </tbody></table>
</section>` : html``}
<section aria-labelledby="versions">
  <h2 id="versions">Versions (${p.versions.length})</h2>
  <table class="stack"><thead><tr><th>Version</th><th>Published</th><th>Notes</th></tr></thead><tbody>
  ${versions.map((v) => html`<tr><td data-label="Version">${v.version}</td><td data-label="Published">${when(v.publishedAt)}</td><td data-label="Notes">${v.deprecated ? html`Deprecated: ${v.deprecated}` : ''}</td></tr>`)}
  </tbody></table>
</section>`,
  );
}
