// The pictures in the docs are the browser tests' own screenshots (issue #20 item 6): every
// image a doc shows is in docs/img/, and a browser test saves it under that name, so
// scripts/docs-screenshots.mjs can refresh it from a test run.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const docs = join(root, 'docs');

function shownImages(): Map<string, string> {
  const shown = new Map<string, string>();
  for (const file of readdirSync(docs).filter((f) => f.endsWith('.md'))) {
    for (const m of readFileSync(join(docs, file), 'utf8').matchAll(/\]\(img\/([A-Za-z0-9_-]+)\.png\)/g)) shown.set(m[1], file);
  }
  return shown;
}

function savedByBrowserTests(): Set<string> {
  const saved = new Set<string>();
  const dir = join(root, 'test', 'browser');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/screenshot\(\s*\w+,\s*'([A-Za-z0-9_-]+)'/g)) saved.add(m[1]);
  }
  return saved;
}

test('every screenshot a doc shows is in docs/img and saved by a browser test under that name', () => {
  const shown = shownImages();
  assert.ok(shown.size >= 10, `docs show the web pages (${shown.size} screenshots)`);
  const saved = savedByBrowserTests();
  for (const [name, file] of shown) {
    assert.ok(existsSync(join(docs, 'img', `${name}.png`)), `docs/img/${name}.png (shown in docs/${file}) exists`);
    assert.ok(saved.has(name), `a browser test saves the screenshot ${name} (shown in docs/${file})`);
  }
});

test('docs/web.md shows every page of the web UI', () => {
  const web = readFileSync(join(docs, 'web.md'), 'utf8');
  for (const page of ['home', 'package', 'two-factor-on', 'tokens-list', 'security-log', 'profile', 'passkeys-enrolment', 'staged-page', 'org-page', 'admin-users']) {
    assert.match(web, new RegExp(`\\]\\(img/${page}\\.png\\)`), page);
  }
});
