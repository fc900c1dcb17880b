// Every list a token request accepts names something valid: a blank entry, a range that can
// never match a client address, or an invalid package or scope name is a 400 naming the entry,
// never a silently shorter list (review 1 finding 14: cidr_whitelist [""] made an unrestricted
// token). Over HTTP, because npm refuses some of these values itself; also the web form.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webBrowser } from '../support/web-browser.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';

let t: TestApp;
let session: string;
before(async () => {
  t = await startApp({ 'max-tokens': '100' });
  session = await t.signUp('lists');
});
after(() => t.close());

const create = (body: object) => t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, payload: body });
const legacy = (extra: object) => ({ password: PASSWORD, readonly: false, ...extra });
const granular = (extra: object) => ({ name: null, password: PASSWORD, packages_and_scopes_permission: 'read-write', ...extra });
const count = async () => (await t.request({ url: '/-/npm/v1/tokens', token: session })).json().total as number;

test('cidr_whitelist: blank entries, zone ids, mapped ranges, malformed ranges and non-strings are 400s naming the entry', async () => {
  const before = await count();
  const cases: Array<[unknown[], RegExp]> = [
    [[''], /entry 1 \(""\) is blank/],
    [[' '], /entry 1 \(" "\) is blank/],
    [[','], /entry 1 \(","\) is blank/],
    [['10.0.0.0/8,'], /entry 1 \("10\.0\.0\.0\/8,"\) is blank/],
    [['10.0.0.0/8', ''], /entry 2 \(""\) is blank/],
    [['10.0.0.0/8, ,192.168.0.0/16'], /entry 1 .* is blank/],
    [['fe80::1%eth0/64'], /"fe80::1%eth0\/64" carries an IPv6 zone id/],
    [['fe80::%25en0/64'], /zone id/],
    [['::ffff:10.0.0.0/104'], /IPv4-mapped.*write 10\.0\.0\.0\/8/],
    [['::ffff:0:0/96'], /IPv4-mapped.*write 0\.0\.0\.0\/0/],
    [['10.0.0.0'], /"10\.0\.0\.0" is not a CIDR range/],
    [['10.0.0.0/33'], /"10\.0\.0\.0\/33" is not a CIDR range/],
    [['10.0.0/8'], /not a CIDR range/],
    [['::1/129'], /not a CIDR range/],
    [[7], /entry 1 \(7\) is not a string/],
    [[null], /entry 1 \(null\) is not a string/],
    [[{ toString: null }], /entry 1 .* is not a string/],
  ];
  for (const [cidr, pattern] of cases) {
    for (const body of [legacy({ cidr_whitelist: cidr }), granular({ packages_all: true, cidr_whitelist: cidr })]) {
      const res = await create(body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(cidr)}: ${res.statusCode} ${res.body}`);
      assert.match(res.json().error, /cidr_whitelist/);
      assert.match(res.json().error, pattern, JSON.stringify(cidr));
    }
  }
  assert.equal(await count(), before, 'nothing was created');
  // What still works: an empty list (no limit), host bits (cleared), IPv6, a comma-separated entry.
  const ok = await create(legacy({ cidr_whitelist: ['10.1.2.3/8', '2001:db8::1/32', '192.168.0.0/16, 172.16.0.0/12'] }));
  assert.equal(ok.statusCode, 201, ok.body);
  assert.deepEqual(ok.json().cidr_whitelist, ['10.0.0.0/8', '2001:db8::/32', '192.168.0.0/16', '172.16.0.0/12']);
  assert.equal((await create(legacy({ cidr_whitelist: [] }))).statusCode, 201);
});

test('a token whose CIDR entry was blank is never created unrestricted (the reviewer\'s proof)', async () => {
  for (const cidr of [[''], [' '], [',']]) {
    const res = await create(granular({ packages_all: true, cidr_whitelist: cidr }));
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().token, undefined);
  }
});

test('packages and scopes: blank or invalid names are 400s naming the entry', async () => {
  const before = await count();
  const cases: Array<[object, RegExp]> = [
    [{ packages: [''] }, /"packages": entry 1 \(""\) is blank/],
    [{ packages: ['a,'] }, /"packages": entry 1 \("a,"\) is blank/],
    [{ packages: ['ok-pkg', ' '] }, /"packages": entry 2/],
    [{ packages: [3] }, /"packages": entry 1 \(3\) is not a string/],
    [{ packages: ['Upper'] }, /"packages": "Upper"/],
    [{ packages: ['a b'] }, /"packages": "a b"/],
    [{ packages: ['.hidden'] }, /"packages": "\.hidden"/],
    [{ scopes: [''] }, /"scopes": entry 1 \(""\) is blank/],
    [{ scopes: [','] }, /"scopes": entry 1/],
    [{ scopes: ['@'] }, /"scopes": "@" is not a scope name/],
    [{ scopes: ['@Acme'] }, /"scopes": "@Acme" is not a scope name/],
    [{ scopes: ['@a/b'] }, /"scopes": "@a\/b" is not a scope name/],
    [{ scopes: ['@a b'] }, /"scopes": "@a b"/],
    [{ scopes: [{}] }, /"scopes": entry 1 \(\{\}\) is not a string/],
  ];
  for (const [extra, pattern] of cases) {
    const res = await create(granular(extra));
    assert.equal(res.statusCode, 400, `${JSON.stringify(extra)}: ${res.statusCode} ${res.body}`);
    assert.match(res.json().error, pattern, JSON.stringify(extra));
  }
  assert.equal(await count(), before, 'nothing was created');
  // npm 11's --packages=a,b arrives as one entry; existing legacy names stay usable in limits.
  const ok = await create(granular({ packages: ['a-pkg,b-pkg', '-legacy-dash'], scopes: ['acme', '@lists'] }));
  assert.equal(ok.statusCode, 201, ok.body);
  assert.deepEqual(ok.json().packages, ['a-pkg', 'b-pkg', '-legacy-dash']);
});

/** A signed-in browser on the token page, enough to post the token form. */
async function browser(name: string) {
  const { get, post } = webBrowser(t);
  await get('/-/web/login');
  const login = await post('/-/web/login', { name, password: PASSWORD, next: '/-/web/' });
  assert.equal(login.statusCode, 303, login.body);
  await get('/-/web/tokens');
  return { get, post };
}

test('the web token form refuses the same entries, naming them, and creates nothing', async () => {
  await t.signUp('weblists');
  const b = await browser('weblists');
  const cli = (await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:weblists', payload: { name: 'weblists', password: PASSWORD } })).json().token;
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ cidr: ',' }, /blank/],
    [{ cidr: ' , ' }, /blank/],
    [{ cidr: '10.0.0.0/8,,192.168.0.0/16' }, /blank/],
    [{ cidr: 'fe80::1%eth0/64' }, /zone id/],
    [{ cidr: '::ffff:10.0.0.0/104' }, /IPv4-mapped/],
    [{ coverage: 'some', packages: ',' }, /blank/],
    [{ coverage: 'some', scopes: ' , ' }, /blank/],
    [{ coverage: 'some', packages: 'Upper' }, /Upper/],
  ];
  for (const [fields, pattern] of cases) {
    const res = await b.post('/-/web/tokens', { permission: 'read-only', coverage: 'all', password: PASSWORD, ...fields });
    assert.equal(res.statusCode, 400, `${JSON.stringify(fields)}: ${res.statusCode}`);
    assert.match(res.body, pattern, JSON.stringify(fields));
  }
  assert.equal((await t.request({ url: '/-/npm/v1/tokens', token: cli })).json().total, 0, 'nothing was created');
  const ok = await b.post('/-/web/tokens', { permission: 'read-only', coverage: 'all', password: PASSWORD, cidr: '10.0.0.0/8, 192.168.0.0/16' });
  assert.equal(ok.statusCode, 201);
  assert.deepEqual((await t.request({ url: '/-/npm/v1/tokens', token: cli })).json().objects[0].cidr_whitelist, ['10.0.0.0/8', '192.168.0.0/16']);
});
