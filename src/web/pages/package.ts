// A package: its versions, dist-tags, owners, 2FA requirement and readme (markdown rendered
// with raw HTML off and links vetted: ../markdown.ts).

import { packageWriters } from '../../core/orgs/writers.ts';
import type { PackageOverview, VersionRecord } from '../../core/ports.ts';
import { html, layout, type PageContext, type SafeHtml, safeHref, when } from '../layout.ts';
import { renderReadme } from '../markdown.ts';

function mfaText(pkg: PackageOverview): string {
  if (!pkg.mfa.publishRequiresTfa) return 'Not required (the owners\u2019 own settings apply)';
  return pkg.mfa.automationOverridesTfa
    ? 'Required, except for tokens that bypass two-factor authentication (mfa=automation)'
    : 'Required for every change (mfa=publish)';
}

/** `latest`: the version the latest tag names (or the last published one), with its manifest. */
/** `extra`: sections after the versions (trusted publishing, pages/trust.ts). */
export function packagePage(page: PageContext, pkg: PackageOverview, latest: VersionRecord | null, extra: SafeHtml = html``): SafeHtml {
  const m = latest?.manifest ?? {};
  const description = typeof m.description === 'string' ? m.description : '';
  const homepage = safeHref(m.homepage);
  const readme = typeof m.readme === 'string' && m.readme !== 'ERROR: No README data found!' ? m.readme : '';
  const versions = [...pkg.versions].reverse();
  const install = `npm install ${pkg.name}`;
  // The latest version's registry signature and provenance (core/packages/signatures.ts, provenance.ts).
  const dist = (m.dist && typeof m.dist === 'object' ? m.dist : {}) as { signatures?: Array<{ keyid?: unknown }>; attestations?: { provenance?: { predicateType?: unknown } } };
  const keyids = Array.isArray(dist.signatures) ? dist.signatures.map((sig) => sig?.keyid).filter((k): k is string => typeof k === 'string') : [];
  const predicateType = dist.attestations?.provenance?.predicateType;
  return layout(
    page,
    pkg.name,
    html`${description ? html`<p>${description}</p>` : html``}
<section aria-labelledby="facts">
  <h2 id="facts">About</h2>
  <dl class="facts">
    <dt>Latest</dt><dd>${latest?.version ?? '—'}</dd>
    <dt>Install</dt><dd><code>${install}</code></dd>
    <dt>Access</dt><dd>${pkg.access}</dd>
    <dt>Two-factor</dt><dd>${mfaText(pkg)}</dd>
    <dt>Owners</dt><dd>${packageWriters(pkg).map((o, i) => html`${i > 0 ? ', ' : ''}${o.name}`)}</dd>
    ${typeof m.license === 'string' ? html`<dt>License</dt><dd>${m.license}</dd>` : html``}
    ${homepage ? html`<dt>Homepage</dt><dd><a href="${homepage}" rel="noopener noreferrer nofollow">${homepage}</a></dd>` : html``}
    ${latest ? html`<dt>Signature</dt><dd>${keyids.length ? html`Signed by this registry, key <code>${keyids.join(', ')}</code> (<code>npm audit signatures</code> checks it)` : 'None'}</dd>
    <dt>Provenance</dt><dd>${typeof predicateType === 'string' ? html`Attested at publish (<code>${predicateType}</code>; not verified against Sigstore by this registry)` : 'None'}</dd>` : html``}
    <dt>Modified</dt><dd>${when(pkg.modifiedAt)}</dd>
  </dl>
</section>
<section aria-labelledby="tags">
  <h2 id="tags">Dist-tags</h2>
  <table class="stack"><thead><tr><th>Tag</th><th>Version</th></tr></thead><tbody>
  ${Object.entries(pkg.distTags).map(([tag, version]) => html`<tr><td data-label="Tag">${tag}</td><td data-label="Version">${version}</td></tr>`)}
  </tbody></table>
</section>
<section aria-labelledby="versions">
  <h2 id="versions">Versions (${pkg.versions.length})</h2>
  <table class="stack"><thead><tr><th>Version</th><th>Published</th><th>Notes</th></tr></thead><tbody>
  ${versions.map(
    (v) => html`<tr><td data-label="Version">${v.version}</td><td data-label="Published">${when(v.publishedAt)}</td><td data-label="Notes">${v.deprecated ? html`Deprecated: ${v.deprecated}` : ''}</td></tr>`,
  )}
  </tbody></table>
</section>
${extra}
${readme ? html`<section aria-labelledby="readme"><h2 id="readme">Readme</h2><div class="readme">${renderReadme(readme)}</div></section>` : html``}`,
  );
}
