// The "Trusted publishing" section of a package page (issue #16 item 7): the package's trust
// relationships for its owners, each revocable with an OTP, and a form to add one, also for
// the registry's custom issuers (which `npm trust` cannot describe); and the versions a
// relationship published, with the workflow and the time.

import type { TrustConfig } from '../../core/ports.ts';
import { csrfField, html, notice, type Notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { confirmWith } from './confirm.ts';

export interface TrustSection {
  configs: TrustConfig[];
  /** The relationship types this registry trusts (github, gitlab, circleci, custom names). */
  types: string[];
  /** Custom issuers' claims, by type. */
  customClaims: Record<string, string[]>;
  tfaOn: boolean;
  notice: Notice;
}

export interface TrustedVersion {
  version: string;
  publishedAt: string;
  workflow: string;
}

function claimsText(c: TrustConfig): string {
  const k = c.claims as Record<string, unknown>;
  const file = (v: unknown) => (typeof v === 'object' && v !== null ? String((v as { file?: unknown }).file) : '');
  if (c.type === 'github') return `repository ${String(k.repository)}, workflow .github/workflows/${file(k.workflow_ref)}${k.environment ? `, environment ${String(k.environment)}` : ''}`;
  if (c.type === 'gitlab') return `project ${String(k.project_path)}, pipeline ${file(k.ci_config_ref_uri)}${k.environment ? `, environment ${String(k.environment)}` : ''}`;
  return Object.entries(k)
    .map(([n, v]) => `${n.replace(/^oidc\.circleci\.com\//, '')} ${Array.isArray(v) ? v.join(' ') : String(v)}`)
    .join(', ');
}

const permissionText = (c: TrustConfig) => c.permissions.map((p) => (p === 'publish' ? 'npm publish' : 'npm stage publish')).join(', ');

/** Versions published through trusted publishing (of those the page looked at), newest first. */
export function trustedVersionsSection(versions: TrustedVersion[]): SafeHtml {
  if (versions.length === 0) return html``;
  return html`<section aria-labelledby="trusted-versions">
  <h2 id="trusted-versions">Published by trusted publishing</h2>
  <table class="stack"><thead><tr><th>Version</th><th>Workflow</th><th>Published</th></tr></thead><tbody>
  ${versions.map((v) => html`<tr><td data-label="Version">${v.version}</td><td data-label="Workflow"><code>${v.workflow}</code></td><td data-label="Published">${when(v.publishedAt)}</td></tr>`)}
  </tbody></table>
</section>`;
}

/** The owners' section: relationships, revoke, add. */
export function trustSection(page: PageContext, name: string, s: TrustSection): SafeHtml {
  const action = `${page.base}trust`;
  const pkgField = html`<input type="hidden" name="package" value="${name}">`;
  const add = confirmWith(page, 'trust-add');
  const revoke = confirmWith(page, 'trust-revoke');
  return html`<section aria-labelledby="trust">
  <h2 id="trust">Trusted publishing</h2>
  ${notice(s.notice)}
  <p>CI workflows trusted here publish without a token (docs/ci-publishing.md). ${s.tfaOn ? '' : 'Changing them needs two-factor authentication on your account.'}</p>
  ${s.configs.length === 0 ? html`<p>No trust relationships.</p>` : html``}
  ${s.configs.map(
    (c) => html`<article class="card">
    <dl class="facts">
      <dt>Type</dt><dd>${c.type}</dd>
      <dt>Id</dt><dd><code>${c.id}</code></dd>
      <dt>Trusts</dt><dd>${claimsText(c)}</dd>
      <dt>Allows</dt><dd>${permissionText(c)}</dd>
      <dt>Added</dt><dd>${when(c.createdAt)}</dd>
    </dl>
    <form method="post" action="${action}/revoke"${revoke.attrs}>${csrfField(page)}${pkgField}
      <input type="hidden" name="id" value="${c.id}">
      ${revoke.fields(`trust-revoke-otp-${c.id}`, { show: s.tfaOn })}
      <button type="submit" class="danger" aria-label="Revoke the ${c.type} relationship ${c.id}">Revoke</button>
    </form>
  </article>`,
  )}
  <form method="post" action="${action}"${add.attrs}>${csrfField(page)}${pkgField}
    <h3>Add a relationship</h3>
    <label for="trust-type">CI (issuer)</label>
    <select id="trust-type" name="type">${s.types.map((t) => html`<option value="${t}">${t}</option>`)}</select>
    <label for="trust-entity">Repository or project (GitHub owner/repo, GitLab group/project)</label>
    <input type="text" id="trust-entity" name="entity" maxlength="200">
    <label for="trust-file">Workflow or pipeline file (GitHub: in .github/workflows/; GitLab: .gitlab-ci.yml)</label>
    <input type="text" id="trust-file" name="file" maxlength="200">
    <label for="trust-env">Environment (optional)</label>
    <input type="text" id="trust-env" name="environment" maxlength="255">
    <label for="trust-claims">Claims, one <code>name=value</code> per line (CircleCI${Object.keys(s.customClaims).length ? html`, ${Object.entries(s.customClaims).map(([t, c], i) => html`${i ? '; ' : ''}${t}: ${c.join(', ')}`)}` : html``})</label>
    <textarea id="trust-claims" name="claims" rows="3" maxlength="4000"></textarea>
    <fieldset><legend>Allows</legend>
      <label><input type="checkbox" name="allow_publish" value="1" checked> npm publish</label>
      <label><input type="checkbox" name="allow_stage" value="1"> npm stage publish</label>
    </fieldset>
    ${add.fields('trust-add-otp', { show: s.tfaOn })}
    <button type="submit">Add</button>
  </form>
</section>`;
}
