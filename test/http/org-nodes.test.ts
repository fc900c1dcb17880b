// Org memberships are cached with the credentials (adapters/cached-tokens.ts), and a change
// still counts at once: on the node that made it (any org write drops the cache) and on another
// node sharing the PostgreSQL database (an 'orgs' notification). Checked over sockets, so the
// read fast path and the token cache are on the way.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { generateSigningKey } from '../../src/core/packages/signatures.ts';
import { createServer, type Server } from '../../src/server.ts';
import { PASSWORD, RAISED_LIMITS } from '../support/app.ts';
import { postgresSkipReason, startPostgres } from '../support/postgres.ts';
import { publishBody } from '../support/tarball.ts';

async function start(flags: Record<string, string>): Promise<{ server: Server; port: number }> {
  const config = loadConfig({ flags: { url: 'http://127.0.0.1/', upstream: 'none', 'log-level': 'silent', ...RAISED_LIMITS, ...flags }, env: {} });
  const server = await createServer(config);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, port: (server.app.server.address() as AddressInfo).port };
}

function get(port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(port: number, path: string, token: string, status: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await get(port, path, token);
    if (got === status) return;
    if (Date.now() > deadline) assert.fail(`${path} still answers ${got}, not ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function signUp(server: Server, name: string): Promise<string> {
  const res = await server.app.inject({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().token as string;
}

/** Org acme (owner own, developer mem) with a restricted @acme/secret the developers team may read. */
async function setUp(server: Server): Promise<{ memToken: string; orgId: number; memId: number }> {
  const own = await signUp(server, 'own');
  const memToken = await signUp(server, 'mem');
  const store = server.deps.store;
  const ownId = (await store.users.findByName('own'))!.id;
  const memId = (await store.users.findByName('mem'))!.id;
  const org = await store.orgs.create('acme', ownId);
  await store.orgs.invite(org.id, memId, 'developer', ownId);
  await store.orgs.acceptInvitation(org.id, memId);
  const res = await server.app.inject({ method: 'PUT', url: '/@acme%2fsecret', headers: { authorization: `Bearer ${own}` }, payload: { ...publishBody('@acme/secret', '1.0.0'), access: 'restricted' } });
  assert.equal(res.statusCode, 201, res.body);
  return { memToken, orgId: org.id, memId };
}

test('one node: a removed member loses the org package at once, although memberships are cached', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-org-node-'));
  const a = await start({ data });
  try {
    const { memToken, orgId, memId } = await setUp(a.server);
    assert.equal(await get(a.port, '/@acme%2fsecret', memToken), 200);
    assert.equal(await get(a.port, '/@acme%2fsecret', memToken), 200, 'the second read comes from the caches');
    await a.server.deps.store.orgs.removeMember(orgId, memId);
    assert.equal(await get(a.port, '/@acme%2fsecret', memToken), 404);
  } finally {
    await a.server.close();
    rmSync(data, { recursive: true, force: true });
  }
});

test('two nodes on one PostgreSQL database: a member removed on one loses the org package on the other', { skip: postgresSkipReason() ?? false }, async () => {
  const pg = await startPostgres();
  const dirs = [mkdtempSync(join(tmpdir(), 'tessera-org-pg-a-')), mkdtempSync(join(tmpdir(), 'tessera-org-pg-b-'))];
  const database = await pg.createDatabase();
  const shared = { database, 'totp-keys': `k1:${randomBytes(32).toString('base64')}`, 'signing-keys': generateSigningKey() };
  const a = await start({ ...shared, data: dirs[0] });
  const b = await start({ ...shared, data: dirs[1] });
  try {
    const { memToken, orgId, memId } = await setUp(a.server);
    // Node b listens: a change made on a reaches it (the listener is up before b caches anything).
    assert.equal(await get(b.port, '/@acme%2fsecret', memToken), 200);
    await a.server.deps.store.orgs.updateSettings(orgId, { developersAccess: 'read-only' });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await get(b.port, '/@acme%2fsecret', memToken), 200, 'node b caches the token and the membership');
    await a.server.deps.store.orgs.removeMember(orgId, memId);
    assert.equal(await get(a.port, '/@acme%2fsecret', memToken), 404);
    await until(b.port, '/@acme%2fsecret', memToken, 404);
  } finally {
    await a.server.close();
    await b.server.close();
    await pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
