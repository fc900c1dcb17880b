// The start page: a package search, and for signed-in people a summary of their account.

import { html, layout, type PageContext, type SafeHtml, when } from '../layout.ts';

export interface SearchResult {
  name: string;
  version: string;
  description: string;
  date: string;
}

export function packageHref(page: PageContext, name: string): string {
  // One segment per name part: '@scope/name' stays readable, everything else is encoded.
  return `${page.base}package/${name.split('/').map(encodeURIComponent).join('/').replace(/^%40/, '@')}`;
}

export function homePage(
  page: PageContext,
  v: { query: string; results: SearchResult[] | null; total: number; account: { tfa: string; tokens: number } | null },
): SafeHtml {
  const account = v.account
    ? html`<section aria-labelledby="account">
  <h2 id="account">Your account</h2>
  <dl class="facts">
    <dt>User</dt><dd>${page.user}</dd>
    <dt>Two-factor</dt><dd><a href="${page.base}2fa">${v.account.tfa}</a></dd>
    <dt>Tokens</dt><dd><a href="${page.base}tokens">${v.account.tokens}</a></dd>
  </dl>
</section>`
    : html`<p><a href="${page.base}login">Sign in</a> to manage your profile, two-factor authentication and tokens.</p>`;
  const results =
    v.results === null
      ? html``
      : v.results.length === 0
        ? html`<p>No packages match.</p>`
        : html`<p class="muted">${v.total} package${v.total === 1 ? '' : 's'}</p>
<ul class="plain">${v.results.map(
            (r) => html`<li class="card"><a href="${packageHref(page, r.name)}"><strong>${r.name}</strong></a> ${r.version}
  <span class="muted">· ${when(r.date)}</span>${r.description ? html`<br>${r.description}` : html``}</li>`,
          )}</ul>`;
  return layout(
    page,
    page.registryName,
    html`${account}
<form method="get" action="${page.base}" role="search">
  <label for="q">Find a package</label>
  <input type="search" id="q" name="q" value="${v.query}" maxlength="256">
  <button type="submit">Search</button>
</form>
${results}`,
  );
}
