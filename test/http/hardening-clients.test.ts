// Older npm clients (issue 21): npm 6-8 POST /-/v1/login on every login and fall back to their
// Username/Password prompts only on a 4xx, so web login is answered only to callers sending
// `npm-auth-type: web`; and the access a scoped publish without --access gets is the
// `scopedPackageAccess` setting, said in the publisher's security log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

describe('POST /-/v1/login answers web login only to npm-auth-type: web', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
  });
  after(() => t.close());

  const start = (headers: Record<string, string>, payload: unknown = {}) =>
    t.request({ method: 'POST', url: '/-/v1/login', payload: payload as object, headers });

  // npm 6 and 7 send no header, npm 8 `legacy` (npm-profile webAuth falls back on 400-499).
  for (const [what, headers] of [
    ['no npm-auth-type (npm 6, 7)', {}],
    ['npm-auth-type: legacy (npm 8)', { 'npm-auth-type': 'legacy' }],
    ['npm-auth-type: saml', { 'npm-auth-type': 'saml' }],
    ['an empty npm-auth-type', { 'npm-auth-type': '' }],
    ['npm-auth-type: webby', { 'npm-auth-type': 'webby' }],
  ] as const) {
    test(`${what} gets a 404 JSON naming web login, with no link, and stores nothing`, async () => {
      for (const payload of [{}, { create: true, hostname: 'ci-box' }]) {
        const res = await start(headers, payload);
        assert.equal(res.statusCode, 404, res.body);
        assert.match(res.headers['content-type'] as string, /application\/json/);
        const body = res.json();
        assert.match(body.error, /npm-auth-type: web/);
        assert.equal(body.loginUrl, undefined);
        assert.equal(body.doneUrl, undefined);
      }
    });
  }

  test('npm-auth-type: web (npm 9-11, yarn 4) still gets loginUrl and doneUrl, in any case', async () => {
    for (const value of ['web', 'Web', ' web ']) {
      const res = await start({ 'npm-auth-type': value });
      assert.equal(res.statusCode, 200, res.body);
      const { loginUrl, doneUrl } = res.json();
      assert.match(loginUrl, /^http:\/\/registry\.test\/-\/web\/cli-login\//);
      assert.match(doneUrl, /^http:\/\/registry\.test\/-\/v1\/done\?authId=/);
      const poll = await t.request({ url: new URL(doneUrl).pathname + new URL(doneUrl).search });
      assert.equal(poll.statusCode, 202);
    }
  });

  test('the legacy login npm 6-8 fall back to (PUT /-/user) still works after the 404', async () => {
    await t.signUp('olduser');
    assert.equal((await start({})).statusCode, 404);
    const res = await t.request({
      method: 'PUT',
      url: '/-/user/org.couchdb.user:olduser',
      payload: { _id: 'org.couchdb.user:olduser', name: 'olduser', password: 'violet kettle orbit 42', type: 'user', roles: [] },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.ok(res.json().token);
  });
});

async function publishAs(t: TestApp, token: string, name: string, version: string, access: 'public' | 'restricted' | null) {
  const res = await t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token, payload: publishBody(name, version, { access }) });
  assert.equal(res.statusCode, 201, res.body);
}

async function accessOf(t: TestApp, token: string, name: string): Promise<string> {
  const res = await t.request({ url: `/-/package/${name.replace('/', '%2f')}/access`, token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access;
}

async function publishEvents(t: TestApp, token: string): Promise<any[]> {
  const res = await t.request({ url: '/-/tessera/v1/security-log?limit=100', token });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().objects.filter((e: any) => e.type === 'publish').reverse();
}

for (const setting of ['default', 'public', 'restricted'] as const) {
  describe(`scoped publish without --access, scopedPackageAccess ${setting}`, () => {
    let t: TestApp;
    let token: string;
    const expected = setting === 'restricted' ? 'restricted' : 'public';
    before(async () => {
      t = await startApp(setting === 'default' ? {} : { 'scoped-package-access': setting });
      token = await t.signUp('pat');
    });
    after(() => t.close());

    test(`a new scoped package gets ${expected}; the security log says it was the default`, async () => {
      await publishAs(t, token, '@pat/quiet', '1.0.0', null);
      assert.equal(await accessOf(t, token, '@pat/quiet'), expected);
      const anon = await t.request({ url: '/@pat%2fquiet' });
      assert.equal(anon.statusCode, expected === 'public' ? 200 : 404);
      const [event] = await publishEvents(t, token);
      assert.deepEqual(event.detail, { package: '@pat/quiet', version: '1.0.0', access: expected, access_from: 'default' });
    });

    test('--access wins over the setting, both ways; later publishes keep the access', async () => {
      await publishAs(t, token, '@pat/open', '1.0.0', 'public');
      await publishAs(t, token, '@pat/closed', '1.0.0', 'restricted');
      await publishAs(t, token, '@pat/closed', '1.0.1', null);
      assert.equal(await accessOf(t, token, '@pat/open'), 'public');
      assert.equal(await accessOf(t, token, '@pat/closed'), 'restricted');
      const events = (await publishEvents(t, token)).map((e) => e.detail).filter((d) => d.package !== '@pat/quiet');
      assert.deepEqual(events, [
        { package: '@pat/open', version: '1.0.0', access: 'public', access_from: 'request' },
        { package: '@pat/closed', version: '1.0.0', access: 'restricted', access_from: 'request' },
        { package: '@pat/closed', version: '1.0.1', access: 'restricted', access_from: 'kept' },
      ]);
    });

    test('an unscoped package without --access is public whatever the setting', async () => {
      await publishAs(t, token, `plain-${setting}`, '1.0.0', null);
      assert.equal(await accessOf(t, token, `plain-${setting}`), 'public');
    });
  });
}

test('scopedPackageAccess refuses other values at start-up, naming the key', async () => {
  await assert.rejects(startApp({ 'scoped-package-access': 'private' }), /scopedPackageAccess|scoped-package-access/);
});
