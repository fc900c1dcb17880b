// Maps keyed by client-chosen strings (dist-tags, versions, time, users) are own-property maps:
// a tag called "toString", "constructor", "__proto__", "hasOwnProperty" or "valueOf" is a tag
// like any other, and one that was never set does not exist (review 1 finding 17).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

const PROTO = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];

let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp();
  alice = await t.signUp('alice');
});
after(() => t.close());

const json = { 'content-type': 'application/json' };
const tags = async (name: string) => (await t.request({ url: `/-/package/${name}/dist-tags` })).json();
const full = async (name: string) => (await t.request({ url: `/${name}` })).json();

test('removing a dist-tag named after an Object.prototype member that was never set is a 404 and changes nothing', async () => {
  assert.equal((await t.request({ method: 'PUT', url: '/proto-rm', token: alice, payload: publishBody('proto-rm', '1.0.0') })).statusCode, 201);
  const before = (await full('proto-rm'))._rev;
  for (const tag of PROTO) {
    const res = await t.request({ method: 'DELETE', url: `/-/package/proto-rm/dist-tags/${encodeURIComponent(tag)}`, token: alice });
    assert.equal(res.statusCode, 404, `${tag}: ${res.body}`);
    assert.match(res.json().error, /no dist-tag/);
  }
  assert.equal((await full('proto-rm'))._rev, before, 'no revision bump');
  assert.deepEqual(await tags('proto-rm'), { latest: '1.0.0' });
});

test('tags named after Object.prototype members can be added, listed, read, removed', async () => {
  assert.equal((await t.request({ method: 'PUT', url: '/proto-add', token: alice, payload: publishBody('proto-add', '1.0.0') })).statusCode, 201);
  assert.equal((await t.request({ method: 'PUT', url: '/proto-add', token: alice, payload: publishBody('proto-add', '1.1.0') })).statusCode, 201);
  for (const tag of PROTO) {
    const res = await t.request({ method: 'PUT', url: `/-/package/proto-add/dist-tags/${encodeURIComponent(tag)}`, token: alice, payload: '"1.0.0"', headers: json });
    assert.equal(res.statusCode, 201, `${tag}: ${res.body}`);
    assert.ok(Object.hasOwn(res.json(), tag), `${tag} is in the answer`);
  }
  const listed = await tags('proto-add');
  for (const tag of PROTO) assert.ok(Object.hasOwn(listed, tag) && listed[tag] === '1.0.0', `${tag} listed`);
  assert.equal(listed.latest, '1.1.0');
  const doc = await full('proto-add');
  for (const tag of PROTO) assert.equal(Object.hasOwn(doc['dist-tags'], tag) && doc['dist-tags'][tag], '1.0.0');
  // GET /PACKAGE/TAG resolves the tag.
  for (const tag of PROTO) {
    const res = await t.request({ url: `/proto-add/${encodeURIComponent(tag)}` });
    assert.equal(res.statusCode, 200, `${tag}: ${res.body}`);
    assert.equal(res.json().version, '1.0.0');
  }
  // Unpublishing 1.0.0 drops the tags pointing at it, the prototype-named ones included.
  const write = (await t.request({ url: '/proto-add?write=true', token: alice })).json();
  delete write.versions['1.0.0'];
  const rm = await t.request({ method: 'PUT', url: `/proto-add/-rev/${write._rev}`, token: alice, payload: write });
  assert.equal(rm.statusCode, 200, rm.body);
  assert.deepEqual(await tags('proto-add'), { latest: '1.1.0' });
  for (const tag of PROTO) {
    await t.request({ method: 'PUT', url: `/-/package/proto-add/dist-tags/${encodeURIComponent(tag)}`, token: alice, payload: '"1.1.0"', headers: json });
    const res = await t.request({ method: 'DELETE', url: `/-/package/proto-add/dist-tags/${encodeURIComponent(tag)}`, token: alice });
    assert.equal(res.statusCode, 200, `${tag}: ${res.body}`);
    assert.ok(!Object.hasOwn(res.json(), tag));
  }
  assert.deepEqual(await tags('proto-add'), { latest: '1.1.0' });
});

test('a version that is not a tag, named after a prototype member, is a 404', async () => {
  assert.equal((await t.request({ method: 'PUT', url: '/proto-get', token: alice, payload: publishBody('proto-get', '1.0.0') })).statusCode, 201);
  for (const tag of PROTO) {
    const res = await t.request({ url: `/proto-get/${encodeURIComponent(tag)}` });
    assert.equal(res.statusCode, 404, `${tag}: ${res.body}`);
  }
});

test('publish --tag with a prototype-member name sets that tag (and latest on the first version)', async () => {
  let i = 0;
  for (const tag of PROTO) {
    const name = `proto-pub-${++i}`;
    assert.equal((await t.request({ method: 'PUT', url: `/${name}`, token: alice, payload: publishBody(name, '1.0.0') })).statusCode, 201);
    const res = await t.request({ method: 'PUT', url: `/${name}`, token: alice, payload: publishBody(name, '2.0.0-beta.1', { tag }) });
    assert.equal(res.statusCode, 201, `${tag}: ${res.body}`);
    const listed = await tags(name);
    assert.deepEqual(Object.entries(listed).sort(), [['latest', '1.0.0'], [tag, '2.0.0-beta.1']].sort(), tag);
    const doc = await full(name);
    assert.equal(Object.getPrototypeOf(doc['dist-tags']), Object.prototype);
    assert.ok(Object.hasOwn(doc.time, '2.0.0-beta.1'));
  }
});

test('a manifest key "__proto__" stays data: it does not become the stored manifest\'s prototype', async () => {
  const body = publishBody('proto-manifest', '1.0.0');
  body.versions['1.0.0'] = JSON.parse(JSON.stringify(body.versions['1.0.0']).replace(/^\{/, '{"__proto__":{"description":"inherited"},'));
  const res = await t.request({ method: 'PUT', url: '/proto-manifest', token: alice, payload: JSON.stringify(body), headers: json });
  assert.equal(res.statusCode, 201, res.body);
  const v = (await full('proto-manifest')).versions['1.0.0'];
  assert.notEqual(v.description, 'inherited');
});
