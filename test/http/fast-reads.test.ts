// The read fast path (src/http/fast-reads.ts) must answer exactly as the routes do, and hand
// everything but a plain visible read to Fastify. Each request below goes over a real socket
// through the fast path and, for comparison, through Fastify alone (inject); the answers must
// be equal, and the test records which requests the fast path kept for itself.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { clientAddressResolver } from '../../src/http/client-address.ts';
import { readTarget, withFastReads } from '../../src/http/fast-reads.ts';
import type { PackumentCache } from '../../src/http/packument-cache.ts';
import { type OpenedDeps, openDeps } from '../../src/server.ts';
import { PASSWORD } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

const ABBREVIATED_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

let dataDir: string;
let opened: OpenedDeps;
let app: FastifyInstance;
let cache: PackumentCache;
let server: Server;
let port: number;
let closing = false;
const handedOn: string[] = [];
const tokens: Record<string, string> = {};

type Answer = { status: number; headers: Record<string, unknown>; body: Buffer };

/** The headers either path may set; Date and the connection headers are Node's own. */
const COMPARED = ['content-type', 'content-length', 'etag', 'vary', 'cache-control', 'npm-notice', 'www-authenticate'];
function picked(headers: IncomingHttpHeaders | Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(COMPARED.filter((h) => headers[h] !== undefined).map((h) => [h, String(headers[h])]));
}

function viaSocket(method: string, url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: picked(res.headers), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function viaFastify(method: string, url: string, headers: Record<string, string>): Promise<Answer> {
  const res = await app.inject({ method: method as 'GET', url, headers, remoteAddress: '127.0.0.1' });
  return { status: res.statusCode, headers: picked(res.headers), body: res.rawPayload };
}

const put = (url: string, body: object, token: string) => app.inject({ method: 'PUT', url, payload: body, headers: { authorization: `Bearer ${token}` } });
const post = (url: string, body: object, token: string) => app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${token}` } });

async function signUp(name: string): Promise<string> {
  const res = await app.inject({
    method: 'PUT',
    url: `/-/user/org.couchdb.user:${name}`,
    payload: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().token;
}

async function granular(owner: string, extra: object): Promise<string> {
  const res = await post('/-/npm/v1/tokens', { name: null, password: PASSWORD, ...extra }, owner);
  assert.equal(res.statusCode, 201, res.body);
  return res.json().token;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-fast-'));
  const config = loadConfig({ flags: { data: dataDir, url: 'http://registry.test/', upstream: 'none' }, env: {} });
  opened = await openDeps(config);
  // Fastify alone (fastReads: false) answers inject(); the socket server puts the fast path in
  // front of the same app, the way buildApp's server factory does.
  ({ app, cache } = await buildApp(opened.deps, { fastReads: false }));
  opened.onPackageChanged((name) => cache.invalidate(name));
  await app.ready();
  const fast = withFastReads(opened.deps, cache, { prefix: '/', clientAddress: clientAddressResolver([]), closing: () => closing }, (req, res) => {
    handedOn.push(`${req.method} ${req.url}`);
    app.routing(req, res);
  });
  server = createServer(fast);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;

  const alice = await signUp('alice');
  const bob = await signUp('bob');
  tokens.alice = alice;
  tokens.bob = bob;
  assert.equal((await put('/fast-pkg', publishBody('fast-pkg', '1.0.0'), alice)).statusCode, 201);
  assert.equal((await put('/fast-pkg', publishBody('fast-pkg', '1.1.0'), alice)).statusCode, 201);
  assert.equal((await put('/@alice%2fopen', publishBody('@alice/open', '1.0.0', { access: 'public' }), alice)).statusCode, 201);
  assert.equal((await put('/@alice%2fsecret', publishBody('@alice/secret', '1.0.0', { access: 'restricted' }), alice)).statusCode, 201);
  tokens.readOnly = await granular(alice, { packages_all: true, packages_and_scopes_permission: 'read-only' });
  tokens.otherPackage = await granular(alice, { packages: ['fast-pkg'], packages_and_scopes_permission: 'read-write' });
  tokens.elsewhere = await granular(alice, { packages_all: true, packages_and_scopes_permission: 'read-write', cidr_whitelist: ['10.0.0.0/8'] });
  tokens.loopback = await granular(alice, { packages_all: true, packages_and_scopes_permission: 'read-write', cidr_whitelist: ['127.0.0.0/8'] });
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await app.close();
  await opened.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const bearer = (name: string) => ({ authorization: `Bearer ${tokens[name]}` });

/** Asks both paths; returns whether the fast path answered by itself. */
async function same(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ fast: boolean; answer: Answer }> {
  const before = handedOn.length;
  const socket = await viaSocket(method, url, headers);
  const fast = handedOn.length === before;
  const fastify = await viaFastify(method, url, headers);
  assert.equal(socket.status, fastify.status, `${method} ${url}: status`);
  assert.deepEqual(socket.headers, fastify.headers, `${method} ${url}: headers`);
  assert.ok(socket.body.equals(fastify.body), `${method} ${url}: body`);
  return { fast, answer: socket };
}

test('plain reads of visible packages are answered by the fast path, exactly as the routes answer', async () => {
  const etagOf = async (url: string, headers: Record<string, string> = {}) => String((await viaFastify('GET', url, headers)).headers.etag);
  const cases: [string, Record<string, string>][] = [
    ['/fast-pkg', {}],
    ['/fast-pkg', bearer('alice')],
    ['/fast-pkg', { accept: ABBREVIATED_ACCEPT }],
    ['/fast-pkg', { accept: ABBREVIATED_ACCEPT, ...bearer('alice') }],
    ['/fast-pkg', { accept: 'application/json' }],
    ['/fast-pkg', bearer('readOnly')],
    ['/fast-pkg', bearer('otherPackage')],
    ['/fast-pkg', bearer('loopback')],
    ['/fast-pkg', { authorization: 'Basic YWxpY2U6bm9wZQ==' }],
    ['/fast-pkg/-/fast-pkg-1.0.0.tgz', {}],
    ['/fast-pkg/-/fast-pkg-1.1.0.tgz', bearer('alice')],
    ['/@alice%2fopen', {}],
    ['/@alice%2Fopen', { accept: ABBREVIATED_ACCEPT }],
    ['/%40alice%2fopen', {}],
    ['/@alice/open', {}],
    ['/@alice%2fopen/-/open-1.0.0.tgz', {}],
    ['/@alice/open/-/open-1.0.0.tgz', bearer('bob')],
    ['/@alice%2fsecret', bearer('alice')],
    ['/@alice%2fsecret/-/secret-1.0.0.tgz', bearer('alice')],
    ['/fast-pkg', { 'if-none-match': await etagOf('/fast-pkg') }],
    ['/fast-pkg', { accept: ABBREVIATED_ACCEPT, 'if-none-match': await etagOf('/fast-pkg', { accept: ABBREVIATED_ACCEPT }) }],
    ['/fast-pkg/-/fast-pkg-1.0.0.tgz', { 'if-none-match': await etagOf('/fast-pkg/-/fast-pkg-1.0.0.tgz') }],
    ['/fast-pkg', { 'if-none-match': '"stale"' }],
  ];
  for (const [url, headers] of cases) {
    const { fast, answer } = await same(url, headers);
    assert.ok(answer.status === 200 || answer.status === 304, `${url}: ${answer.status}`);
    assert.ok(fast, `${url} ${JSON.stringify(headers)} was answered by the fast path`);
  }
  // Once everything is in memory, the same reads are answered from it alone: no token lookup,
  // no blob read, no packument load (the synchronous way: answerInMemory).
  const { tokens: tokenStore } = opened.deps.store;
  const waits: string[] = [];
  const original = { find: tokenStore.findWithUser, stream: opened.deps.blobs.stream, lookup: cache.lookup };
  tokenStore.findWithUser = (key) => (waits.push('token'), original.find.call(tokenStore, key));
  opened.deps.blobs.stream = (key) => (waits.push('blob'), original.stream.call(opened.deps.blobs, key));
  cache.lookup = ((name: string, form?: 'full' | 'abbreviated') => (waits.push(`packument ${name}`), original.lookup.call(cache, name, form as 'full'))) as typeof cache.lookup;
  try {
    for (const [url, headers] of cases) {
      const before = handedOn.length;
      const answer = await viaSocket('GET', url, headers);
      assert.ok(answer.status === 200 || answer.status === 304, `${url}: ${answer.status}`);
      assert.equal(handedOn.length, before, `${url} was answered by the fast path`);
    }
  } finally {
    tokenStore.findWithUser = original.find;
    opened.deps.blobs.stream = original.stream;
    cache.lookup = original.lookup;
  }
  assert.deepEqual(waits, [], 'nothing was loaded for reads held in memory');
});

test('everything else is handed to Fastify and answered as before: hidden packages, dead and refused tokens, other routes', async () => {
  const cases: [string, Record<string, string>, string, number][] = [
    ['/@alice%2fsecret', {}, 'GET', 404],
    ['/@alice%2fsecret', bearer('bob'), 'GET', 404],
    ['/@alice%2fsecret/-/secret-1.0.0.tgz', {}, 'GET', 404],
    ['/@alice%2fsecret', bearer('otherPackage'), 'GET', 404],
    ['/fast-pkg', bearer('elsewhere'), 'GET', 401],
    ['/fast-pkg/-/fast-pkg-1.0.0.tgz', bearer('elsewhere'), 'GET', 401],
    ['/fast-pkg', { authorization: 'Bearer npm_thisisnotarealtokenatallreallynot1234' }, 'GET', 200],
    ['/fast-pkg', { authorization: 'Bearer garbage' }, 'GET', 200],
    ['/no-such-pkg', {}, 'GET', 404],
    ['/no-such-pkg/-/no-such-pkg-1.0.0.tgz', {}, 'GET', 404],
    ['/fast-pkg/-/fast-pkg-9.9.9.tgz', {}, 'GET', 404],
    ['/fast-pkg?write=true', bearer('alice'), 'GET', 200],
    ['/fast-pkg?cache=bust', {}, 'GET', 200],
    ['/fast-pkg/1.0.0', {}, 'GET', 200],
    ['/fast-pkg/latest', {}, 'GET', 200],
    ['/fast-pkg/', {}, 'GET', 404],
    ['/fast-pkg', {}, 'HEAD', 200],
    ['/-/whoami', bearer('alice'), 'GET', 200],
    ['/-/ping', {}, 'GET', 200],
    ['/-/npm/v1/security/advisories/bulk', {}, 'GET', 404],
    ['/.well-known/x', {}, 'GET', 404],
    ['/fast%2dpkg', {}, 'GET', 200],
    ['/Fast-Pkg', {}, 'GET', 404],
  ];
  // Twice: the second time the token, its memberships and the package are in memory, and the
  // fast path decides without waiting (authenticateTokenInMemory, PackumentCache.inMemory).
  for (const round of ['first', 'from memory']) {
    for (const [url, headers, method, status] of cases) {
      const { fast, answer } = await same(url, headers, method);
      assert.equal(answer.status, status, `${method} ${url} (${round})`);
      assert.equal(fast, false, `${method} ${url} ${JSON.stringify(headers)} went to Fastify (${round})`);
    }
  }
  // The dead token's reader is told why it reads anonymously.
  const dead = await viaSocket('GET', '/fast-pkg', { authorization: 'Bearer npm_thisisnotarealtokenatallreallynot1234' });
  assert.match(String(dead.headers['npm-notice'] ?? ''), /expired or revoked/);
});

test('a bearer secret of the right length but not the shape reads as a dead token, from memory too', async () => {
  const real = tokens.alice;
  // The in-memory check looks at the length only (the cache holds hashes of real tokens alone):
  // these must still end as dead tokens, with the notice, and never as a reader.
  const lookAlikes = [`tsr_${'-'.repeat(36)}`, `${real.slice(0, 39)}!`, `TSR_${real.slice(4)}`, `${real.slice(0, 20)}_${real.slice(21)}`];
  for (const round of ['first', 'again']) {
    for (const secret of lookAlikes) {
      assert.equal(secret.length, real.length);
      const r = await viaSocket('GET', '/fast-pkg', { authorization: `Bearer ${secret}` });
      assert.equal(r.status, 200, `${JSON.stringify(secret)} (${round})`);
      assert.match(String(r.headers['npm-notice'] ?? ''), /expired or revoked/, `${JSON.stringify(secret)} (${round})`);
      const mine = await viaSocket('GET', '/@alice%2fsecret', { authorization: `Bearer ${secret}` });
      assert.equal(mine.status, 404, `${JSON.stringify(secret)} reads nothing private (${round})`);
    }
  }
});

test('a revoke, a publish and an access change show in the very next fast read', async () => {
  const token = await granular(tokens.alice, { packages_all: true, packages_and_scopes_permission: 'read-only' });
  const reader = { authorization: `Bearer ${token}` };
  assert.equal((await same('/@alice%2fsecret', reader)).answer.status, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${token}`, headers: bearer('alice') })).statusCode, 204);
  const after = await same('/@alice%2fsecret', reader);
  assert.equal(after.answer.status, 404, 'a revoked token reads nothing private');

  assert.equal((await put('/fast-pkg', publishBody('fast-pkg', '1.2.0'), tokens.alice)).statusCode, 201);
  const next = await same('/fast-pkg');
  assert.ok(next.fast);
  assert.ok(JSON.parse(next.answer.body.toString()).versions['1.2.0']);

  assert.equal((await post('/-/package/@alice%2fopen/access', { access: 'restricted' }, tokens.alice)).statusCode, 200);
  assert.equal((await same('/@alice%2fopen')).answer.status, 404);
  assert.equal((await same('/@alice%2fopen', bearer('alice'))).answer.headers['cache-control'], 'private, no-cache');
});

test('a closing server hands every read to Fastify (which answers 503 while it drains)', async () => {
  closing = true;
  try {
    const before = handedOn.length;
    await viaSocket('GET', '/fast-pkg', {});
    assert.equal(handedOn.length, before + 1);
  } finally {
    closing = false;
  }
});

test('readTarget accepts the spellings the routes accept and nothing else', () => {
  assert.deepEqual(readTarget('/a', '/'), { name: 'a', file: null });
  assert.deepEqual(readTarget('/@s%2Fa', '/'), { name: '@s/a', file: null });
  assert.deepEqual(readTarget('/%40s/a/-/a-1.0.0.tgz', '/'), { name: '@s/a', file: 'a-1.0.0.tgz' });
  assert.deepEqual(readTarget('/npm/a/-/a-1.tgz', '/npm/'), { name: 'a', file: 'a-1.tgz' });
  for (const url of ['/a?x=1', '/a/', '/a/1.0.0', '/-/whoami', '/a/-/', '/a/-/b/c.tgz', '/a%20b', '/@s', '/@s/a/b', '/b', '//a']) {
    assert.equal(readTarget(url, url === '/b' ? '/npm/' : '/'), null, url);
  }
});

test('the served app puts the fast path in front and logs its answers like any other request', async () => {
  const { Writable } = await import('node:stream');
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const served = await buildApp(opened.deps, { logger: { level: 'info', stream } });
  opened.onPackageChanged((name) => served.cache.invalidate(name));
  await served.app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = served.app.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/fast-pkg`, { headers: { authorization: `Bearer ${tokens.alice}` } });
    assert.equal(res.status, 200);
    assert.ok(((await res.json()) as { versions: Record<string, unknown> }).versions['1.0.0']);
    const missing = await fetch(`http://127.0.0.1:${port}/no-such-pkg`);
    assert.equal(missing.status, 404);
    const requests = lines.filter((l) => l.msg === 'request');
    assert.deepEqual(
      requests.map((l) => [l.method, l.url, l.status]),
      [
        ['GET', '/fast-pkg', 200],
        ['GET', '/no-such-pkg', 404],
      ],
    );
    assert.ok(!JSON.stringify(lines).includes(tokens.alice), 'no token in the log');
  } finally {
    await served.app.close();
  }
});
