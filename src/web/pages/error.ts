// Error pages: the message of a domain error, or a generic one for server faults.

import { html, layout, type PageContext, type SafeHtml } from '../layout.ts';

export function errorPage(page: PageContext, title: string, message: string): SafeHtml {
  return layout(page, title, html`<p class="notice error" role="alert">${message}</p><p><a href="${page.base}">Start page</a></p>`);
}
