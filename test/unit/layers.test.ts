// The layers of src/, checked from the import specifiers of every source file (README.md,
// "Layout", says the same in prose):
//
//   core/      imports only node:* built-ins, the small pure libraries named below, and core/
//   http/      the npm protocol edge: never imports adapters/ (it gets them through Deps)
//   web/       the web UI: never imports http/, but for the shared leaf http/status.ts
//   anywhere   no import cycle in src/, type-only imports included
//
// A failure names the file and the import, or the files of the cycle.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/**
 * Libraries core/ may use: pure functions over values, no I/O of their own at import. yaml and
 * @yarnpkg/lockfile parse lockfile text for core/proxy/lockfile*.ts.
 */
export const CORE_LIBRARIES = ['semver', 'tar', '@npmcli/package-json', 'yaml', '@yarnpkg/lockfile'];

interface Edge {
  from: string;
  spec: string;
  /** The imported file relative to src/, or null for a package or built-in. */
  to: string | null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Every static import/export-from and dynamic import() with a string literal. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const from = relative(src, file);
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((spec) => ({
    from,
    spec,
    to: spec.startsWith('.') ? relative(src, resolve(dirname(file), spec)) : null,
  }));
}

const files = sourceFiles(src);
const edges = files.flatMap(importsOf);
const layer = (path: string) => path.split('/')[0];

test('core/ imports only node:*, the named libraries and core/', () => {
  const bad = edges.filter((e) => {
    if (layer(e.from) !== 'core') return false;
    if (e.to !== null) return layer(e.to) !== 'core';
    if (e.spec.startsWith('node:')) return false;
    return !CORE_LIBRARIES.some((lib) => e.spec === lib || e.spec.startsWith(`${lib}/`));
  });
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('http/ never imports adapters/', () => {
  const bad = edges.filter((e) => layer(e.from) === 'http' && e.to !== null && layer(e.to) === 'adapters');
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

/** What web/ may take from http/: leaves both surfaces share. */
const SHARED_HTTP_LEAVES = ['http/status.ts'];

test('web/ never imports http/, but for its shared leaves', () => {
  const bad = edges.filter((e) => layer(e.from) === 'web' && e.to !== null && layer(e.to) === 'http' && !SHARED_HTTP_LEAVES.includes(e.to));
  assert.deepEqual(bad.map((e) => `${e.from} -> ${e.spec}`), []);
});

test('no import cycle anywhere in src/', () => {
  const graph = new Map<string, string[]>();
  for (const f of files) graph.set(relative(src, f), []);
  for (const e of edges) if (e.to !== null && graph.has(e.to)) graph.get(e.from)?.push(e.to);
  // Tarjan's strongly connected components: any with more than one file is a cycle.
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});

test('the checker sees imports (a guard against a regex that matches nothing)', () => {
  assert.ok(edges.length > 200, `only ${edges.length} imports found`);
  assert.ok(edges.some((e) => e.from === 'app.ts' && e.to === 'http/fast-reads.ts'));
});

test('README.md\'s layout section names files that exist and the libraries core/ may use', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Layout');
  assert.ok(start >= 0, 'README.md has a Layout section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1) === -1 ? undefined : readme.indexOf('\n## ', start + 1));
  const named = [...section.matchAll(/`(src\/[\w./-]+\.ts)`/g)].map((m) => m[1]);
  assert.ok(named.length >= 5, `only ${named.length} files named`);
  const missing = named.filter((f) => !files.includes(join(root, f)));
  assert.deepEqual(missing, []);
  for (const lib of CORE_LIBRARIES) assert.ok(section.includes(lib), `the layout section names ${lib}`);
});
