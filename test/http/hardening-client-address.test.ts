// One way to find the client address (review 2 finding 9): the read fast path, the routes, the
// request log and token CIDR checks all resolve it with http/client-address.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/load.ts';
import { clientAddressResolver } from '../../src/http/client-address.ts';
import { openDeps } from '../../src/server.ts';
import { PASSWORD } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';

const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as never;

test('the resolver: rightmost untrusted X-Forwarded-For entry behind trusted proxies, the peer otherwise', () => {
  const none = clientAddressResolver([]);
  assert.equal(none(req('127.0.0.1', '10.1.2.3')), '127.0.0.1', 'no proxies: the header is ignored');
  assert.equal(none(req('::ffff:192.0.2.1')), '192.0.2.1', 'IPv4-mapped peers are IPv4');

  const r = clientAddressResolver(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  assert.equal(r(req('192.0.2.9', '10.1.2.3')), '192.0.2.9', 'an untrusted peer is the client, whatever it claims');
  assert.equal(r(req('127.0.0.1')), '127.0.0.1', 'a proxy without the header');
  assert.equal(r(req('127.0.0.1', '203.0.113.5')), '203.0.113.5');
  assert.equal(r(req('::ffff:127.0.0.1', '::ffff:203.0.113.5')), '203.0.113.5');
  assert.equal(r(req('127.0.0.1', '1.1.1.1, 203.0.113.5, 10.0.0.2')), '203.0.113.5', 'rightmost untrusted: a client-written prefix proves nothing');
  assert.equal(r(req('::1', '2001:db8::7, fd00::1')), '2001:db8::7');
  assert.equal(r(req('127.0.0.1', '10.0.0.3, 10.0.0.2')), '10.0.0.3', 'all trusted: the leftmost');
  assert.equal(r(req('127.0.0.1', 'not-an-ip, 10.0.0.2')), '10.0.0.2', 'garbage stops at the trusted hop that passed it');
  assert.equal(r(req('127.0.0.1', 'garbage')), '127.0.0.1');
  assert.throws(() => clientAddressResolver(['proxy.example']), /trustedProxies: "proxy.example"/);
});

test('behind a trusted proxy the fast path and the routes log the same client address; token CIDR limits apply to it on both', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-addr-'));
  const opened = await openDeps(loadConfig({ flags: { data: dataDir, url: 'http://registry.test/', upstream: 'none' }, env: {} }));
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const { app, cache } = await buildApp(opened.deps, { logger: { level: 'info', stream }, trustedProxies: ['127.0.0.1'] });
  opened.onPackageChanged((name) => cache.invalidate(name));
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const { port } = app.server.address() as AddressInfo;
    const signUp = await app.inject({
      method: 'PUT',
      url: '/-/user/org.couchdb.user:alice',
      payload: { name: 'alice', password: PASSWORD, email: 'alice@example.com' },
      headers: { 'x-forwarded-for': '10.1.2.3' },
    });
    const session = signUp.json().token as string;
    assert.equal((await app.inject({ method: 'PUT', url: '/addr-pkg', payload: publishBody('addr-pkg', '1.0.0'), headers: { authorization: `Bearer ${session}` } })).statusCode, 201);
    const created = await app.inject({
      method: 'POST',
      url: '/-/npm/v1/tokens',
      payload: { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only', cidr_whitelist: ['10.0.0.0/8'] },
      headers: { authorization: `Bearer ${session}`, 'x-forwarded-for': '10.1.2.3' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const ranged = created.json().token as string;

    const get = (path: string, headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}${path}`, { headers });
    lines.length = 0;
    assert.equal((await get('/addr-pkg', { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' })).status, 200);
    assert.equal((await get('/-/ping', { 'x-forwarded-for': '198.51.100.1, 203.0.113.5' })).status, 200);
    assert.equal((await get('/no-such-pkg', { 'x-forwarded-for': '203.0.113.5' })).status, 404);
    assert.equal((await get('/addr-pkg', { 'x-forwarded-for': '10.9.9.9', authorization: `Bearer ${ranged}` })).status, 200, 'inside the token range');
    assert.notEqual((await get('/addr-pkg', { 'x-forwarded-for': '203.0.113.5', authorization: `Bearer ${ranged}` })).status, 200, 'outside it');
    const requests = lines.filter((l) => l.msg === 'request').map((l) => [l.url, l.status, l.ip]);
    assert.equal(requests.length, 5);
    assert.deepEqual(requests.slice(0, 4), [
      ['/addr-pkg', 200, '203.0.113.5'],
      ['/-/ping', 200, '203.0.113.5'],
      ['/no-such-pkg', 404, '203.0.113.5'],
      ['/addr-pkg', 200, '10.9.9.9'],
    ]);
    assert.equal(requests[4][2], '203.0.113.5');
  } finally {
    await app.close();
    await opened.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
