// The README's compatibility table (scripts/compat-table.ts) lists exactly the clients the
// client matrix runs (test/e2e/clients-npm*.test.ts, and pnpm 10, yarn 1 and yarn 4 in
// test/e2e/other-clients.test.ts), at the pinned versions.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { END, renderTable, replaceTable, START, type CompatRun } from '../../scripts/compat-table.ts';
import { PINNED_NPM } from '../e2e/harness/npm-versions.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function readmeTable(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  assert.ok(a >= 0 && b > a, 'README.md has the compat-table markers');
  return readme.slice(a + START.length, b);
}

test('the README table has one column per client of the matrix, pinned ones at their versions', () => {
  const matrix = readdirSync(`${root}test/e2e`)
    .map((f) => /^clients-npm(\d+)\.test\.ts$/.exec(f)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((x, y) => x - y);
  assert.ok(matrix.length >= 4, `the matrix runs npm 6, 8, 10 and 11: ${matrix}`);
  const header = readmeTable().split('\n').find((l) => l.startsWith('| Step |'));
  assert.ok(header, 'the table has a header row');
  const columns = [...header.matchAll(/\| (npm|pnpm|yarn) ((\d+)\.\d+\.\d+) (?=\|)/g)].map((m) => ({ client: m[1]!, major: Number(m[3]), version: m[2]! }));
  assert.deepEqual(columns.filter((c) => c.client === 'npm').map((c) => c.major), matrix);
  for (const c of columns) {
    const pinned = (PINNED_NPM as Record<number, string>)[c.major];
    if (c.client === 'npm' && pinned) assert.equal(c.version, pinned, `npm ${c.major} in the README is the pinned version`);
  }
  // pnpm 10, yarn 1 and yarn 4 as pinned in devDependencies (test/e2e/other-clients.test.ts)
  const dev = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).devDependencies;
  assert.deepEqual(
    columns.filter((c) => c.client !== 'npm').map((c) => `${c.client} ${c.version}`),
    [`pnpm ${dev.pnpm}`, `yarn ${dev.yarn}`, `yarn ${dev['@yarnpkg/cli-dist']}`],
  );
  assert.doesNotMatch(readmeTable(), /\*\*fails\*\*|not run/, 'the committed table shows a full run');
});

test('renderTable: steps as rows, npm then pnpm then yarn, oldest first; n/a, failures and missing steps shown', () => {
  const runs: CompatRun[] = [
    { client: 'npm', major: 11, version: '11.1.0', node: 'v20.20.2', steps: [{ step: 'login', result: 'pass' }, { step: 'web', result: 'pass' }] },
    { client: 'npm', major: 6, version: '6.14.18', node: 'v20.20.2', steps: [{ step: 'login', result: 'fail' }, { step: 'web', result: 'n/a' }] },
    { client: 'yarn', major: 4, version: '4.0.0', node: 'v20.20.2', steps: [{ step: 'web', result: 'pass' }] },
  ];
  assert.equal(
    renderTable(runs),
    [
      '| Step | npm 6.14.18 | npm 11.1.0 | yarn 4.0.0 |',
      '| --- | --- | --- | --- |',
      '| login | **fails** | yes | — |',
      '| web | n/a | yes | yes |',
      '',
      'Run on Node v20.20.2 by `test/e2e/clients-npm*.test.ts` and `test/e2e/other-clients.test.ts`; — marks a step with no test for that client.',
    ].join('\n'),
  );
});

test('replaceTable rewrites only between the markers and refuses a README without them', () => {
  const text = `before\n${START}\nold\n${END}\nafter\n`;
  assert.equal(replaceTable(text, 'new'), `before\n${START}\nnew\n${END}\nafter\n`);
  assert.throws(() => replaceTable('no markers', 'x'), /markers/);
});
