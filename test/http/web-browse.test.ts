// The start page's package list (issue #20 item 6): every package a visitor may read, most
// recently changed first, 20 per page, filtered by scope, and search matches by name; a
// restricted package is not listed for those who may not read it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let clock: TestClock;
let owner = '';

/** The package names of the list, in page order. */
const listed = (body: string) => [...body.matchAll(/class="package-name" href="[^"]*">([^<]+)</g)].map((m) => m[1]);

before(async () => {
  clock = new TestClock(Date.parse('2026-11-01T00:00:00Z'));
  t = await startApp({}, clock);
  owner = await t.signUp('bea');
  // 23 public packages, one a minute apart, then one restricted.
  for (let i = 0; i < 23; i++) {
    clock.advanceMs(60_000);
    const name = i % 3 === 0 ? `@bea/pkg-${i}` : `pkg-${i}`;
    const res = await t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token: owner, payload: publishBody(name, '1.0.0', { manifest: { description: `number ${i}` } }) });
    assert.equal(res.statusCode, 201, res.body);
  }
  clock.advanceMs(60_000);
  const res = await t.request({ method: 'PUT', url: '/@bea%2fsecret', token: owner, payload: { ...publishBody('@bea/secret', '1.0.0'), access: 'restricted' } });
  assert.equal(res.statusCode, 201, res.body);
});
after(() => t?.close());

test('without a query the start page lists packages, most recently changed first, 20 a page', async () => {
  const first = await t.request({ url: '/-/web/' });
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /Recently updated/);
  const names = listed(first.body);
  assert.equal(names.length, 20);
  assert.equal(names[0], 'pkg-22', 'the newest public package first');
  assert.equal(names[1], '@bea/pkg-21');
  assert.ok(!names.includes('@bea/secret'), 'a restricted package is not shown to anonymous visitors');
  assert.match(first.body, /1–20 of 23 packages/);
  assert.match(first.body, /href="\/-\/web\/\?page=2" rel="next"/);
  const second = await t.request({ url: '/-/web/?page=2' });
  assert.deepEqual(listed(second.body), ['pkg-2', 'pkg-1', '@bea/pkg-0']);
  assert.match(second.body, /rel="prev"/);
  assert.match((await t.request({ url: '/-/web/?page=9' })).body, /No more packages/);
});

test('the scope filter shows one scope; a scope chip links to it; nonsense filters nothing', async () => {
  const scoped = await t.request({ url: '/-/web/?scope=%40bea' });
  assert.deepEqual(listed(scoped.body), ['@bea/pkg-21', '@bea/pkg-18', '@bea/pkg-15', '@bea/pkg-12', '@bea/pkg-9', '@bea/pkg-6', '@bea/pkg-3', '@bea/pkg-0']);
  assert.match(scoped.body, /in <strong>@bea<\/strong>/);
  const home = await t.request({ url: '/-/web/' });
  assert.match(home.body, /class="scope-chip" href="\/-\/web\/\?scope=%40bea">@bea</);
  // LIKE wildcards in a scope are literal characters, and a malformed scope is no filter.
  assert.deepEqual(listed((await t.request({ url: '/-/web/?scope=%25' })).body).length, 20);
  assert.deepEqual(listed((await t.request({ url: '/-/web/?scope=b_a' })).body), []);
  for (const page of ['-1', 'abc', '1e9', '']) assert.equal((await t.request({ url: `/-/web/?page=${page}` })).statusCode, 200, page);
});

test('a search lists matches by name, filtered by scope too', async () => {
  const found = await t.request({ url: '/-/web/?q=number%201' });
  assert.match(found.body, /Packages matching “number 1”/);
  assert.deepEqual(listed(found.body), ['@bea/pkg-12', '@bea/pkg-15', '@bea/pkg-18', '@bea/pkg-21', 'pkg-1', 'pkg-10', 'pkg-11', 'pkg-13', 'pkg-14', 'pkg-16', 'pkg-17', 'pkg-19']);
  const scoped = await t.request({ url: '/-/web/?q=number&scope=bea' });
  assert.equal(listed(scoped.body).length, 8);
  assert.ok(!listed(scoped.body).includes('@bea/secret'));
});
