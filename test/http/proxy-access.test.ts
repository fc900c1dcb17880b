// Reads and access of proxied packages (issue #15, item 8): granular tokens' package limits
// apply to proxied names exactly as to local public ones (reads allowed, a star only within the
// limits), a star of a proxied name is the user's own data (no package row: the name stays
// proxied, no publish), anonymous cache fills are not throttled, and search answers local
// packages only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let up: TestUpstream;
let t: TestApp;

before(async () => {
  up = await startUpstream();
  t = await startApp({ upstream: up.url }, undefined, { defaultLimits: true });
});

after(async () => {
  await t.close();
  await up.close();
});

const star = (name: string, user: string, token: string, starred = true) =>
  t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token, payload: { _id: name, users: starred ? { [user]: true } : {} } });

test('a granular token limited to other packages reads a proxied package as a local public one, and cannot star it', async () => {
  up.addVersion('proxied-lib', '1.0.0', Buffer.from('lib'));
  const session = await t.signUp('limited');
  const limited = (await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, payload: { name: null, password: PASSWORD, packages: ['something-else'], packages_and_scopes_permission: 'read-write' } })).json().token as string;
  const read = await t.request({ method: 'GET', url: '/proxied-lib', token: limited });
  assert.equal(read.statusCode, 200);
  const tarball = await t.request({ method: 'GET', url: '/proxied-lib/-/proxied-lib-1.0.0.tgz', token: limited });
  assert.equal(tarball.statusCode, 200);
  const refused = await star('proxied-lib', 'limited', limited);
  assert.equal(refused.statusCode, 403);
  assert.match(refused.json().error, /may not be used for the package proxied-lib/);
  const starred = await star('proxied-lib', 'limited', session);
  assert.equal(starred.statusCode, 200, starred.body);
  assert.equal(await t.deps.store.packages.head('proxied-lib'), null, 'no package row: the name stays proxied');
  const view = await t.request({ method: 'GET', url: '/-/_view/starredByUser?key=%22limited%22' });
  assert.deepEqual(view.json().rows, [{ key: 'limited', value: 'proxied-lib' }]);
  const unstar = await star('proxied-lib', 'limited', session, false);
  assert.equal(unstar.statusCode, 200);
  assert.deepEqual((await t.request({ method: 'GET', url: '/-/_view/starredByUser?key=%22limited%22' })).json().rows, []);
  assert.equal(up.requests.filter((r) => r.method !== 'GET').length, 0, 'nothing but reads reached the upstream');
});

test('a star of a proxied name never fetched here is a 404 (npm reads the packument first)', async () => {
  const session = await t.signUp('stargazer');
  const res = await star('never-read-here', 'stargazer', session);
  assert.equal(res.statusCode, 404);
});

test('anonymous cache fills from one address are not throttled', async () => {
  for (let i = 0; i < 60; i++) up.addVersion(`fill-${i}`, '1.0.0', Buffer.from(`f${i}`));
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => t.request({ method: 'GET', url: `/fill-${i}`, remoteAddress: '10.1.2.3' })));
  assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [200]);
  const tarballs = await Promise.all(Array.from({ length: 60 }, (_, i) => t.request({ method: 'GET', url: `/fill-${i}/-/fill-${i}-1.0.0.tgz`, remoteAddress: '10.1.2.3' })));
  assert.deepEqual([...new Set(tarballs.map((a) => a.statusCode))], [200]);
});

test('search answers local packages only', async () => {
  const owner = await t.signUp('searcher');
  up.addVersion('findable-upstream', '1.0.0', Buffer.from('u'));
  assert.equal((await t.request({ method: 'GET', url: '/findable-upstream' })).statusCode, 200);
  const pub = await t.request({ method: 'PUT', url: '/findable-local', token: owner, payload: publishBody('findable-local', '1.0.0') });
  assert.equal(pub.statusCode, 201, pub.body);
  const res = await t.request({ method: 'GET', url: '/-/v1/search?text=findable' });
  assert.deepEqual(res.json().objects.map((o: { package: { name: string } }) => o.package.name), ['findable-local']);
});

test('a local name is never asked upstream once it has a local version', async () => {
  const owner = await t.signUp('localist');
  const pub = await t.request({ method: 'PUT', url: '/only-here', token: owner, payload: publishBody('only-here', '1.0.0') });
  assert.equal(pub.statusCode, 201, pub.body);
  const before = up.requests.filter((r) => r.url.startsWith('/only-here')).length;
  for (const url of ['/only-here', '/only-here/-/only-here-1.0.0.tgz', '/only-here/-/only-here-9.9.9.tgz']) await t.request({ method: 'GET', url });
  up.addVersion('only-here', '2.0.0', Buffer.from('public twin'));
  const doc = (await t.request({ method: 'GET', url: '/only-here' })).json();
  assert.deepEqual(Object.keys(doc.versions), ['1.0.0'], 'upstream versions are never merged in');
  assert.equal(up.requests.filter((r) => r.url.startsWith('/only-here')).length, before);
});
