// READMEs rendered from markdown (issue #20 item 6): raw HTML stays text, links only to
// http(s)/mailto/#anchors with rel=nofollow, images become links, whatever the spelling of a
// dangerous URL (entities, case, spaces, autolinks, reference definitions).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { README_LIMIT, renderReadme } from '../../src/web/markdown.ts';

const render = (md: string) => renderReadme(md).value;

/** Every href and src in the output. */
const urls = (out: string) => [...out.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]);

test('raw HTML in a readme is shown as text: no tag of the readme reaches the page', () => {
  for (const md of [
    '<script>alert(1)</script>',
    '<img src=x onerror="document.title=1">',
    '<iframe src="https://evil.example/"></iframe>',
    'text <a href="javascript:alert(1)">inline</a> text',
    '<details open ontoggle=alert(1)>',
    '<svg onload=alert(1)>',
    '<style>body{display:none}</style>',
    '<b>bold</b><!-- comment -->',
  ]) {
    const out = render(md);
    const tag = /^[^<]*<([a-z]+)/i.exec(md)![1];
    assert.doesNotMatch(out, new RegExp(`<${tag}[\\s>]`, 'i'), `${md} → ${out}`);
    assert.doesNotMatch(out, /<[^>]*\son[a-z]+=/i, "no event handler attribute in any tag");
    assert.match(out, /&lt;/, 'the tag is escaped text');
  }
});

test('dangerous link targets in every markdown spelling are no link', () => {
  for (const md of [
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x]( javascript:alert(1) )',
    '[x](&#106;avascript:alert(1))',
    '[x](&#x6A;avascript:alert(1))',
    '[x](java%73cript:alert(1))',
    '[x](vbscript:msgbox(1))',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](file:///etc/passwd)',
    '<javascript:alert(1)>',
    '[x][ref]\n\n[ref]: javascript:alert(1)',
    '![x](javascript:alert(1))',
    '![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)',
    '[x](//evil.example/path)',
    '[x](/-/web/logout)',
  ]) {
    const out = render(md);
    assert.deepEqual(urls(out), [], `${md} → ${out}`);
  }
});

test('http(s) and mailto links work, open nothing with the page, and images become links', () => {
  const out = render('[site](https://example.com/a?b=1&c=2) <https://example.com/auto> [mail](mailto:a@example.com) [top](#usage) ![logo](https://example.com/logo.png "t")');
  assert.deepEqual(urls(out), ['https://example.com/a?b=1&amp;c=2', 'https://example.com/auto', 'mailto:a@example.com', '#usage', 'https://example.com/logo.png']);
  assert.equal((out.match(/rel="noopener noreferrer nofollow ugc"/g) ?? []).length, 4, 'every outside link, not the anchor');
  assert.doesNotMatch(out, /<img/, 'no image is loaded from another host');
  assert.match(out, /\[image: logo\]/);
});

test('markdown structure: headings move under the page headings, code is escaped, tables render', () => {
  const out = render('# Title\n\n## Usage\n\n```js\nconst a = "<b>";\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two');
  assert.match(out, /<h3>Title<\/h3>/);
  assert.match(out, /<h4>Usage<\/h4>/);
  assert.match(out, /<code class="language-js">const a = &quot;&lt;b&gt;&quot;;/);
  assert.match(out, /<table>/);
  assert.match(out, /<li>one<\/li>/);
});

test('a readme over the limit is cut and says so', () => {
  const out = render('a'.repeat(README_LIMIT + 10));
  assert.match(out, /the rest is not shown/);
  assert.ok(out.length < README_LIMIT + 400);
});
