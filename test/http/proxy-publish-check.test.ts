// Dependency confusion closed at publish (core/proxy/publish-check.ts): the first publish of a
// name that may come from an upstream asks that upstream once (a real HTTP server this test
// starts, which records every request); a name or scope it has is refused with 403, an
// upstream that cannot be asked gives 503, and after the first publish nothing about the name
// ever reaches the upstream again.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { enrol, TestClock } from '../support/tfa.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

/** What the fake upstream has: packages (by name), org and user scopes with their package lists. */
const upstreamPackages = new Set(['lodash', '@bigco/tool', 'broken-name']);
const orgs: Record<string, Record<string, string>> = { bigco: { '@bigco/tool': 'read' }, emptyorg: {} };
const users: Record<string, Record<string, string>> = { someone: { '@someone/util': 'read' }, nobody: {} };
/** Names the upstream answers 500 for, and names it never answers. */
const failing = new Set(['flaky']);
const silent = new Set(['slowpoke']);

interface Seen {
  method: string;
  url: string;
  accept: string | undefined;
  authorization: string | undefined;
}
const seen: Seen[] = [];
const held: IncomingMessage[] = [];

let upstream: Server;
let t: TestApp;
let dir: string;
let alice: string;
const clock = new TestClock(Date.now());

function answer(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', accept: req.headers.accept, authorization: req.headers.authorization });
  const path = decodeURIComponent((req.url ?? '/').slice(1));
  const json = (status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(body));
  };
  const listing = /^-\/(org|user)\/([^/]+)\/package$/.exec(path);
  if (listing) {
    if (listing[2] === 'htmlorg') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>sign in</html>');
      return;
    }
    if (listing[2] === 'movedorg') {
      res.writeHead(302, { location: 'http://elsewhere.example/' });
      res.end();
      return;
    }
    if (listing[2] === 'closedorg') return json(401, { error: 'sign in' });
    const table = listing[1] === 'org' ? orgs : users;
    const list = table[listing[2]!];
    return list ? json(200, list) : json(404, { error: 'not found' });
  }
  if (silent.has(path)) {
    held.push(req);
    return;
  }
  if (failing.has(path)) return json(500, { error: 'internal' });
  if (upstreamPackages.has(path)) return json(200, { name: path, modified: '2026-01-01T00:00:00.000Z', 'dist-tags': { latest: '1.0.0' }, versions: { '1.0.0': { name: path, version: '1.0.0', dist: { tarball: 'x', shasum: 'x' } } } }, ABBREVIATED);
  return json(404, { error: 'Not found' });
}

before(async () => {
  upstream = createServer(answer);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'tessera-confusion-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({
    upstreams: [{ name: 'up', url: `http://127.0.0.1:${port}/`, timeoutSeconds: 1 }],
    proxyRules: [
      { pattern: 'lodash', upstream: 'none' },
      { pattern: '@private/*', upstream: 'none' },
      { pattern: '*', upstream: 'up' },
    ],
  }));
  // Rules: `lodash` is marked local-only (it is ours); `@private/*` too; the rest may come from `up`.
  t = await startApp({ config, upstream: `http://127.0.0.1:${port}/` }, clock);
  alice = await t.signUp('alice');
});

after(async () => {
  for (const r of held) r.socket.destroy();
  await t.close();
  await new Promise((r) => upstream.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const url = (name: string) => `/${name.replace('/', '%2f')}`;
const publish = (name: string, version = '1.0.0', token: string | null = alice) => t.request({ method: 'PUT', url: url(name), token: token ?? undefined, payload: publishBody(name, version) });
/** The upstream requests that mention `text` (a name or scope), as `METHOD url`. */
const asked = (text: string) => seen.filter((s) => decodeURIComponent(s.url).includes(text)).map((s) => `${s.method} ${s.url}`);

test('a new name the upstream does not have is asked once, as npm asks (abbreviated, no credentials), and published', async () => {
  const res = await publish('our-tool');
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(asked('our-tool'), ['GET /our-tool']);
  const request = seen.find((s) => s.url === '/our-tool')!;
  assert.match(request.accept ?? '', /^application\/vnd\.npm\.install-v1\+json/);
  assert.equal(request.authorization, undefined);
});

test('after its first publish, nothing about a name reaches the upstream: publishes, packuments, versions, tags, tarballs', async () => {
  assert.equal((await publish('local-app')).statusCode, 201);
  const before = seen.length;
  assert.equal((await publish('local-app', '1.0.1')).statusCode, 201);
  assert.equal((await publish('local-app', '2.0.0-beta.1')).statusCode, 201);
  for (const accept of [ABBREVIATED, 'application/json', undefined]) {
    const res = await t.request({ url: '/local-app', headers: accept ? { accept } : {} });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(Object.keys(res.json().versions), ['1.0.0', '1.0.1', '2.0.0-beta.1']);
  }
  assert.equal((await t.request({ url: '/local-app/1.0.1' })).statusCode, 200);
  assert.equal((await t.request({ url: '/local-app/latest' })).statusCode, 200);
  assert.equal((await t.request({ url: '/-/package/local-app/dist-tags' })).statusCode, 200);
  assert.equal((await t.request({ url: '/local-app/-/local-app-1.0.1.tgz' })).statusCode, 200);
  assert.equal((await t.request({ url: '/local-app/-/local-app-9.9.9.tgz' })).statusCode, 404);
  assert.equal((await t.request({ url: '/local-app/9.9.9' })).statusCode, 404);
  // Unpublished entirely, its record stays: a new first publish does not ask again either.
  const rev = (await t.request({ url: '/local-app', headers: { accept: 'application/json' } })).json()._rev as string;
  const gone = await t.request({ method: 'DELETE', url: `/local-app/-rev/${rev}`, token: alice });
  assert.equal(gone.statusCode, 200, gone.body);
  assert.equal((await t.request({ url: '/local-app' })).statusCode, 404);
  await publish('local-app', '3.0.0');
  assert.deepEqual(seen.slice(before), [], 'no request reached the upstream');
  assert.deepEqual(asked('local-app'), ['GET /local-app'], 'the one question of the first publish');
});

test('a name the upstream has is refused with 403 and the reason; nothing is created', async () => {
  const res = await publish('broken-name');
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(res.json().code, 'NAME_EXISTS_UPSTREAM');
  assert.match(res.json().error, /^broken-name exists on the upstream up: .*dependency confusion.*\{pattern: "broken-name", upstream: none\}/);
  assert.equal(await t.deps.store.packages.head('broken-name'), null);
  // Not local: a read is the proxy's (this stand-in upstream answers a bare document, which the
  // proxy refuses as a bad upstream answer), never a local package.
  const read = await t.request({ url: '/broken-name' });
  assert.notEqual(read.statusCode, 200);
  assert.equal(read.json().code, 'UPSTREAM_FAILED');
});

test('a rule marking a name or scope local-only publishes it without asking, even over an upstream name', async () => {
  assert.equal((await publish('lodash')).statusCode, 201, 'lodash is ours by rule');
  assert.equal((await publish('@private/secret-project')).statusCode, 201);
  assert.deepEqual(asked('lodash'), []);
  assert.deepEqual(asked('private'), []);
  assert.deepEqual(asked('secret-project'), []);
});

test('the @user scope of a local user is never asked upstream', async () => {
  assert.equal((await publish('@alice/thing')).statusCode, 201);
  assert.deepEqual(asked('alice'), []);
});

test('a new scope: refused when it exists upstream as an org or a user with packages; a free one is asked once and then claimed', async () => {
  let res = await publish('@bigco/other');
  assert.equal(res.statusCode, 403, res.body);
  assert.equal(res.json().code, 'NAME_EXISTS_UPSTREAM');
  assert.match(res.json().error, /^The scope @bigco exists on the upstream up: .*\{pattern: "@bigco\/\*", upstream: none\}/);
  assert.deepEqual(asked('bigco'), ['GET /@bigco%2Fother', 'GET /-/org/bigco/package']);
  res = await publish('@bigco/tool');
  assert.equal(res.statusCode, 403);
  assert.match(res.json().error, /^@bigco\/tool exists on the upstream up/);
  res = await publish('@someone/mine');
  assert.equal(res.statusCode, 403, res.body);
  assert.match(res.json().error, /^The scope @someone exists on the upstream up/);
  assert.deepEqual(asked('someone'), ['GET /@someone%2Fmine', 'GET /-/org/someone/package', 'GET /-/user/someone/package']);
  for (const scope of ['emptyorg', 'nobody']) {
    assert.equal((await publish(`@${scope}/x`)).statusCode, 201, `@${scope}: an empty listing is no package to be confused with`);
  }
  assert.equal((await publish('@fresh/first')).statusCode, 201);
  assert.deepEqual(asked('fresh'), ['GET /@fresh%2Ffirst', 'GET /-/org/fresh/package', 'GET /-/user/fresh/package']);
  // The scope is now claimed here: its other names are local and never asked.
  assert.equal((await publish('@fresh/second')).statusCode, 201);
  assert.equal((await publish('@fresh/first', '1.1.0')).statusCode, 201);
  assert.deepEqual(asked('fresh').length, 3);
  for (const name of ['@bigco/other', '@someone/mine']) assert.equal(await t.deps.store.packages.head(name), null);
});

test('an upstream that cannot be asked gives 503 with the reason, not a guess; nothing is created', async () => {
  let res = await publish('flaky');
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.json().code, 'UPSTREAM_CHECK_FAILED');
  assert.match(res.json().error, /^flaky is new here, .* the upstream up .*cannot be asked now: The upstream up answered status 500 for flaky\. Try again later/);
  const started = Date.now();
  res = await publish('slowpoke');
  assert.equal(res.statusCode, 503, res.body);
  assert.match(res.json().error, /The upstream up did not answer within 1 s\./);
  assert.ok(Date.now() - started < 5000);
  for (const name of ['flaky', 'slowpoke']) assert.equal(await t.deps.store.packages.head(name), null);
});

test('a publish that fails its own checks (no credential, bad body) sends nothing upstream: no one else can make a private name leave', async () => {
  const before = seen.length;
  assert.equal((await publish('leak-me', '1.0.0', null)).statusCode, 401);
  const body = publishBody('leak-me', '1.0.0');
  body.versions['1.0.0'].dist.integrity = 'sha512-AAAA';
  assert.equal((await t.request({ method: 'PUT', url: '/leak-me', token: alice, payload: body })).statusCode, 400);
  const bob = await t.signUp('bob');
  const readOnly = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: bob, payload: { password: 'violet kettle orbit 42', readonly: true } });
  assert.equal(readOnly.statusCode, 201, readOnly.body);
  assert.equal((await publish('leak-me', '1.0.0', readOnly.json().token)).statusCode, 403);
  const carol = await t.signUp('carol');
  await enrol(t, carol, clock);
  const noOtp = await publish('leak-me', '1.0.0', carol);
  assert.equal(noOtp.statusCode, 401, 'a second factor is asked first');
  assert.equal(noOtp.headers['www-authenticate'], 'otp');
  assert.deepEqual(seen.slice(before), []);
});

test('odd scope listings: a 401 counts as no packages; a redirect or a body that is not JSON is an upstream that cannot be asked (503)', async () => {
  assert.equal((await publish('@closedorg/x')).statusCode, 201);
  assert.deepEqual(asked('closedorg'), ['GET /@closedorg%2Fx', 'GET /-/org/closedorg/package', 'GET /-/user/closedorg/package']);
  let res = await publish('@htmlorg/x');
  assert.equal(res.statusCode, 503, res.body);
  assert.match(res.json().error, /answered the packages of @htmlorg with something other than JSON/);
  res = await publish('@movedorg/x');
  assert.equal(res.statusCode, 503, res.body);
  assert.match(res.json().error, /answered a redirect \(302\) for the packages of @movedorg/);
  for (const name of ['@htmlorg/x', '@movedorg/x']) assert.equal(await t.deps.store.packages.head(name), null);
});
