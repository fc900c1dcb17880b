// Dependency confusion and organisations: an org's scope is local from its creation on, so
// its names are never asked upstream, even before the org publishes anything (docs/orgs.md).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let up: TestUpstream;
let t: TestApp;

before(async () => {
  up = await startUpstream();
  t = await startApp({ upstream: up.url });
});
after(async () => {
  await t?.close();
  await up?.close();
});

test("names in an org's scope are never asked upstream", async () => {
  const alice = await t.signUp('alice');
  assert.equal((await t.request({ method: 'POST', url: '/-/org', token: alice, payload: { name: 'globex' } })).statusCode, 201);
  const before = up.requests.length;
  const res = await t.request({ url: '/@globex%2fwidget' });
  assert.equal(res.statusCode, 404);
  assert.equal(up.requests.length, before, JSON.stringify(up.requests.slice(before)));
  // a scope nobody has here is still proxied (the control)
  await t.request({ url: '/@elsewhere%2fwidget' });
  assert.ok(up.requests.length > before, 'the control name was asked upstream');
});
