import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
let bob: string;
before(async () => {
  t = await startApp();
  alice = await t.signUp('alice');
  bob = await t.signUp('bob');
});
after(() => t.close());

const put = (name: string, body: unknown, token?: string) =>
  t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, payload: body as object, token });
const get = (url: string, token?: string, headers: Record<string, string> = {}) => t.request({ url, token, headers });
const packument = async (name: string, token?: string) => (await get(`/${name.replace('/', '%2f')}`, token)).json();

test('publish then read the full and abbreviated packuments and the tarball', async () => {
  const body = publishBody('first-pkg', '1.0.0', { manifest: { description: 'hello', dependencies: { x: '^1.0.0' } } });
  const res = await put('first-pkg', body, alice);
  assert.equal(res.statusCode, 201);

  const full = await packument('first-pkg');
  assert.equal(full.name, 'first-pkg');
  assert.match(full._rev, /^\d+-[0-9a-f]{16}$/);
  assert.deepEqual(full['dist-tags'], { latest: '1.0.0' });
  assert.deepEqual(full.maintainers, [{ name: 'alice', email: 'alice@example.com' }]);
  const v = full.versions['1.0.0'];
  assert.equal(v.dist.tarball, 'http://registry.test/first-pkg/-/first-pkg-1.0.0.tgz');
  assert.deepEqual(v._npmUser, { name: 'alice', email: 'alice@example.com' });
  assert.ok(full.time['1.0.0']);

  const abbr = await get('/first-pkg', undefined, { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' });
  assert.equal(abbr.headers['content-type'], 'application/vnd.npm.install-v1+json');
  const a = abbr.json();
  assert.deepEqual(Object.keys(a).sort(), ['dist-tags', 'modified', 'name', 'versions']);
  assert.deepEqual(a.versions['1.0.0'].dependencies, { x: '^1.0.0' });
  assert.equal(a.versions['1.0.0']._npmUser, undefined);

  const tgz = await get('/first-pkg/-/first-pkg-1.0.0.tgz');
  assert.equal(tgz.statusCode, 200);
  const sent = Buffer.from(body._attachments['first-pkg-1.0.0.tgz'].data, 'base64');
  assert.deepEqual(tgz.rawPayload, sent);
  assert.equal(`sha512-${createHash('sha512').update(tgz.rawPayload).digest('base64')}`, v.dist.integrity);
});

test('packuments carry an ETag and answer 304 to If-None-Match', async () => {
  await put('etag-pkg', publishBody('etag-pkg', '1.0.0'), alice);
  const first = await get('/etag-pkg');
  const etag = String(first.headers.etag);
  const again = await get('/etag-pkg', undefined, { 'if-none-match': etag });
  assert.equal(again.statusCode, 304);
  await put('etag-pkg', publishBody('etag-pkg', '1.0.1'), alice);
  const changed = await get('/etag-pkg', undefined, { 'if-none-match': etag });
  assert.equal(changed.statusCode, 200);
  assert.ok(changed.json().versions['1.0.1'], 'the cache was invalidated by the publish');
});

test('an existing version is never published again: 403', async () => {
  await put('dup-pkg', publishBody('dup-pkg', '1.0.0'), alice);
  const res = await put('dup-pkg', publishBody('dup-pkg', '1.0.0', { manifest: { description: 'other' } }), alice);
  assert.equal(res.statusCode, 403);
  assert.match(res.json().error, /cannot publish over the previously published versions: 1\.0\.0/);
});

test('publish body validation: each mistake is a 400 naming it, and nothing is stored', async () => {
  const cases: Array<[string, (b: any) => void, RegExp]> = [
    ['name mismatch', (b) => (b.name = 'other'), /name/],
    ['two versions', (b) => (b.versions['2.0.0'] = b.versions['1.0.0']), /exactly one version/],
    ['bad semver', (b) => { b.versions = { 'not.semver': { ...b.versions['1.0.0'], version: 'not.semver' } }; b['dist-tags'] = { latest: 'not.semver' }; }, /semver/],
    ['manifest version differs', (b) => (b.versions['1.0.0'].version = '1.0.1'), /version/],
    ['integrity mismatch', (b) => (b.versions['1.0.0'].dist.integrity = `sha512-${Buffer.alloc(64).toString('base64')}`), /integrity/],
    ['shasum mismatch', (b) => (b.versions['1.0.0'].dist.shasum = '0'.repeat(40)), /shasum/],
    ['no attachment', (b) => (b._attachments = {}), /attachment/],
    ['bad base64', (b) => (b._attachments['val-pkg-1.0.0.tgz'].data = '!!!notbase64'), /base64/],
    ['length mismatch', (b) => (b._attachments['val-pkg-1.0.0.tgz'].length = 3), /length/],
    ['tag is a range', (b) => (b['dist-tags'] = { '^1.0.0': '1.0.0' }), /semver range/],
    // JSON can carry a lone surrogate, on which encodeURIComponent throws: refused, not a 500.
    ['tag with a lone surrogate', (b) => (b['dist-tags'] = { '\ud800': '1.0.0' }), /URL-safe/],
    ['tag points elsewhere', (b) => (b['dist-tags'] = { latest: '9.9.9' }), /dist-tag/],
    ['restricted unscoped', (b) => (b.access = 'restricted'), /Unscoped/],
    ['wrong access value', (b) => (b.access = 'secret'), /access/],
  ];
  for (const [what, tamper, error] of cases) {
    const res = await put('val-pkg', publishBody('val-pkg', '1.0.0', { tamper }), alice);
    assert.equal(res.statusCode, 400, what);
    assert.match(res.json().error, error, what);
  }
  const wrongInside = await put('val-pkg', publishBody('val-pkg', '1.0.0', { tarballManifest: { name: 'val-pkg', version: '6.6.6' } }), alice);
  assert.equal(wrongInside.statusCode, 400);
  assert.match(wrongInside.json().error, /tarball's package.json/);
  assert.equal((await get('/val-pkg')).statusCode, 404);
  assert.equal(await t.deps.store.packages.get('val-pkg'), null);
});

test('new names must be valid and lower case', async () => {
  for (const name of ['UpperCase', '.hidden', '_under', 'http', 'node_modules', 'has space', 'a~b']) {
    const res = await put(name, publishBody(name, '1.0.0'), alice);
    assert.ok(res.statusCode === 400 || res.statusCode === 404, `${name}: ${res.statusCode}`);
    assert.equal(await t.deps.store.packages.get(name), null);
  }
});

test('only owners publish: another user gets 403; anonymous 401', async () => {
  await put('owned-pkg', publishBody('owned-pkg', '1.0.0'), alice);
  const other = await put('owned-pkg', publishBody('owned-pkg', '1.1.0'), bob);
  assert.equal(other.statusCode, 403);
  const anon = await put('owned-pkg', publishBody('owned-pkg', '1.1.0'));
  assert.equal(anon.statusCode, 401);
  assert.deepEqual(Object.keys((await packument('owned-pkg')).versions), ['1.0.0']);
});

test('the scope @NAME belongs to user NAME; other scopes to their first publisher', async () => {
  assert.equal((await put('@bob/x', publishBody('@bob/x', '1.0.0'), alice)).statusCode, 403);
  assert.equal((await put('@bob/x', publishBody('@bob/x', '1.0.0'), bob)).statusCode, 201);
  assert.equal((await put('@team/a', publishBody('@team/a', '1.0.0'), alice)).statusCode, 201);
  assert.equal((await put('@team/b', publishBody('@team/b', '1.0.0'), bob)).statusCode, 403);
  assert.equal((await put('@team/b', publishBody('@team/b', '1.0.0'), alice)).statusCode, 201);
  // Nobody can sign up as a claimed scope's name.
  const res = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:team', payload: { name: 'team', password: 'violet kettle orbit 42', email: 't@example.com' } });
  assert.equal(res.statusCode, 409);
});

test('all spellings of a scoped name reach the same package', async () => {
  await put('@alice/spell', publishBody('@alice/spell', '1.0.0'), alice);
  for (const url of ['/@alice%2fspell', '/@alice%2Fspell', '/%40alice%2Fspell', '/@alice/spell']) {
    const res = await get(url);
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.json().name, '@alice/spell');
  }
  const tgz = await get('/@alice/spell/-/spell-1.0.0.tgz');
  assert.equal(tgz.statusCode, 200);
});

test('restricted packages are visible to their owners only (404 for others, existence not leaked)', async () => {
  assert.equal((await put('@alice/secret', publishBody('@alice/secret', '1.0.0', { access: 'restricted' }), alice)).statusCode, 201);
  assert.equal((await get('/@alice%2fsecret', alice)).statusCode, 200);
  assert.equal((await get('/@alice%2fsecret', bob)).statusCode, 404);
  assert.equal((await get('/@alice%2fsecret')).statusCode, 404);
  assert.equal((await get('/@alice/secret/-/secret-1.0.0.tgz', bob)).statusCode, 404);
  const search = (await get('/-/v1/search?text=secret', bob)).json();
  assert.equal(search.objects.length, 0);
  const own = (await get('/-/v1/search?text=secret', alice)).json();
  assert.equal(own.objects.length, 1);
  // Bob publishing to it gets what he gets for a free name in that scope (security review 1,
  // finding 10): the scope's answer, whether or not the package exists.
  const hidden = await put('@alice/secret', publishBody('@alice/secret', '1.0.1'), bob);
  const free = await put('@alice/no-such-pkg', publishBody('@alice/no-such-pkg', '1.0.1'), bob);
  assert.equal(hidden.statusCode, 403);
  assert.equal(free.statusCode, 403);
  assert.equal(hidden.json().error.replace('secret', 'X'), free.json().error.replace('no-such-pkg', 'X'));
});

test('access: get and set status; unscoped packages stay public', async () => {
  await put('@alice/vis', publishBody('@alice/vis', '1.0.0'), alice);
  assert.deepEqual((await get('/-/package/@alice%2fvis/visibility')).json(), { public: true });
  const set = await t.request({ method: 'POST', url: '/-/package/@alice%2fvis/access', payload: { access: 'restricted' }, token: alice });
  assert.equal(set.statusCode, 200);
  assert.equal((await get('/@alice%2fvis')).statusCode, 404);
  assert.deepEqual((await get('/-/package/@alice%2fvis/visibility', alice)).json(), { public: false });
  const byBob = await t.request({ method: 'POST', url: '/-/package/@alice%2fvis/access', payload: { access: 'public' }, token: bob });
  assert.equal(byBob.statusCode, 404);
  await put('plain-vis', publishBody('plain-vis', '1.0.0'), alice);
  const unscoped = await t.request({ method: 'POST', url: '/-/package/plain-vis/access', payload: { access: 'restricted' }, token: alice });
  assert.equal(unscoped.statusCode, 400);
  const junk = await t.request({ method: 'POST', url: '/-/package/plain-vis/access', payload: { access: 'public', colour: 'red' }, token: alice });
  assert.equal(junk.statusCode, 400);
  assert.match(junk.json().error, /colour/);
});

test('npm access set mfa stores the package 2FA requirement', async () => {
  await put('mfa-pkg', publishBody('mfa-pkg', '1.0.0'), alice);
  const set = await t.request({ method: 'POST', url: '/-/package/mfa-pkg/access', payload: { publish_requires_tfa: true, automation_token_overrides_tfa: true }, token: alice });
  assert.equal(set.statusCode, 200);
  const s = (await get('/-/package/mfa-pkg/access')).json();
  assert.equal(s.publish_requires_tfa, true);
  assert.equal(s.automation_token_overrides_tfa, true);
  // Alice has no 2FA: a content write is now refused with a 403 that says why.
  const pub = await put('mfa-pkg', publishBody('mfa-pkg', '1.0.1'), alice);
  assert.equal(pub.statusCode, 403);
  assert.match(pub.json().error, /two-factor/);
});

test('dist-tags: add, list, remove; latest cannot be removed; unknown versions 404', async () => {
  await put('tag-pkg', publishBody('tag-pkg', '1.0.0'), alice);
  await put('tag-pkg', publishBody('tag-pkg', '2.0.0-rc.1', { tag: 'next' }), alice);
  const add = await t.request({ method: 'PUT', url: '/-/package/tag-pkg/dist-tags/beta', payload: '"1.0.0"', headers: { 'content-type': 'application/json' }, token: alice });
  assert.equal(add.statusCode, 201);
  assert.deepEqual((await get('/-/package/tag-pkg/dist-tags')).json(), { beta: '1.0.0', latest: '1.0.0', next: '2.0.0-rc.1' });
  const rm = await t.request({ method: 'DELETE', url: '/-/package/tag-pkg/dist-tags/beta', token: alice });
  assert.equal(rm.statusCode, 200);
  assert.equal((await t.request({ method: 'DELETE', url: '/-/package/tag-pkg/dist-tags/latest', token: alice })).statusCode, 400);
  const missing = await t.request({ method: 'PUT', url: '/-/package/tag-pkg/dist-tags/missing', payload: '"9.9.9"', headers: { 'content-type': 'application/json' }, token: alice });
  assert.equal(missing.statusCode, 404);
  const range = await t.request({ method: 'PUT', url: '/-/package/tag-pkg/dist-tags/%5E1.0.0', payload: '"1.0.0"', headers: { 'content-type': 'application/json' }, token: alice });
  assert.equal(range.statusCode, 400);
  const byBob = await t.request({ method: 'PUT', url: '/-/package/tag-pkg/dist-tags/bob', payload: '"1.0.0"', headers: { 'content-type': 'application/json' }, token: bob });
  assert.equal(byBob.statusCode, 403);
});

test('npm deprecate (whole document) and pnpm deprecate (partial) change only deprecations', async () => {
  await put('dep-pkg', publishBody('dep-pkg', '1.0.0'), alice);
  await put('dep-pkg', publishBody('dep-pkg', '1.1.0'), alice);
  const doc = (await get('/dep-pkg?write=true', alice)).json();
  doc.versions['1.0.0'].deprecated = 'use 1.1';
  doc.versions['1.1.0'].description = 'ignored change';
  const npmStyle = await put('dep-pkg', doc, alice);
  assert.equal(npmStyle.statusCode, 200);
  let now = await packument('dep-pkg');
  assert.equal(now.versions['1.0.0'].deprecated, 'use 1.1');
  assert.equal(now.versions['1.1.0'].deprecated, undefined);
  assert.equal(now.versions['1.1.0'].description, undefined);

  // pnpm sends only the versions it changes: nothing else may disappear.
  const pnpmStyle = await t.request({ method: 'PUT', url: '/dep-pkg', payload: { name: 'dep-pkg', versions: { '1.1.0': { deprecated: 'gone too' } } }, token: alice });
  assert.equal(pnpmStyle.statusCode, 200);
  now = await packument('dep-pkg');
  assert.deepEqual(Object.keys(now.versions).sort(), ['1.0.0', '1.1.0']);
  assert.equal(now.versions['1.1.0'].deprecated, 'gone too');

  // Undeprecate with an empty string.
  const undo = await t.request({ method: 'PUT', url: '/dep-pkg', payload: { name: 'dep-pkg', versions: { '1.1.0': { deprecated: '' } } }, token: alice });
  assert.equal(undo.statusCode, 200);
  assert.equal((await packument('dep-pkg')).versions['1.1.0'].deprecated, undefined);
});

test('a PUT may not rewrite a published version or match no intent', async () => {
  await put('immut-pkg', publishBody('immut-pkg', '1.0.0'), alice);
  const doc = (await get('/immut-pkg?write=true', alice)).json();
  doc.versions['1.0.0'].dist.integrity = 'sha512-AAAA';
  doc.versions['1.0.0'].dist.shasum = '0'.repeat(40);
  assert.equal((await put('immut-pkg', doc, alice)).statusCode, 400);
  assert.equal((await put('immut-pkg', { name: 'immut-pkg', something: 1 }, alice)).statusCode, 400);
  const fresh = await packument('immut-pkg');
  assert.notEqual(fresh.versions['1.0.0'].dist.shasum, '0'.repeat(40));
});

test('npm unpublish of one version: PUT -rev, GET, DELETE tarball; the version is burned', async () => {
  await put('unp-pkg', publishBody('unp-pkg', '1.0.0'), alice);
  await put('unp-pkg', publishBody('unp-pkg', '1.1.0'), alice);
  const doc = (await get('/unp-pkg?write=true', alice)).json();
  delete doc.versions['1.1.0'];
  delete doc['dist-tags'].latest;
  const res = await t.request({ method: 'PUT', url: `/unp-pkg/-rev/${doc._rev}`, payload: doc, token: alice });
  assert.equal(res.statusCode, 200);
  const after = (await get('/unp-pkg?write=true', alice)).json();
  assert.deepEqual(Object.keys(after.versions), ['1.0.0']);
  assert.deepEqual(after['dist-tags'], { latest: '1.0.0' });
  const del = await t.request({ method: 'DELETE', url: `/unp-pkg/-/unp-pkg-1.1.0.tgz/-rev/${after._rev}`, token: alice });
  assert.equal(del.statusCode, 200);
  assert.equal((await get('/unp-pkg/-/unp-pkg-1.1.0.tgz')).statusCode, 404);
  const again = await put('unp-pkg', publishBody('unp-pkg', '1.1.0'), alice);
  assert.equal(again.statusCode, 403);
  // A stale _rev is a conflict.
  const stale = await t.request({ method: 'PUT', url: `/unp-pkg/-rev/${doc._rev}`, payload: doc, token: alice });
  assert.equal(stale.statusCode, 409);
});

test('unpublishing a whole package keeps the name reserved to its former owners', async () => {
  await put('gone-pkg', publishBody('gone-pkg', '1.0.0'), alice);
  const doc = (await get('/gone-pkg?write=true', alice)).json();
  assert.equal((await t.request({ method: 'DELETE', url: `/gone-pkg/-rev/${doc._rev}`, token: bob })).statusCode, 403);
  const del = await t.request({ method: 'DELETE', url: `/gone-pkg/-rev/${doc._rev}`, token: alice });
  assert.equal(del.statusCode, 200);
  assert.equal((await get('/gone-pkg')).statusCode, 404);
  assert.equal((await get('/gone-pkg/-/gone-pkg-1.0.0.tgz')).statusCode, 404);
  assert.equal((await put('gone-pkg', publishBody('gone-pkg', '2.0.0'), bob)).statusCode, 403);
  assert.equal((await put('gone-pkg', publishBody('gone-pkg', '1.0.0'), alice)).statusCode, 403);
  assert.equal((await put('gone-pkg', publishBody('gone-pkg', '2.0.0'), alice)).statusCode, 201);
  assert.deepEqual(Object.keys((await packument('gone-pkg')).versions), ['2.0.0']);
});

test('owners: add and remove by diff; the last owner stays; unknown users 404', async () => {
  await put('own-pkg', publishBody('own-pkg', '1.0.0'), alice);
  let doc = await packument('own-pkg');
  const add = await t.request({ method: 'PUT', url: `/own-pkg/-rev/${encodeURIComponent(doc._rev)}`, token: alice, payload: { _id: 'own-pkg', _rev: doc._rev, maintainers: [{ name: 'alice', email: 'x' }, { name: 'bob', email: 'forged@example.com' }] } });
  assert.equal(add.statusCode, 200);
  assert.equal(add.json().ok, true);
  doc = await packument('own-pkg');
  assert.deepEqual(doc.maintainers, [{ name: 'alice', email: 'alice@example.com' }, { name: 'bob', email: 'bob@example.com' }]);
  assert.equal((await put('own-pkg', publishBody('own-pkg', '1.1.0'), bob)).statusCode, 201);
  doc = await packument('own-pkg');
  const none = await t.request({ method: 'PUT', url: `/own-pkg/-rev/${doc._rev}`, token: alice, payload: { _id: 'own-pkg', _rev: doc._rev, maintainers: [] } });
  assert.equal(none.statusCode, 400);
  doc = await packument('own-pkg');
  const ghost = await t.request({ method: 'PUT', url: `/own-pkg/-rev/${doc._rev}`, token: alice, payload: { _id: 'own-pkg', _rev: doc._rev, maintainers: [{ name: 'ghost' }] } });
  assert.equal(ghost.statusCode, 404);
  const rm = await t.request({ method: 'PUT', url: `/own-pkg/-rev/${doc._rev}`, token: bob, payload: { _id: 'own-pkg', _rev: doc._rev, maintainers: [{ name: 'bob' }] } });
  assert.equal(rm.statusCode, 200);
  assert.deepEqual((await packument('own-pkg')).maintainers.map((m: any) => m.name), ['bob']);
  assert.equal((await put('own-pkg', publishBody('own-pkg', '1.2.0'), alice)).statusCode, 403);
});

test('concurrent publishes of different versions of one package all land', async () => {
  await put('race-pkg', publishBody('race-pkg', '0.0.1'), alice);
  const versions = Array.from({ length: 30 }, (_, i) => `1.0.${i}`);
  const results = await Promise.all(versions.map((v) => put('race-pkg', publishBody('race-pkg', v), alice)));
  assert.deepEqual(results.map((r) => r.statusCode), versions.map(() => 201));
  const doc = await packument('race-pkg');
  assert.equal(Object.keys(doc.versions).length, 31);
});

test('search finds by name, description and keywords, with the fields npm needs', async () => {
  await put('findme-widget', publishBody('findme-widget', '1.0.0', { manifest: { description: 'A shiny gadget', keywords: ['sparkle'] } }), alice);
  for (const text of ['findme', 'shiny', 'sparkle']) {
    const res = (await get(`/-/v1/search?text=${text}&size=20`)).json();
    assert.equal(res.total, 1, text);
    const p = res.objects[0].package;
    assert.equal(p.name, 'findme-widget');
    assert.equal(p.version, '1.0.0');
    assert.deepEqual(p.maintainers, [{ username: 'alice', email: 'alice@example.com' }]);
  }
  assert.equal((await get('/-/v1/search?text=x&size=abc')).statusCode, 400);
});

test('version documents by version and by tag', async () => {
  await put('ver-pkg', publishBody('ver-pkg', '1.0.0'), alice);
  assert.equal((await get('/ver-pkg/1.0.0')).json().version, '1.0.0');
  assert.equal((await get('/ver-pkg/latest')).json().version, '1.0.0');
  assert.equal((await get('/ver-pkg/9.9.9')).statusCode, 404);
});
