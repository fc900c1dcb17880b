// Anonymous reads cost bounded work (review 2 finding 1), search applies token limits (review 1
// finding 9), and cached packuments follow owner e-mail changes (review 2 finding 6).
//
// Every package manifest the store hands out goes through a counting wrapper: the reads below
// must never load a package's manifests (PackageStore.get), whatever its history.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PackageStore } from '../../src/core/ports.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
const loads: string[] = [];
let manifestBytes = 0;
const VERSIONS = 40;
const README = 'r'.repeat(64 * 1024);

before(async () => {
  t = await startApp();
  const packages = t.deps.store.packages as PackageStore;
  const get = packages.get.bind(packages);
  packages.get = async (name) => {
    loads.push(name);
    const pkg = await get(name);
    for (const v of pkg?.versions ?? []) manifestBytes += JSON.stringify(v.manifest).length;
    return pkg;
  };
  alice = await t.signUp('alice');
  for (let i = 0; i < VERSIONS; i++) {
    const res = await t.request({
      method: 'PUT',
      url: '/heavy-readme',
      token: alice,
      payload: publishBody('heavy-readme', `1.0.${i}`, { manifest: { description: 'heavyx', keywords: ['big one', 'heavy'], readme: README } }),
    });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(() => t.close());

function reset() {
  loads.length = 0;
  manifestBytes = 0;
}

test('search, the version document (found or 404), dist-tags and the web pages read no package manifests', async () => {
  reset();
  const search = await t.request({ url: '/-/v1/search?text=heavyx&size=1' });
  assert.equal(search.statusCode, 200);
  const [hit] = search.json().objects;
  assert.equal(hit.package.name, 'heavy-readme');
  assert.equal(hit.package.version, `1.0.${VERSIONS - 1}`);
  assert.equal(hit.package.description, 'heavyx');
  assert.deepEqual(hit.package.keywords, ['big one', 'heavy']);
  assert.deepEqual(hit.package.maintainers, [{ username: 'alice', email: 'alice@example.com' }]);

  const web = await t.request({ url: '/-/web/?q=heavyx' });
  assert.equal(web.statusCode, 200);
  assert.match(web.body, /heavy-readme/);

  const one = await t.request({ url: '/heavy-readme/1.0.3' });
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().version, '1.0.3');
  assert.equal(one.json().readme, undefined, 'the readme stays out of version documents');
  assert.deepEqual(one.json().maintainers, [{ name: 'alice', email: 'alice@example.com' }]);
  assert.equal((await t.request({ url: '/heavy-readme/latest' })).json().version, `1.0.${VERSIONS - 1}`);
  for (const missing of ['9.9.9', 'constructor', '__proto__']) {
    const res = await t.request({ url: `/heavy-readme/${missing}` });
    assert.equal(res.statusCode, 404, missing);
    assert.match(res.json().error, /has no version/);
  }
  assert.equal((await t.request({ url: '/no-such-pkg/1.0.0' })).statusCode, 404);

  const tags = await t.request({ url: '/-/package/heavy-readme/dist-tags' });
  assert.deepEqual(tags.json(), { latest: `1.0.${VERSIONS - 1}` });
  const page = await t.request({ url: '/-/web/package/heavy-readme' });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, new RegExp(`Versions \\(${VERSIONS}\\)`));
  assert.match(page.body, /rrrrrrrr/, 'the page still shows the latest readme');

  assert.deepEqual(loads, [], 'no whole package was loaded');
  assert.equal(manifestBytes, 0);
});

test('repeated packument reads load the package once (the cache), not once per request', async () => {
  reset();
  for (let i = 0; i < 5; i++) assert.equal((await t.request({ url: '/heavy-readme' })).statusCode, 200);
  assert.ok(loads.length <= 1, `loaded ${loads.length} times`);
});

test('search finds restricted packages only with a credential that may read them (granular limits, read-only, anonymous)', async () => {
  const bob = await t.signUp('bob');
  const publish = (name: string, access: 'public' | 'restricted', description: string) =>
    t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token: bob, payload: publishBody(name, '1.0.0', { access, manifest: { description } }) });
  assert.equal((await publish('@bob/secret-plan', 'restricted', 'TOP SECRET merger')).statusCode, 201);
  assert.equal((await publish('bob-public', 'public', 'merger public')).statusCode, 201);
  const token = async (extra: object) => {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: bob, payload: { name: null, password: PASSWORD, ...extra } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().token as string;
  };
  const limited = await token({ packages: ['bob-public'], packages_and_scopes_permission: 'read-write' });
  const scoped = await token({ scopes: ['@bob'], packages_and_scopes_permission: 'read-only' });
  const readOnly = await token({ packages_all: true, packages_and_scopes_permission: 'read-only' });
  const found = async (tok: string | undefined) => {
    const res = await t.request({ url: '/-/v1/search?text=merger', token: tok });
    assert.equal(res.statusCode, 200);
    return { names: res.json().objects.map((o: { package: { name: string } }) => o.package.name), total: res.json().total };
  };
  assert.equal((await t.request({ url: '/@bob%2fsecret-plan', token: limited })).statusCode, 404, 'the packument says 404');
  assert.deepEqual(await found(limited), { names: ['bob-public'], total: 1 }, 'and search agrees');
  assert.deepEqual(await found(scoped), { names: ['@bob/secret-plan', 'bob-public'], total: 2 });
  assert.deepEqual(await found(readOnly), { names: ['@bob/secret-plan', 'bob-public'], total: 2 });
  assert.deepEqual(await found(bob), { names: ['@bob/secret-plan', 'bob-public'], total: 2 });
  assert.deepEqual(await found(undefined), { names: ['bob-public'], total: 1 });
  assert.deepEqual(await found(alice), { names: ['bob-public'], total: 1 });
  const web = await t.request({ url: '/-/web/?q=merger' });
  assert.doesNotMatch(web.body, /secret-plan/);
});

test('an owner e-mail change shows at once in cached packuments (the cache the fast path serves from), version documents and search', async () => {
  const carol = await t.signUp('carol');
  assert.equal((await t.request({ method: 'PUT', url: '/cpub', token: carol, payload: publishBody('cpub', '1.0.0') })).statusCode, 201);
  const maintainers = async () => (await t.request({ url: '/cpub' })).json().maintainers;
  assert.deepEqual(await maintainers(), [{ name: 'carol', email: 'carol@example.com' }]);
  const changed = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: carol, payload: { email: 'carol-new@example.com' } });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.deepEqual(await maintainers(), [{ name: 'carol', email: 'carol-new@example.com' }]);
  const abbreviatedFirst = await t.request({ url: '/cpub', headers: { accept: 'application/vnd.npm.install-v1+json' } });
  assert.equal(abbreviatedFirst.statusCode, 200);
  assert.deepEqual((await t.request({ url: '/cpub/1.0.0' })).json().maintainers, [{ name: 'carol', email: 'carol-new@example.com' }]);
  const search = (await t.request({ url: '/-/v1/search?text=cpub' })).json();
  assert.equal(search.objects[0].package.maintainers[0].email, 'carol-new@example.com');
});
