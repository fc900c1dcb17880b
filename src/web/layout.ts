// The page shell and the one way HTML is made: the `html` tagged template escapes every
// interpolated value unless it is itself the output of `html` (SafeHtml). Nothing else builds
// markup from strings, so user data (names, readmes, user agents) cannot inject markup.

import { assetPath } from './assets.ts';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: values are escaped; nested html``, arrays of it, and null/false are fine. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** An href for a link found in user data: http(s) only, anything else is no link. */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** What every page needs to know about the request. */
export interface PageContext {
  /** Path of the web UI, ending in '/', e.g. '/-/web/'. */
  base: string;
  registryName: string;
  /** The signed-in user's name, or null. */
  user: string | null;
  /** Whether the signed-in user is an administrator (the Admin link). */
  admin?: boolean;
  /** The second factors of the signed-in account (request.ts AccountFactors), for its forms; null: none. */
  factors?: { passkeys: boolean; totp: boolean } | null;
  /** Set by a form a passkey may confirm (pages/confirm.ts): the layout then loads the passkey scripts once. */
  passkeyForms?: boolean;
  /** The CSRF token for forms on this page. */
  csrf: string;
  /** Versioned paths of the stylesheet and the script. */
  assets: { css: string; js: string };
}

/** The hidden CSRF field every POST form carries. */
export function csrfField(page: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${page.csrf}">`;
}

export type Notice = { kind: 'error' | 'ok'; text: string } | null;

export function notice(n: Notice): SafeHtml {
  if (!n) return html``;
  return n.kind === 'error'
    ? html`<p class="notice error" role="alert">${n.text}</p>`
    : html`<p class="notice ok" role="status">${n.text}</p>`;
}

function nav(page: PageContext): SafeHtml {
  const b = page.base;
  if (!page.user) {
    return html`<nav aria-label="Main"><a href="${b}">Packages</a> <a href="${b}login">Sign in</a></nav>`;
  }
  return html`<nav aria-label="Main">
    <a href="${b}">Packages</a>
    <a href="${b}profile">Profile</a>
    <a href="${b}2fa">Two-factor</a>
    <a href="${b}passkeys">Passkeys</a>
    <a href="${b}tokens">Tokens</a>
    <a href="${b}orgs">Organizations</a>
    <a href="${b}staged">Staged</a>
    <a href="${b}security-log">Security log</a>
    <a href="${b}upstreams">Upstreams</a>
    ${page.admin ? html`<a href="${b}admin">Admin</a>` : html``}
    <form method="post" action="${b}logout" class="inline signout">${csrfField(page)}<button type="submit" class="link">Sign out ${page.user}</button></form>
  </nav>`;
}

/** The name mark: four tiles of a mosaic (a tessera is one tile), one in the accent colour. */
const TILES = html`<rect x="1" y="1" width="9" height="9" rx="2" fill="#5fc4cc"/><rect x="12" y="1" width="9" height="9" rx="2" fill="#d6eef0"/><rect x="1" y="12" width="9" height="9" rx="2" fill="#d6eef0"/><rect x="12" y="12" width="9" height="9" rx="2" fill="#f0a500"/>`;
const MARK = html`<svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true" focusable="false">${TILES}</svg>`;
/**
 * The mark as the pages' icon, inline as a data: URL (the CSP's img-src allows data:), so that
 * browsers do not ask for /favicon.ico, a name the registry does not serve.
 */
export const ICON_HREF = `data:image/svg+xml,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 22 22">${TILES.value}</svg>`)}`;

/**
 * The page shell: header with the name mark and navigation, then `body` under an h1 of
 * `title`. `options.wide` gives tables with many columns (the security log) a wider page.
 */
export function layout(page: PageContext, title: string, body: SafeHtml, options: { wide?: boolean } = {}): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${page.registryName}</title>
<link rel="icon" href="${ICON_HREF}">
<link rel="stylesheet" href="${page.assets.css}">
<script src="${page.assets.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><a class="brand" href="${page.base}">${MARK}${page.registryName}</a>${nav(page)}</header>
<main id="main" tabindex="-1"${options.wide ? html` class="wide"` : html``}>
<h1>${title}</h1>
${body}
</main>
${page.passkeyForms ? html`<script src="${assetPath(page.base, 'webauthn.js')}" defer></script>
<script src="${assetPath(page.base, 'passkeys.js')}" defer></script>` : html``}
</body>
</html>
`;
}

/** A date as people read it, in UTC (the security log and token list show the same zone). */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
