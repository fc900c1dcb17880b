// Names people confuse or cannot use (review 2 finding 11): new package names follow npmjs's
// rules (no leading "-", no trailing ".", no name equal to an existing one but for ".", "-",
// "_" and case), user names are usable as scopes; existing packages and users stay usable.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createUser } from '../../src/core/accounts/login.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let namer: string;
let other: string;
before(async () => {
  t = await startApp();
  namer = await t.signUp('namer');
  other = await t.signUp('other');
});
after(() => t.close());

const url = (name: string) => `/${name.replace('/', '%2f')}`;
const publish = (name: string, token: string, version = '1.0.0') => t.request({ method: 'PUT', url: url(name), token, payload: publishBody(name, version) });

test('the reviewer\'s names and their siblings are refused as new package names (400 INVALID_NAME), and nothing is created', async () => {
  for (const name of ['-dash', '-', '@-/x', '@-x/y', '@namer/-', '@namer/-x', '@namer/x.', 'x.', '@namer/node_modules', '@namer/favicon.ico', 'con', 'nul.js', '@namer/aux', 'lpt1']) {
    const res = await publish(name, namer);
    assert.equal(res.statusCode, 400, `${name}: ${res.statusCode} ${res.body}`);
    assert.equal(res.json().code, 'INVALID_NAME', name);
    assert.equal((await t.request({ url: url(name) })).statusCode, 404, `${name} does not exist`);
  }
});

test('a new name equal to an existing one but for ".", "-", "_" is refused with 403 NAME_TOO_SIMILAR, also for its first publisher', async () => {
  assert.equal((await publish('my-pkg', other)).statusCode, 201);
  for (const [name, token] of [['my_pkg', namer], ['my.pkg', namer], ['mypkg', namer], ['my-pkg-', namer], ['m-y-pkg', other], ['my__pkg', other]] as const) {
    const res = await publish(name, token);
    assert.equal(res.statusCode, 403, `${name}: ${res.statusCode} ${res.body}`);
    assert.equal(res.json().code, 'NAME_TOO_SIMILAR');
    assert.match(res.json().error, /too similar to existing package my-pkg/);
    assert.equal((await t.request({ url: url(name) })).statusCode, 404);
  }
  // The existing name itself keeps publishing; a scope is a namespace of its own.
  assert.equal((await publish('my-pkg', other, '1.1.0')).statusCode, 201);
  assert.equal((await publish('@namer/mypkg', namer)).statusCode, 201);
  const res = await publish('@namer/my.pkg', namer);
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(res.json().code, 'NAME_TOO_SIMILAR');
  assert.equal((await publish('@other/my_pkg', other)).statusCode, 201);
});

test('sign-up refuses user names that cannot be a scope (400 INVALID_NAME), as does tessera user add', async () => {
  for (const name of ['alice~', '(alice)', 'alice*', '!x', '_x', 'x.', 'namer.', 'namer_', 'namer-', '-x', "o'neil"]) {
    const res = await t.request({
      method: 'PUT',
      url: `/-/user/org.couchdb.user:${encodeURIComponent(name)}`,
      payload: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: 'x@example.com', type: 'user', roles: [] },
    });
    assert.equal(res.statusCode, 400, `${name}: ${res.statusCode} ${res.body}`);
    assert.equal(res.json().code, 'INVALID_NAME', name);
    await assert.rejects(createUser(t.deps, { name, email: 'x@example.com', password: PASSWORD }), (e: { code?: string }) => e.code === 'INVALID_NAME', name);
    assert.equal(await t.deps.store.users.findByName(name), null);
  }
  assert.equal((await createUser(t.deps, { name: 'a.b-c_d', email: 'x@example.com', password: PASSWORD })).name, 'a.b-c_d');
});

test('packages and users made under the old rules stay readable and usable', async () => {
  // Written straight to the store, as an older Tessera accepted them.
  const legacy = await t.deps.store.users.create({ name: 'legacy_', email: 'legacy@example.com', passwordHash: (await t.deps.hasher.hash(PASSWORD)) });
  const session = (await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:legacy_', payload: { name: 'legacy_', password: PASSWORD } })).json().token;
  assert.ok(session, 'the legacy user signs in');
  const body = publishBody('-old-dash', '1.0.0');
  const v = body.versions['1.0.0'];
  await t.deps.store.packages.commit('-old-dash', {
    type: 'publish',
    tag: 'latest',
    version: {
      version: '1.0.0',
      manifest: { name: '-old-dash', version: '1.0.0', dist: { integrity: v.dist.integrity, shasum: v.dist.shasum } },
      publishedAt: new Date().toISOString(),
      deprecated: null,
      tarball: { file: '-old-dash-1.0.0.tgz', blobKey: await t.deps.blobs.put(Buffer.from(body._attachments['-old-dash-1.0.0.tgz'].data, 'base64'), 'f'.repeat(128)), size: 1, integrity: v.dist.integrity, shasum: v.dist.shasum },
    },
    create: { ownerId: legacy.id, access: 'public', mfa: { publishRequiresTfa: false, automationOverridesTfa: false } },
  });
  t.deps.packageChanged('-old-dash');
  assert.equal((await t.request({ url: '/-old-dash' })).statusCode, 200);
  assert.equal((await publish('-old-dash', session, '1.1.0')).statusCode, 201, 'its owner publishes new versions');
  assert.deepEqual(Object.keys((await t.request({ url: '/-old-dash' })).json().versions), ['1.0.0', '1.1.0']);
  // The legacy user's own scope stays usable for new packages.
  assert.equal((await publish('@legacy_/thing', session)).statusCode, 201);
});
