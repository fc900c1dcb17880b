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

/** `?q=&scope=&page=` of the start page, without the empty ones. */
function listHref(page: PageContext, v: { query: string; scope: string | null }, n: number): string {
  const q = new URLSearchParams();
  if (v.query) q.set('q', v.query);
  if (v.scope) q.set('scope', `@${v.scope}`);
  if (n > 1) q.set('page', String(n));
  const s = q.toString();
  return s ? `${page.base}?${s}` : page.base;
}

/**
 * The start page: the signed-in user's account summary, a search form with a scope filter,
 * and the package list: search matches by name, or without a query every package most
 * recently changed first; `pageSize` per page, `page` counted from 1.
 */
export function homePage(
  page: PageContext,
  v: {
    query: string;
    scope: string | null;
    page: number;
    pageSize: number;
    results: SearchResult[];
    total: number;
    account: { tfa: string; tokens: number } | null;
  },
): SafeHtml {
  const account = v.account
    ? html`<section aria-labelledby="account" class="account">
  <h2 id="account">Your account</h2>
  <dl class="facts">
    <dt>User</dt><dd>${page.user}</dd>
    <dt>Two-factor</dt><dd><a href="${page.base}2fa">${v.account.tfa}</a></dd>
    <dt>Tokens</dt><dd><a href="${page.base}tokens">${v.account.tokens}</a></dd>
  </dl>
</section>`
    : html`<p class="lead"><a href="${page.base}login">Sign in</a> to manage your profile, two-factor authentication and tokens.</p>`;
  const searching = v.query.trim() !== '';
  const heading = searching ? `Packages matching “${v.query.trim()}”` : 'Recently updated';
  const pages = Math.max(1, Math.ceil(v.total / v.pageSize));
  const first = (v.page - 1) * v.pageSize + 1;
  const shown =
    v.results.length === 0
      ? html`<p>${v.page > 1 ? 'No more packages.' : searching ? 'No packages match.' : 'No packages yet. Publish one with npm publish.'}</p>`
      : html`<p class="muted" id="list-count">${first}–${first + v.results.length - 1} of ${v.total} package${v.total === 1 ? '' : 's'}${v.scope ? html` in <strong>@${v.scope}</strong> (<a href="${listHref(page, { query: v.query, scope: null }, 1)}">all scopes</a>)` : ''}</p>
<ul class="packages" id="package-list">${v.results.map((r) => {
          const scope = r.name.startsWith('@') ? r.name.slice(1, r.name.indexOf('/')) : null;
          return html`<li><div class="package-line"><a class="package-name" href="${packageHref(page, r.name)}">${r.name}</a> <span class="version">${r.version}</span>${scope && scope !== v.scope ? html` <a class="scope-chip" href="${listHref(page, { query: v.query, scope }, 1)}">@${scope}</a>` : ''}<span class="muted when">${when(r.date)}</span></div>${r.description ? html`<p class="description">${r.description}</p>` : html``}</li>`;
        })}</ul>`;
  const pager =
    pages > 1
      ? html`<nav class="pager" aria-label="Pages">${v.page > 1 ? html`<a href="${listHref(page, v, v.page - 1)}" rel="prev">← Newer</a>` : html`<span></span>`}<span class="muted">Page ${v.page} of ${pages}</span>${v.page < pages ? html`<a href="${listHref(page, v, v.page + 1)}" rel="next">Older →</a>` : html`<span></span>`}</nav>`
      : html``;
  return layout(
    page,
    'Packages',
    html`${account}
<form method="get" action="${page.base}" role="search" class="search">
  <div class="field grow"><label for="q">Find a package</label>
  <input type="search" id="q" name="q" value="${v.query}" maxlength="256" placeholder="name, description or keyword"></div>
  <div class="field"><label for="scope">Scope</label>
  <input type="text" id="scope" name="scope" value="${v.scope ? `@${v.scope}` : ''}" maxlength="215" placeholder="@scope"></div>
  <div class="field"><button type="submit">Search</button></div>
</form>
<section aria-labelledby="list"><h2 id="list">${heading}</h2>
${shown}
${pager}
</section>`,
  );
}
