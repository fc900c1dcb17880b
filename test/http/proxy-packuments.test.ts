// Proxied packuments (issue #15, item 2) against an upstream of the test's own: fetched,
// kept and served with Tessera's tarball URLs, fresh for proxyFreshSeconds and then
// revalidated conditionally, one upstream request for concurrent misses, the stored copy served
// stale when the upstream fails, 502/504 naming the upstream when nothing is stored, bad
// upstream answers refused with nothing kept, and proxyReaders.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { type Answer, startUpstream, type TestUpstream } from '../support/upstream.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

let up: TestUpstream;
let t: TestApp;
let base: string;
const clock = new TestClock();

before(async () => {
  up = await startUpstream();
  t = await startApp({ upstream: up.url, 'proxy-fresh-seconds': '120', 'max-packument-mb': '1' }, clock);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/`;
});

after(async () => {
  await t.close();
  await up.close();
});

/** A real HTTP GET (through the read fast path). */
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
const asked = (path: string) => up.requests.filter((r) => r.url === path).length;

test('a name with no local versions is fetched from the upstream, in the form asked, with tarball URLs rewritten', async () => {
  up.addVersion('left-pad', '1.0.0', Buffer.from('left-pad bytes'));
  const res = await get('left-pad', { accept: ABBREVIATED });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-tessera-cache'), 'miss');
  assert.match(res.headers.get('content-type') ?? '', /vnd\.npm\.install-v1\+json/);
  const doc = (await res.json()) as { name: string; versions: Record<string, { dist: { tarball: string } }> };
  assert.equal(doc.name, 'left-pad');
  assert.equal(doc.versions['1.0.0'].dist.tarball, 'http://registry.test/left-pad/-/left-pad-1.0.0.tgz');
  assert.match(up.requests.at(-1)?.accept ?? '', /^application\/vnd\.npm\.install-v1\+json/, 'asked upstream in the abbreviated form');
  const again = await get('left-pad', { accept: ABBREVIATED });
  assert.equal(again.headers.get('x-tessera-cache'), 'hit');
  assert.equal(asked('/left-pad'), 1, 'a warm read does not ask the upstream');
  const full = await get('left-pad');
  assert.equal(full.status, 200);
  assert.equal(up.requests.at(-1)?.accept, 'application/json', 'the full form is fetched as such');
  assert.ok(await t.deps.store.proxy.getPackument('left-pad', 'full'));
  assert.ok(await t.deps.store.proxy.getPackument('left-pad', 'abbreviated'));
});

test('after the freshness window a conditional request revalidates; a 304 keeps the copy', async () => {
  up.addVersion('fresh-one', '1.0.0', Buffer.from('x'));
  assert.equal((await get('fresh-one', { accept: ABBREVIATED })).status, 200);
  clock.advanceSeconds(60);
  assert.equal((await get('fresh-one', { accept: ABBREVIATED })).status, 200);
  assert.equal(asked('/fresh-one'), 1, 'within the window: no request');
  clock.advanceSeconds(61);
  const res = await get('fresh-one', { accept: ABBREVIATED });
  assert.equal(res.status, 200);
  assert.equal(asked('/fresh-one'), 2);
  assert.ok(up.requests.at(-1)?.ifNoneMatch, 'the revalidation carries If-None-Match');
  assert.equal(res.headers.get('x-tessera-cache'), 'hit', 'a 304 transfers nothing');
  clock.advanceSeconds(121);
  up.addVersion('fresh-one', '1.1.0', Buffer.from('y'));
  const changed = (await (await get('fresh-one', { accept: ABBREVIATED })).json()) as { versions: Record<string, unknown> };
  assert.deepEqual(Object.keys(changed.versions).sort(), ['1.0.0', '1.1.0'], 'a changed document replaces the copy');
});

test('50 concurrent misses of one name make one upstream request', async () => {
  up.addVersion('popular', '1.0.0', Buffer.from('p'));
  up.delayMs = 100;
  try {
    const answers = await Promise.all(Array.from({ length: 50 }, () => get('popular', { accept: ABBREVIATED })));
    assert.deepEqual([...new Set(answers.map((r) => r.status))], [200]);
  } finally {
    up.delayMs = 0;
  }
  assert.equal(asked('/popular'), 1);
});

test('the upstream down: the stored copy is served stale with a Warning; nothing stored: 502 naming the upstream', async () => {
  up.addVersion('kept', '1.0.0', Buffer.from('k'));
  assert.equal((await get('kept', { accept: ABBREVIATED })).status, 200);
  up.overrides.set('/kept', { status: 500, body: 'oops' });
  up.overrides.set('/never-seen', { status: 503, body: 'down' });
  clock.advanceSeconds(200);
  const stale = await get('kept', { accept: ABBREVIATED });
  assert.equal(stale.status, 200);
  assert.equal(stale.headers.get('warning'), '110 - "Response is stale"');
  assert.equal(((await stale.json()) as { name: string }).name, 'kept');
  const none = await get('never-seen', { accept: ABBREVIATED });
  assert.equal(none.status, 502);
  const body = (await none.json()) as { error: string; code: string };
  assert.equal(body.code, 'UPSTREAM_FAILED');
  assert.match(body.error, /upstream default/);
  const requestsBefore = asked('/never-seen');
  assert.equal((await get('never-seen', { accept: ABBREVIATED })).status, 502);
  assert.equal(asked('/never-seen'), requestsBefore, 'a failure is answered for a few seconds without asking again');
  up.overrides.delete('/kept');
  up.overrides.delete('/never-seen');
  assert.equal(t.deps.upstreamState.of('default').lastError !== null, true, 'the upstream state records the failure');
});

test('an upstream slower than its timeout: 504 naming it when nothing is stored', async () => {
  const slow = await startUpstream();
  const other = await startApp({ upstream: slow.url }, clock);
  try {
    // The default upstream's timeout comes from upstreams[].timeoutSeconds; set it short here.
    (other.deps.settings.proxy.upstreams.get('default') as { timeoutMs: number }).timeoutMs = 200;
    slow.delayMs = 1000;
    const res = await other.request({ method: 'GET', url: '/slowpoke' });
    assert.equal(res.statusCode, 504);
    assert.equal(res.json().code, 'UPSTREAM_TIMEOUT');
    assert.match(res.json().error, /default/);
  } finally {
    await other.close();
    await slow.close();
  }
});

test('an upstream 404 is our 404', async () => {
  const res = await get('no-such-package-anywhere', { accept: ABBREVIATED });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { code: string }).code, 'NOT_FOUND');
});

for (const [what, answer, why] of [
  ['a body that is not JSON', { headers: { 'content-type': 'application/json' }, body: '{"name": "bad-' }, /not valid JSON/],
  ['a wrong content type', { headers: { 'content-type': 'text/html' }, body: '<html></html>' }, /content type/],
  ['a redirect to another host', { status: 302, headers: { location: 'http://192.0.2.1/evil' } }, /redirect/],
  ['a packument of another name', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'other-name', versions: {} }) }, /names "other-name"/],
  ['a version without a tarball', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '$NAME', versions: { '1.0.0': { dist: { integrity: 'sha512-x' } } } }) }, /dist\.tarball/],
  ['a version without a checksum', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '$NAME', versions: { '1.0.0': { dist: { tarball: 'http://127.0.0.1/x.tgz' } } } }) }, /integrity/],
  ['a body over maxPackumentMb', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '$NAME', readme: 'x'.repeat(1_100_000) }) }, /more than/],
] as const) {
  test(`bad upstream input is refused with 502 and nothing is kept: ${what}`, async () => {
    const name = `bad-${what.replace(/[^a-z]+/g, '-')}`.replace(/-$/, '');
    const a = { ...answer, body: 'body' in answer ? String(answer.body).replace('$NAME', name) : undefined };
    up.overrides.set(`/${name}`, a as unknown as Answer);
    const res = await get(name, { accept: ABBREVIATED });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: string; code: string };
    assert.equal(body.code, 'UPSTREAM_FAILED');
    assert.match(body.error, why);
    assert.equal(await t.deps.store.proxy.getPackument(name, 'abbreviated'), null, 'nothing kept');
    up.overrides.delete(`/${name}`);
  });
}

test('proxyReaders users: anonymous reads of proxied names get 401 and nothing is asked upstream; signed-in users read', async () => {
  const up2 = await startUpstream();
  const other = await startApp({ upstream: up2.url, 'proxy-readers': 'users' }, clock);
  try {
    up2.addVersion('private-ish', '1.0.0', Buffer.from('z'));
    const anon = await other.request({ method: 'GET', url: '/private-ish' });
    assert.equal(anon.statusCode, 401);
    assert.equal(up2.requests.length, 0);
    const token = await other.signUp('reader');
    const signed = await other.request({ method: 'GET', url: '/private-ish', token });
    assert.equal(signed.statusCode, 200);
    assert.equal(signed.headers['x-tessera-cache'], 'miss');
    const anonAgain = await other.request({ method: 'GET', url: '/private-ish/-/private-ish-1.0.0.tgz' });
    assert.equal(anonAgain.statusCode, 401, 'tarballs too');
  } finally {
    await other.close();
    await up2.close();
  }
});

test('with a minimum release age, both forms come from one fetch of the full form', async () => {
  const up3 = await startUpstream();
  const other = await startApp({ upstream: up3.url }, clock);
  try {
    const proxy = other.deps.settings.proxy;
    other.deps.settings.proxy = { ...proxy, rules: [{ pattern: '*', upstream: 'default', minReleaseAgeMs: 3 * 86_400_000, minReleaseAgeExempt: [] }] };
    up3.addVersion('aged', '1.0.0', Buffer.from('a'));
    up3.delayMs = 100;
    const [abbreviated, full] = await Promise.all([
      other.request({ method: 'GET', url: '/aged', headers: { accept: ABBREVIATED } }),
      other.request({ method: 'GET', url: '/aged' }),
    ]);
    assert.equal(abbreviated.statusCode, 200);
    assert.equal(full.statusCode, 200);
    assert.equal(full.json().time['1.0.0'], '2020-01-01T00:00:00.000Z');
    assert.equal(up3.requests.length, 1, 'one upstream request for both forms');
    assert.equal(up3.requests[0].accept, 'application/json', 'the full form (which has time) was fetched');
    assert.equal(await other.deps.store.proxy.getPackument('aged', 'abbreviated'), null, 'only the full form is kept');
  } finally {
    await other.close();
    await up3.close();
  }
});

test('an upstream slower than its timeout: the stored copy is served stale, and once stale it is served at once while the upstream is retried', async () => {
  const slow = await startUpstream();
  const other = await startApp({ upstream: slow.url }, clock);
  try {
    (other.deps.settings.proxy.upstreams.get('default') as { timeoutMs: number }).timeoutMs = 300;
    slow.addVersion('sluggish', '1.0.0', Buffer.from('s'));
    assert.equal((await other.request({ method: 'GET', url: '/sluggish' })).statusCode, 200);
    clock.advanceSeconds(121);
    slow.delayMs = 3000;
    const first = await other.request({ method: 'GET', url: '/sluggish' });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers.warning, '110 - "Response is stale"');
    clock.advanceSeconds(10);
    const started = performance.now();
    const second = await other.request({ method: 'GET', url: '/sluggish' });
    assert.equal(second.statusCode, 200);
    assert.equal(second.headers.warning, '110 - "Response is stale"');
    assert.ok(performance.now() - started < 250, 'no wait for the upstream timeout');
    for (const r of await Promise.all(Array.from({ length: 5 }, () => other.request({ method: 'GET', url: '/sluggish' })))) assert.equal(r.statusCode, 200);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(slow.requests.length, 3, 'the first fetch, the timed-out revalidation, one background retry: not one per request');
  } finally {
    await other.close();
    await slow.close();
  }
});
