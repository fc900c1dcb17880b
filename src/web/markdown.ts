// READMEs as HTML, with markdown-it (CommonMark): raw HTML off, so a readme's own tags are
// shown as text; links only to http(s), mailto and the page's own anchors; images shown as
// links (the Content-Security-Policy allows no other host's images, and a readme's image is
// a tracking pixel as often as a picture); headings moved down under the page's own.

import MarkdownIt from 'markdown-it';
import { SafeHtml } from './layout.ts';

/** Markdown beyond this many characters is not rendered (the rest is cut, and said to be). */
export const README_LIMIT = 64 * 1024;

const SAFE_LINK = /^(?:https?:\/\/|mailto:|#)/i;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
// markdown-it has already decoded entities and normalised the URL when it asks (so
// `&#106;avascript:` arrives as `javascript:`); anything not plainly safe is no link.
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

const LINK_REL = 'noopener noreferrer nofollow ugc';

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx];
  const href = String(token.attrGet('href') ?? '');
  if (!href.startsWith('#')) token.attrSet('rel', LINK_REL);
  return self.renderToken(tokens, idx, options);
};

md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const src = String(token.attrGet('src') ?? '');
  const alt = md.utils.escapeHtml(token.content || 'image');
  // validateLink has vetted src; non-http(s) sources (mailto:, #) make no sense for an image.
  if (!/^https?:\/\//i.test(src)) return `<span class="readme-image">[${alt}]</span>`;
  return `<a class="readme-image" href="${md.utils.escapeHtml(src)}" rel="${LINK_REL}">[image: ${alt}]</a>`;
};

const HEADING_SHIFT = 2;
md.renderer.rules.heading_open = (tokens, idx) => `<h${Math.min(6, Number(tokens[idx].tag.slice(1)) + HEADING_SHIFT)}>`;
md.renderer.rules.heading_close = (tokens, idx) => `</h${Math.min(6, Number(tokens[idx].tag.slice(1)) + HEADING_SHIFT)}>\n`;

/**
 * A readme's markdown as HTML safe to put in a page: CommonMark (markdown-it), raw HTML shown
 * as text, links limited to http(s)/mailto/#anchors with rel=nofollow, images as links,
 * headings h1-h4 as h3-h6. At most README_LIMIT characters are rendered.
 */
export function renderReadme(markdown: string): SafeHtml {
  const cut = markdown.length > README_LIMIT;
  const out = md.render(cut ? markdown.slice(0, README_LIMIT) : markdown);
  return new SafeHtml(cut ? `${out}<p class="muted">(The readme is longer than ${README_LIMIT / 1024} KiB; the rest is not shown.)</p>` : out);
}
