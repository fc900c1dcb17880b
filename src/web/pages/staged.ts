// The Staged page: versions staged with `npm stage publish` that wait for the signed-in
// maintainer, each with its files and sizes, its package.json changes against the current
// latest version, and Approve / Reject behind the second factor (the account's OTP).

import type { StagedVersion } from '../../core/ports.ts';
import type { ManifestChange, StagedFile } from '../../core/stage/inspect.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { confirmWith } from './confirm.ts';

export interface StagedView {
  stage: StagedVersion;
  files: { files: StagedFile[]; total: number } | null;
  /** The latest version compared with (null: a new package, or none). */
  latest: string | null;
  changes: ManifestChange[];
}

/** Bytes as people read them (1 kB = 1000 B, as npm prints sizes). */
export function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function filesTable(v: StagedView): SafeHtml {
  if (!v.files) return html`<p class="notice error">The staged tarball could not be read.</p>`;
  const unpacked = v.files.files.reduce((sum, f) => sum + f.size, 0);
  return html`<table class="stack files"><thead><tr><th>File</th><th>Size</th></tr></thead><tbody>
${v.files.files.map((f) => html`<tr><td data-label="File"><code>${f.path}</code></td><td data-label="Size">${size(f.size)}</td></tr>`)}
</tbody></table>
<p class="muted">${v.files.total} file${v.files.total === 1 ? '' : 's'}${v.files.total > v.files.files.length ? html`, the first ${v.files.files.length} listed` : html``}; ${size(unpacked)} unpacked, ${size(v.stage.tarball.size)} packed.</p>`;
}

function changesTable(v: StagedView): SafeHtml {
  if (v.changes.length === 0) return html`<p>No package.json field differs from ${v.latest ?? 'the latest version'}.</p>`;
  return html`<table class="stack changes"><thead><tr><th>Field</th><th>${v.latest ? `In ${v.latest}` : 'Before'}</th><th>Staged</th></tr></thead><tbody>
${v.changes.map(
  (c) => html`<tr><td data-label="Field"><code>${c.field}</code></td><td data-label="Before">${c.before === null ? html`<span class="muted">absent</span>` : html`<code>${c.before}</code>`}</td><td data-label="Staged">${c.after === null ? html`<span class="muted">removed</span>` : html`<code>${c.after}</code>`}</td></tr>`,
)}
</tbody></table>`;
}

function stagedCard(page: PageContext, v: StagedView, tfaOn: boolean): SafeHtml {
  const approve = confirmWith(page, 'stage-approve');
  const reject = confirmWith(page, 'stage-reject');
  const s = v.stage;
  const id = s.id;
  return html`<article class="card staged" id="stage-${id}" aria-labelledby="h-${id}">
  <h2 id="h-${id}">${s.package}@${s.version}</h2>
  <dl class="facts">
    <dt>Tag</dt><dd><code>${s.tag}</code></dd>
    <dt>Staged by</dt><dd>${s.userName} (${s.actorType})</dd>
    <dt>Staged</dt><dd>${when(s.createdAt)}</dd>
    <dt>Expires</dt><dd>${when(s.expiresAt)}</dd>
    <dt>Stage id</dt><dd><code>${id}</code></dd>
    <dt>Integrity</dt><dd><code>${s.tarball.integrity}</code></dd>
  </dl>
  <h3>Files</h3>
  ${filesTable(v)}
  <h3>package.json changes ${v.latest ? html`against ${v.latest} (latest)` : html`(a new package)`}</h3>
  ${changesTable(v)}
  ${
    tfaOn
      ? html`<div class="decide">
  <form method="post" action="${page.base}staged/approve"${approve.attrs}>${csrfField(page)}
    <input type="hidden" name="id" value="${id}">
    ${approve.fields(`approve-otp-${id}`, { show: true })}
    <button type="submit" aria-label="Approve ${s.package}@${s.version}">Approve</button>
  </form>
  <form method="post" action="${page.base}staged/reject"${reject.attrs}>${csrfField(page)}
    <input type="hidden" name="id" value="${id}">
    ${reject.fields(`reject-otp-${id}`, { show: true })}
    <button type="submit" class="danger" aria-label="Reject ${s.package}@${s.version}">Reject</button>
  </form>
</div>`
      : html`<p class="notice error">Approving or rejecting needs two-factor authentication. <a href="${page.base}2fa">Turn it on</a>, then come back.</p>`
  }
</article>`;
}

export function stagedPage(page: PageContext, v: { staged: StagedView[]; tfaOn: boolean; notice: Notice; days: number }): SafeHtml {
  return layout(
    page,
    'Staged versions',
    html`${notice(v.notice)}
<p>Versions staged with <code>npm stage publish</code> for packages you may publish wait here for a second factor: approving publishes one exactly as <code>npm publish --tag TAG</code> would; rejecting deletes it and frees its version number. Unapproved versions expire after ${v.days} days.</p>
${v.staged.length === 0 ? html`<p id="none-staged">Nothing is waiting for you.</p>` : v.staged.map((s) => stagedCard(page, s, v.tfaOn))}`,
  );
}
