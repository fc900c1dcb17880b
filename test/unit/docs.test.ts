import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { secondFactorPolicy } from '../../src/core/access/second-factor.ts';
import { type ErrorCode, errorCatalogue } from '../../src/core/errors.ts';
import { statusOfKind } from '../../src/http/status.ts';
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

/** The rows of the table under "## Errors" in docs/security.md: code and status cells. */
function errorTableRows(doc: string): { code: string; status: string }[] {
  const section = doc.slice(doc.indexOf('\n## Errors\n'));
  const end = section.indexOf('\n## ', 1);
  const rows = (end === -1 ? section : section.slice(0, end)).split('\n').filter((l) => /^\| `[A-Z_0-9]+` \|/.test(l));
  return rows.map((l) => {
    const cells = l.split('|').map((c) => c.trim());
    return { code: (cells[1] ?? '').replaceAll('`', ''), status: cells[2] ?? '' };
  });
}

test('docs/security.md has one row per catalogue error code, with the status http/ sends', () => {
  const rows = errorTableRows(read('docs/security.md'));
  assert.ok(rows.length > 0, 'the Errors table is found');
  const documented = rows.map((r) => r.code);
  assert.deepEqual([...documented].sort(), Object.keys(errorCatalogue).sort(), 'the table lists exactly the catalogue (no missing, no stale code)');
  assert.equal(new Set(documented).size, documented.length, 'no code is listed twice');
  for (const { code, status } of rows) {
    assert.equal(status, String(statusOfKind(errorCatalogue[code as ErrorCode])), `status of ${code}`);
  }
});

test('the Errors table check catches a wrong status and a stale code', () => {
  const doc = read('docs/security.md');
  const wrong = doc.replace('| `NOT_FOUND` | 404 |', '| `NOT_FOUND` | 410 |');
  const row = errorTableRows(wrong).find((r) => r.code === 'NOT_FOUND');
  assert.notEqual(row?.status, String(statusOfKind(errorCatalogue.NOT_FOUND)));
  const stale = doc.replace('| `NOT_FOUND` |', '| `NO_SUCH_THING` | 404 | gone |\n| `NOT_FOUND` |');
  assert.ok(errorTableRows(stale).some((r) => !(r.code in errorCatalogue)));
});
