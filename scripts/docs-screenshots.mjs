// Copies the screenshots the docs show from the browser tests' output into docs/.
//
//   npm test (or: node scripts/test.mjs test/browser), then node scripts/docs-screenshots.mjs
//
// Every `](img/NAME.png)` in docs/*.md names test-results/screenshots/NAME.png, which a
// browser test saved with screenshot(page, 'NAME'); it is copied to docs/img/NAME.png. A
// name no test saved is reported and the script exits 1 (test/unit/docs-screenshots.test.ts
// keeps the docs and the tests in step).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = join(root, 'docs');
const shots = join(root, 'test-results', 'screenshots');
const names = new Set();
for (const file of readdirSync(docs).filter((f) => f.endsWith('.md'))) {
  for (const m of readFileSync(join(docs, file), 'utf8').matchAll(/\]\(img\/([A-Za-z0-9_-]+)\.png\)/g)) names.add(m[1]);
}
mkdirSync(join(docs, 'img'), { recursive: true });
const missing = [];
for (const name of [...names].sort()) {
  const from = join(shots, `${name}.png`);
  if (!existsSync(from)) {
    missing.push(name);
    continue;
  }
  copyFileSync(from, join(docs, 'img', `${name}.png`));
}
console.log(`${names.size - missing.length} screenshot(s) copied to docs/img/`);
if (missing.length) {
  console.error(`not saved by the browser tests (run them first): ${missing.join(', ')}`);
  process.exit(1);
}
