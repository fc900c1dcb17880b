// Unpublishing one version keeps its entry in the packument's `time` (as npmjs does): clients
// read it to know that the version existed and cannot be published again.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';

const clock = new TestClock();
let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp({}, clock);
  alice = await t.signUp('alice');
});
after(() => t.close());

test('npm unpublish NAME@VERSION: the version leaves "versions" but keeps its "time" entry', async () => {
  const times: Record<string, string> = {};
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
    clock.advanceSeconds(60);
    assert.equal((await t.request({ method: 'PUT', url: '/timed', token: alice, payload: publishBody('timed', v) })).statusCode, 201);
    times[v] = (await t.request({ url: '/timed' })).json().time[v];
  }
  // What npm unpublish timed@1.1.0 sends: the document without the version, then the tarball DELETE.
  const doc = (await t.request({ url: '/timed?write=true', token: alice })).json();
  delete doc.versions['1.1.0'];
  const put = await t.request({ method: 'PUT', url: `/timed/-rev/${doc._rev}`, token: alice, payload: doc });
  assert.equal(put.statusCode, 200, put.body);
  const after = (await t.request({ url: '/timed' })).json();
  assert.deepEqual(Object.keys(after.versions), ['1.0.0', '1.2.0']);
  assert.equal(after.time['1.1.0'], times['1.1.0'], 'the unpublished version keeps its time');
  assert.deepEqual(Object.keys(after.time), ['created', 'modified', '1.0.0', '1.1.0', '1.2.0']);
  // The same through the write form npm reads before changing the document.
  assert.equal((await t.request({ url: '/timed?write=true', token: alice })).json().time['1.1.0'], times['1.1.0']);
  // And it stays burned.
  const again = await t.request({ method: 'PUT', url: '/timed', token: alice, payload: publishBody('timed', '1.1.0') });
  assert.equal(again.statusCode, 403, again.body);
});
