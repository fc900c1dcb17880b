import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { secondFactorPolicy } from '../../src/core/access/second-factor.ts';
import { errorCatalogue } from '../../src/core/errors.ts';
import { configTable } from '../../scripts/docs-config.ts';

const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');

test('docs/configuration.md lists exactly the configuration schema', () => {
  const doc = read('docs/configuration.md');
  const table = doc.slice(doc.indexOf('<!-- config-table:start -->') + 28, doc.indexOf('<!-- config-table:end -->')).trim();
  assert.equal(table, configTable());
});

test('docs/security.md shows the second-factor policy table of core/access', () => {
  const doc = read('docs/security.md');
  for (const [operation, modes] of Object.entries(secondFactorPolicy)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${operation}\``));
    assert.ok(row, `a row for ${operation}`);
    const cells = row.split('|').map((c) => c.trim());
    assert.equal(cells[3], modes['auth-only'] ? 'yes' : 'no', `${operation} auth-only`);
    assert.equal(cells[4], modes['auth-and-writes'] ? 'yes' : 'no', `${operation} auth-and-writes`);
  }
});

test('docs/security.md lists every error code of the catalogue', () => {
  const doc = read('docs/security.md');
  for (const code of Object.keys(errorCatalogue)) assert.ok(doc.includes(`\`${code}\``), code);
});
