// Request bodies: no body is read for a write without a valid credential, the large publish
// limit is for authenticated publishes only, and Content-Encoding is honoured on every route
// with the inflated size held to the route's limit (review 1 finding 5; issue 13 item 2).

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

let t: TestApp;
let alice: string;
let port: number;
before(async () => {
  t = await startApp({ 'max-body-mb': '140' });
  alice = await t.signUp('alice');
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as { port: number }).port;
});
after(() => t.close());

/**
 * Sends the request line, headers and only `sent` bytes of a body declared much larger, and
 * resolves with the raw answer if the server answers without waiting for the rest.
 */
function partialBody(method: string, path: string, headers: Record<string, string>, declared: number, sent = 1024): Promise<{ status: number; head: string; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer before the body was complete: ${method} ${path}`));
    }, 5000);
    socket.on('data', (d) => {
      data += d.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(data)?.[1];
      if (end !== -1 && length !== undefined && data.length >= end + 4 + Number(length)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(data.slice(9, 12)), head: data.slice(0, end), body: data.slice(end + 4), ms: performance.now() - started });
      }
    });
    socket.on('error', () => {});
    const lines = Object.entries({ host: 'x', 'content-type': 'application/json', 'content-length': String(declared), ...headers }).map(([k, v]) => `${k}: ${v}`);
    socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n{"name":"x","_attachments":{"x.tgz":{"data":"${'A'.repeat(sent)}`);
  });
}

const MiB = 1024 * 1024;

test('an anonymous 130 MiB publish body gets 401 before it is read (review 1 finding 5)', async () => {
  const r = await partialBody('PUT', '/somepkg', {}, 130 * MiB);
  assert.equal(r.status, 401);
  assert.match(r.head, /www-authenticate: Bearer/i);
  assert.match(r.head, /connection: close/i, 'the unread body is not drained');
  assert.equal(JSON.parse(r.body).code, 'UNAUTHENTICATED');
});

test('a dead, malformed or Basic credential gets the same 401 before the publish body is read', async () => {
  for (const authorization of [
    'Bearer tsr_000000000000000000000000000000000000',
    'Bearer nonsense',
    `Basic ${Buffer.from('alice:violet kettle orbit 42').toString('base64')}`,
    'Token abc',
  ]) {
    const r = await partialBody('PUT', '/somepkg', { authorization }, 130 * MiB);
    assert.equal(r.status, 401, authorization);
    assert.equal(JSON.parse(r.body).code, 'UNAUTHENTICATED');
  }
});

test('every other write refuses an anonymous body before reading it', async () => {
  const cases: Array<[string, string]> = [
    ['PUT', '/somepkg/-rev/1-abc'],
    ['PUT', '/-/package/somepkg/dist-tags/beta'],
    ['POST', '/-/package/somepkg/access'],
    ['POST', '/-/npm/v1/tokens'],
    ['POST', '/-/npm/v1/user'],
    ['POST', '/-/tessera/v1/recovery-codes'],
  ];
  for (const [method, path] of cases) {
    const r = await partialBody(method, path, {}, 900 * 1024);
    assert.equal(r.status, 401, `${method} ${path}: ${r.body}`);
  }
});

test('an authenticated caller gets 413 before reading a body over the route limit; the publish route keeps its large one', async () => {
  const small = await partialBody('PUT', '/-/package/somepkg/dist-tags/beta', { authorization: `Bearer ${alice}` }, 2 * MiB);
  assert.equal(small.status, 413);
  assert.equal(JSON.parse(small.body).code, 'FST_ERR_CTP_BODY_TOO_LARGE');
  const huge = await partialBody('PUT', '/somepkg', { authorization: `Bearer ${alice}` }, 141 * MiB);
  assert.equal(huge.status, 413);
  const ok = await t.request({ method: 'PUT', url: '/big-ok', token: alice, payload: publishBody('big-ok', '1.0.0', { manifest: { readme: 'r'.repeat(2 * MiB) }, tarballManifest: { name: 'big-ok', version: '1.0.0', main: 'index.js' }, files: { README: 'r'.repeat(2 * MiB) } }) });
  assert.equal(ok.statusCode, 201, ok.body);
});

test('anonymous bodies still work where npm sends them without a credential, within the small limit', async () => {
  const signup = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:carol',
    payload: { name: 'carol', password: 'violet kettle orbit 42', email: 'carol@example.com' },
  });
  assert.equal(signup.statusCode, 201);
  const web = await t.request({ method: 'POST', url: '/-/v1/login', payload: {}, headers: { 'npm-auth-type': 'web' } });
  assert.equal(web.statusCode, 200);
  const bulk = await t.request({ method: 'POST', url: '/-/npm/v1/security/advisories/bulk', payload: { 'left-pad': ['1.0.0'] } });
  assert.equal(bulk.statusCode, 200);
  const tooBig = await partialBody('PUT', '/-/user/org.couchdb.user:dave', {}, 2 * MiB);
  assert.equal(tooBig.status, 413);
  const webForm = await partialBody('POST', '/-/web/login', { 'content-type': 'application/x-www-form-urlencoded' }, 2 * MiB);
  assert.equal(webForm.status, 413);
});

const gz = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));

test('npm audit bodies arrive gzipped: both audit endpoints answer "no advisories" (issue 13 item 2)', async () => {
  const bulk = await t.request({
    method: 'POST',
    url: '/-/npm/v1/security/advisories/bulk',
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    payload: gz({ 'left-pad': ['1.3.0'], '@scope/x': ['2.0.0'] }),
  });
  assert.equal(bulk.statusCode, 200, bulk.body);
  assert.deepEqual(bulk.json(), {});
  const quick = await t.request({
    method: 'POST',
    url: '/-/npm/v1/security/audits/quick',
    token: alice,
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    payload: gz({ name: 'app', version: '1.0.0', requires: { 'left-pad': '^1.3.0' }, dependencies: { 'left-pad': { version: '1.3.0' } } }),
  });
  assert.equal(quick.statusCode, 200, quick.body);
  assert.deepEqual(quick.json().advisories, {});
  assert.equal(quick.json().metadata.vulnerabilities.critical, 0);
});

test('gzip, x-gzip, deflate and identity work on every route: a compressed publish and sign-up', async () => {
  const pub = await t.request({
    method: 'PUT',
    url: '/gz-pkg',
    token: alice,
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    payload: gz(publishBody('gz-pkg', '1.0.0')),
  });
  assert.equal(pub.statusCode, 201, pub.body);
  const pub2 = await t.request({
    method: 'PUT',
    url: '/gz-pkg',
    token: alice,
    headers: { 'content-encoding': 'deflate', 'content-type': 'application/json' },
    payload: deflateSync(Buffer.from(JSON.stringify(publishBody('gz-pkg', '1.0.1')))),
  });
  assert.equal(pub2.statusCode, 201, pub2.body);
  const signup = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:erin',
    headers: { 'content-encoding': 'x-gzip', 'content-type': 'application/json' },
    payload: gz({ name: 'erin', password: 'violet kettle orbit 42', email: 'erin@example.com' }),
  });
  assert.equal(signup.statusCode, 201, signup.body);
  const identity = await t.request({ method: 'POST', url: '/-/npm/v1/security/advisories/bulk', headers: { 'content-encoding': 'identity' }, payload: {} });
  assert.equal(identity.statusCode, 200);
});

test('an unknown or stacked Content-Encoding gets 415 JSON; corrupt gzip gets 400; nothing changes', async () => {
  for (const encoding of ['compress', 'zstd', 'gzip, gzip', 'gzip;q=1']) {
    const r = await t.request({ method: 'POST', url: '/-/npm/v1/security/advisories/bulk', headers: { 'content-encoding': encoding }, payload: {} });
    assert.equal(r.statusCode, 415, encoding);
    assert.equal(r.json().code, 'UNSUPPORTED_ENCODING');
  }
  const corrupt = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:frank',
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    payload: Buffer.from('this is not gzip at all'),
  });
  assert.equal(corrupt.statusCode, 400);
  assert.equal(corrupt.json().code, 'BAD_REQUEST');
  const truncated = gz({ name: 'frank', password: 'violet kettle orbit 42', email: 'f@example.com' });
  const cut = await t.request({
    method: 'PUT',
    url: '/-/user/org.couchdb.user:frank',
    headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
    payload: truncated.subarray(0, truncated.length - 10),
  });
  assert.ok(cut.statusCode === 400, `${cut.statusCode} ${cut.body}`);
  // Nothing was created (the user document answers every name alike, so ask the store).
  assert.equal(await t.deps.store.users.findByName('frank'), null);
});

test('a gzip bomb gets 413 quickly, on the small routes and on the publish route (its limit is the inflated size)', async () => {
  const bomb = gzipSync(Buffer.alloc(200 * MiB)); // ~200 KB on the wire
  assert.ok(bomb.length < MiB);
  const before = performance.now();
  const audit = await t.request({ method: 'POST', url: '/-/npm/v1/security/advisories/bulk', headers: { 'content-encoding': 'gzip' }, payload: bomb });
  assert.equal(audit.statusCode, 413);
  assert.equal(audit.json().code, 'BODY_TOO_LARGE');
  const pub = await t.request({ method: 'PUT', url: '/bomb-pkg', token: alice, headers: { 'content-encoding': 'gzip' }, payload: gzipSync(Buffer.alloc(150 * MiB)) });
  assert.equal(pub.statusCode, 413);
  const anonymous = await t.request({ method: 'PUT', url: '/bomb-pkg', headers: { 'content-encoding': 'gzip' }, payload: bomb });
  assert.equal(anonymous.statusCode, 401);
  assert.ok(performance.now() - before < 5000, 'the bombs were not inflated to the end');
});
