import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp({ 'max-body-mb': '1' });
  alice = await t.signUp('alice');
});
after(() => t.close());

function assertJsonError(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, pattern?: RegExp) {
  assert.equal(res.statusCode, status);
  assert.match(String(res.headers['content-type']), /application\/json/);
  const body = res.json();
  assert.equal(typeof body.error, 'string');
  assert.doesNotMatch(body.error, /\n\s+at /, 'no stack trace');
  if (pattern) assert.match(body.error, pattern);
}

test('broken JSON is a 400 that says so', async () => {
  const res = await t.request({ method: 'PUT', url: '/x-pkg', token: alice, payload: '{"name": ', headers: { 'content-type': 'application/json' } });
  assertJsonError(res, 400, /not valid JSON/);
});

test('a body over the configured limit is a 413 with a JSON error, and nothing is stored', async () => {
  const body = publishBody('big-pkg', '1.0.0');
  body._attachments['big-pkg-1.0.0.tgz'].data = 'A'.repeat(3 * 1024 * 1024);
  const res = await t.request({ method: 'PUT', url: '/big-pkg', token: alice, payload: body });
  assertJsonError(res, 413, /larger than this registry accepts/);
  assert.equal(await t.deps.store.packages.get('big-pkg'), null);
});

test('non-publish routes take small bodies only', async () => {
  const res = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:zed', payload: { name: 'zed', password: 'x'.repeat(2 * 1024 * 1024) } });
  assertJsonError(res, 413);
});

test('unknown routes and unknown packages are JSON 404s', async () => {
  assertJsonError(await t.request({ url: '/-/nothing/here/at/all' }), 404);
  assertJsonError(await t.request({ url: '/no-such-package' }), 404);
  assertJsonError(await t.request({ url: '/no-such-package/-/no-such-package-1.0.0.tgz' }), 404);
});

test('malformed Basic credentials are a 400', async () => {
  const res = await t.request({ url: '/-/user/org.couchdb.user:alice', headers: { authorization: 'Basic %%%' } });
  assertJsonError(res, 400, /Basic/);
});

test('wrong body types on writes are 400s', async () => {
  await t.request({ method: 'PUT', url: '/typed-pkg', token: alice, payload: publishBody('typed-pkg', '1.0.0') });
  assertJsonError(await t.request({ method: 'PUT', url: '/typed-pkg', token: alice, payload: '[1,2]', headers: { 'content-type': 'application/json' } }), 400);
  assertJsonError(await t.request({ method: 'PUT', url: '/-/package/typed-pkg/dist-tags/beta', token: alice, payload: '{"v":1}', headers: { 'content-type': 'application/json' } }), 400);
  assertJsonError(await t.request({ method: 'POST', url: '/-/package/typed-pkg/access', token: alice, payload: '"public"', headers: { 'content-type': 'application/json' } }), 400);
  assertJsonError(await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:alice', payload: '"x"', headers: { 'content-type': 'application/json' } }), 400);
});

test('path traversal in names and files finds nothing', async () => {
  for (const url of ['/..%2f..%2fetc%2fpasswd', '/typed-pkg/-/..%2f..%2ftessera.db', '/%2e%2e/-/x.tgz', '/typed-pkg/-/%00.tgz']) {
    const res = await t.request({ url });
    assert.ok(res.statusCode === 404 || res.statusCode === 400, `${url}: ${res.statusCode}`);
  }
});

test('API answers default to cache-control: no-store; reads that may be cached keep their own', async () => {
  const t = await startApp();
  try {
    const token = await t.signUp('cachey');
    for (const url of ['/-/ping', '/-/whoami', '/-/npm/v1/user', '/-/npm/v1/tokens', '/-/v1/search?text=x', '/-/user/org.couchdb.user:cachey']) {
      const res = await t.request({ url, token });
      assert.equal(res.headers['cache-control'], 'no-store', `${url}: ${res.statusCode}`);
    }
    const pub = await t.request({ method: 'PUT', url: '/cachey-pkg', token, payload: publishBody('cachey-pkg', '1.0.0') });
    assert.equal(pub.headers['cache-control'], 'no-store');
    assert.notEqual((await t.request({ url: '/cachey-pkg' })).headers['cache-control'], 'no-store');
    assert.equal((await t.request({ url: '/-/package/cachey-pkg/dist-tags' })).headers['cache-control'], 'no-cache');
  } finally {
    await t.close();
  }
});
