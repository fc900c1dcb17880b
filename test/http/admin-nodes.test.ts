// Administrators from the command line, and a disabled account refused by every process that
// shares the store (issue #20 item 1): `tessera user ...` beside a running server on SQLite
// (another process: the data_version poll), two servers on one SQLite file, and two nodes on
// one PostgreSQL database (LISTEN/NOTIFY). Refusals are checked over sockets, so the read fast
// path and the token cache are on the way.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { disableUser, enableUser } from '../../src/core/accounts/admin.ts';
import { generateSigningKey } from '../../src/core/packages/signatures.ts';
import { createServer, type Server } from '../../src/server.ts';
import { PASSWORD, RAISED_LIMITS } from '../support/app.ts';
import { postgresSkipReason, startPostgres } from '../support/postgres.ts';
import { getOverSocket as get, runTessera } from '../support/cli.ts';
import { publishBody } from '../support/tarball.ts';


const tessera = runTessera;

async function start(flags: Record<string, string>): Promise<{ server: Server; port: number }> {
  const config = loadConfig({ flags: { url: 'http://127.0.0.1/', upstream: 'none', 'log-level': 'silent', ...RAISED_LIMITS, ...flags }, env: {} });
  const server = await createServer(config);
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, port: (server.app.server.address() as AddressInfo).port };
}


/** Asks until `status` comes (another process's change arrives by a poll or a notification); fails after 20 s. */
async function until(port: number, path: string, token: string, status: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await get(port, path, token);
    if (r.status === status) return;
    if (Date.now() > deadline) assert.fail(`${path} still answers ${r.status} (${r.body}), not ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A user with a published package and a granular token, through the server. */
async function userWithToken(server: Server, name: string): Promise<string> {
  const signup = await server.app.inject({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] } });
  assert.equal(signup.statusCode, 201, signup.body);
  const session = signup.json().token as string;
  const auth = { authorization: `Bearer ${session}` };
  assert.equal((await server.app.inject({ method: 'PUT', url: `/${name}-pkg`, headers: auth, payload: publishBody(`${name}-pkg`, '1.0.0') })).statusCode, 201);
  const created = await server.app.inject({ method: 'POST', url: '/-/npm/v1/tokens', headers: auth, payload: { password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' } });
  assert.equal(created.statusCode, 201, created.body);
  return created.json().token as string;
}

describe('tessera user commands beside a running server (SQLite, another process)', { concurrency: false }, () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-admin-cli-'));
  let node: { server: Server; port: number };
  let token: string;
  after(async () => {
    await node?.server.close();
    rmSync(data, { recursive: true, force: true });
  });

  test('user add --admin, user list, user admin (and --revoke)', async () => {
    const added = await tessera(['user', 'add', 'root', '--email', 'root@example.com', '--admin', '--data', data], `${PASSWORD}\n`);
    assert.equal(added.status, 0, added.stderr);
    assert.equal(added.stdout, 'Created administrator root <root@example.com>\n');
    node = await start({ data });
    token = await userWithToken(node.server, 'bob');
    const list = await tessera(['user', 'list', '--data', data]);
    assert.equal(list.status, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+ROLE\s+STATUS\s+2FA\s+CREATED\s+EMAIL$/);
    assert.match(lines[1], /^bob\s+user\s+active\s+off\s+\S+\s+bob@example\.com$/);
    assert.match(lines[2], /^root\s+admin\s+active\s+off\s+/);
    assert.equal(lines[3], '2 users');
    const json = JSON.parse((await tessera(['user', 'list', '--json', '--data', data])).stdout) as Array<{ name: string; admin: boolean }>;
    assert.deepEqual(json.map((u) => [u.name, u.admin]), [['bob', false], ['root', true]]);

    assert.equal((await tessera(['user', 'admin', 'bob', '--data', data])).stdout, 'bob is an administrator.\n');
    assert.equal((await node.server.deps.store.users.findByName('bob'))!.admin, true);
    assert.equal((await tessera(['user', 'admin', 'bob', '--revoke', '--data', data])).stdout, 'bob is no longer an administrator.\n');
    assert.equal((await node.server.deps.store.users.findByName('bob'))!.admin, false);
    const missing = await tessera(['user', 'admin', 'nobody', '--data', data]);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'tessera: There is no user named nobody.\n');
  });

  test('user disable: the running server refuses the token (fast path included); enable undoes it', async () => {
    assert.equal((await get(node.port, '/bob-pkg', token)).status, 200, 'cached by the fast path and the token cache');
    const r = await tessera(['user', 'disable', 'bob', '--data', data]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^bob is disabled/);
    await until(node.port, '/bob-pkg', token, 403);
    assert.equal((await get(node.port, '/-/whoami', token)).status, 403);
    assert.equal((await get(node.port, '/bob-pkg')).status, 200, 'the package stays readable');
    const types = (await tessera(['user', 'log', 'bob', '--json', '--data', data])).stdout;
    assert.match(types, /"type": "admin-disabled"/);
    assert.match(types, /"by": "tessera command"/);
    assert.equal((await tessera(['user', 'enable', 'bob', '--data', data])).status, 0);
    await until(node.port, '/bob-pkg', token, 200);
  });

  test('user set-password (policy applies, sessions end) and user delete (needs --yes; the name stays)', async () => {
    const weak = await tessera(['user', 'set-password', 'bob', '--data', data], 'short\n');
    assert.equal(weak.status, 2);
    assert.match(weak.stderr, /^tessera: .*15 characters/);
    const set = await tessera(['user', 'set-password', 'bob', '--data', data], 'a completely new passphrase\n');
    assert.equal(set.status, 0, set.stderr);
    const login = await node.server.app.inject({ method: 'PUT', url: '/-/user/org.couchdb.user:bob', payload: { name: 'bob', password: 'a completely new passphrase', type: 'user' } });
    assert.equal(login.statusCode, 201, login.body);

    const unsure = await tessera(['user', 'delete', 'bob', '--data', data]);
    assert.equal(unsure.status, 2);
    assert.match(unsure.stderr, /add --yes/);
    const del = await tessera(['user', 'delete', 'bob', '--yes', '--data', data]);
    assert.equal(del.status, 0, del.stderr);
    assert.match(del.stdout, /Deleted bob: the name stays reserved\.\nTheir 1 package stay readable \(bob-pkg\)/);
    await until(node.port, '/-/whoami', token, 401);
    assert.equal((await get(node.port, '/bob-pkg')).status, 200);
    assert.match((await tessera(['user', 'list', '--data', data])).stdout, /^bob\s+user\s+deleted/m);
    const again = await tessera(['user', 'add', 'bob', '--email', 'b@example.com', '--data', data], `${PASSWORD}\n`);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /taken/);
  });
});

test('two servers on one SQLite file: disabling on one refuses the token on the other', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-admin-two-'));
  const a = await start({ data });
  const b = await start({ data });
  try {
    const token = await userWithToken(a.server, 'cy');
    assert.equal((await get(b.port, '/cy-pkg', token)).status, 200);
    assert.equal((await get(b.port, '/-/whoami', token)).status, 200);
    await disableUser(a.server.deps, 'cy');
    assert.equal((await get(a.port, '/cy-pkg', token)).status, 403, 'at once on the node that disabled');
    await until(b.port, '/cy-pkg', token, 403);
    assert.equal((await get(b.port, '/-/whoami', token)).status, 403);
    await enableUser(a.server.deps, 'cy');
    await until(b.port, '/-/whoami', token, 200);
  } finally {
    await a.server.close();
    await b.server.close();
    rmSync(data, { recursive: true, force: true });
  }
});

test('two nodes on one PostgreSQL database: disabling on one refuses the token on the other', { skip: postgresSkipReason() ?? false }, async () => {
  const pg = await startPostgres();
  const dirs = [mkdtempSync(join(tmpdir(), 'tessera-admin-pg-a-')), mkdtempSync(join(tmpdir(), 'tessera-admin-pg-b-'))];
  const database = await pg.createDatabase();
  const shared = { database, 'totp-keys': `k1:${randomBytes(32).toString('base64')}`, 'signing-keys': generateSigningKey() };
  const a = await start({ ...shared, data: dirs[0] });
  const b = await start({ ...shared, data: dirs[1] });
  try {
    const token = await userWithToken(a.server, 'dee');
    assert.equal((await get(b.port, '/dee-pkg', token)).status, 200, 'node b caches the token');
    await disableUser(a.server.deps, 'dee');
    assert.equal((await get(a.port, '/dee-pkg', token)).status, 403);
    await until(b.port, '/dee-pkg', token, 403);
    assert.equal((await get(b.port, '/dee-pkg')).status, 200, 'the package stays readable');
  } finally {
    await a.server.close();
    await b.server.close();
    await pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
