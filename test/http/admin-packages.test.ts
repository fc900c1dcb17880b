// tessera package unpublish / owner add / owner rm / list (docs/admin.md, "Packages"): the
// commands run as their own processes against the data folder of a running server (SQLite),
// which sees every change through the store's change feed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { createServer, type Server } from '../../src/server.ts';
import { PASSWORD, RAISED_LIMITS } from '../support/app.ts';
import { getOverSocket as get, runTessera } from '../support/cli.ts';
import { publishBody } from '../support/tarball.ts';


const tessera = runTessera;


/** Asks until `status` comes (another process's change arrives by the data_version poll); fails after 20 s. */
async function until(port: number, path: string, status: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await get(port, path);
    if (r.status === status) return;
    if (Date.now() > deadline) assert.fail(`${path} still answers ${r.status} (${r.body}), not ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tessera package commands beside a running server (SQLite, another process)', { concurrency: false }, () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-admin-packages-'));
  let server: Server;
  let port: number;
  const sessions = new Map<string, string>();
  after(async () => {
    await server?.close();
    rmSync(data, { recursive: true, force: true });
  });

  async function signup(name: string): Promise<void> {
    const r = await server.app.inject({ method: 'PUT', url: `/-/user/org.couchdb.user:${name}`, payload: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] } });
    assert.equal(r.statusCode, 201, r.body);
    sessions.set(name, r.json().token as string);
  }
  function publish(user: string, name: string, version: string) {
    return server.app.inject({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, headers: { authorization: `Bearer ${sessions.get(user)}` }, payload: publishBody(name, version) });
  }
  const run = (...args: string[]) => tessera([...args, '--data', data]);

  test('package list: name, versions, access, last publish, owners; --owner; --json', async () => {
    assert.equal((await tessera(['user', 'add', 'root', '--email', 'root@example.com', '--admin', '--data', data], `${PASSWORD}\n`)).status, 0);
    const config = loadConfig({ flags: { url: 'http://127.0.0.1/', upstream: 'none', 'log-level': 'silent', ...RAISED_LIMITS, data }, env: {} });
    server = await createServer(config);
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as AddressInfo).port;
    for (const u of ['bob', 'carol']) await signup(u);
    for (const v of ['1.0.0', '1.0.1']) assert.equal((await publish('bob', 'bobby', v)).statusCode, 201);
    assert.equal((await publish('carol', 'carols', '0.1.0')).statusCode, 201);

    const list = await run('package', 'list');
    assert.equal(list.status, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.match(lines[0], /^NAME\s+VERSIONS\s+ACCESS\s+LAST PUBLISH\s+OWNERS$/);
    assert.match(lines[1], /^bobby\s+2\s+public\s+\d{4}-\S+\s+bob$/);
    assert.match(lines[2], /^carols\s+1\s+public\s+\S+\s+carol$/);
    assert.equal(lines[3], '2 packages');
    const mine = JSON.parse((await run('package', 'list', '--owner', 'carol', '--json')).stdout) as Array<{ name: string; versions: string[]; owners: Array<{ name: string; status: string }> }>;
    assert.deepEqual(mine.map((p) => [p.name, p.versions, p.owners]), [['carols', ['0.1.0'], [{ name: 'carol', status: 'active' }]]]);
    const nobody = await run('package', 'list', '--owner', 'nobody');
    assert.equal(nobody.status, 2);
    assert.equal(nobody.stderr, 'tessera: There is no user named nobody.\n');
  });

  test('package unpublish refuses, in one line with exit 2 and changing nothing: no --reason, an unknown package or version, a proxied name', async () => {
    const noReason = await run('package', 'unpublish', 'bobby@1.0.1');
    assert.equal(noReason.status, 2);
    assert.equal(noReason.stderr, 'tessera: give a reason with --reason TEXT: it is kept in the instance log.\n');
    const blank = await run('package', 'unpublish', 'bobby@1.0.1', '--reason', '  ');
    assert.equal(blank.status, 2);
    const unknown = await run('package', 'unpublish', 'nothing', '--reason', 'x', '--upstream', 'none');
    assert.deepEqual([unknown.status, unknown.stderr], [2, 'tessera: There is no package named nothing.\n']);
    const version = await run('package', 'unpublish', 'bobby@9.9.9', '--reason', 'x');
    assert.deepEqual([version.status, version.stderr], [2, 'tessera: bobby has no version 9.9.9.\n']);
    const notVersion = await run('package', 'unpublish', 'bobby@latest', '--reason', 'x');
    assert.equal(notVersion.status, 2);
    assert.match(notVersion.stderr, /^tessera: "?latest"? is not a version/);
    // With an upstream configured, a name that is not local is proxied: nothing local to unpublish.
    const proxied = await tessera(['package', 'unpublish', 'left-pad@1.3.0', '--reason', 'x', '--data', data, '--upstream', 'http://127.0.0.1:9/']);
    assert.equal(proxied.status, 2);
    assert.match(proxied.stderr, /^tessera: left-pad is not a local package: it is proxied from an upstream\. Use tessera proxy block left-pad@VERSION/);
    assert.equal(proxied.stderr.split('\n').length, 2, 'one line');
    assert.equal((await get(port, '/bobby/1.0.1')).status, 200);
  });

  test('package unpublish NAME@VERSION: the running server stops serving it, the version stays burned, the instance log names the action', async () => {
    const r = await run('package', 'unpublish', 'bobby@1.0.1', '--reason', 'leaked credentials in 1.0.1');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'Unpublished bobby@1.0.1: it can never be published again under the same version.\n');
    await until(port, '/bobby/1.0.1', 404);
    const packument = JSON.parse((await get(port, '/bobby')).body) as { versions: Record<string, unknown>; 'dist-tags': Record<string, string> };
    assert.deepEqual(Object.keys(packument.versions), ['1.0.0']);
    assert.equal(packument['dist-tags'].latest, '1.0.0');
    const again = await publish('bob', 'bobby', '1.0.1');
    assert.ok(again.statusCode >= 400 && again.statusCode < 500, `an unpublished version stays burned: ${again.statusCode} ${again.body}`);
    const log = JSON.parse((await run('user', 'log', 'bob', '--json')).stdout) as Array<{ type: string; detail?: Record<string, unknown> }>;
    const e = log.find((x) => x.type === 'admin-unpublished');
    assert.deepEqual(e?.detail, { package: 'bobby', version: '1.0.1', reason: 'leaked credentials in 1.0.1', by: 'tessera command' });
  });

  test('package owner add/rm: --orphaned lists a package whose owner is disabled; an admin adds an active owner, never removes the last', async () => {
    assert.equal((await run('user', 'disable', 'bob')).status, 0);
    const orphaned = await run('package', 'list', '--orphaned');
    assert.match(orphaned.stdout, /^bobby\s+1\s+public\s+\S+\s+bob \(disabled\)$/m);
    assert.doesNotMatch(orphaned.stdout, /carols/);
    assert.match(orphaned.stdout, /1 package\n$/);

    const disabled = await run('package', 'owner', 'add', 'carols', 'bob');
    assert.deepEqual([disabled.status, disabled.stderr], [2, 'tessera: The account bob is disabled: only an active account can own packages.\n']);
    const missing = await run('package', 'owner', 'add', 'bobby', 'nobody');
    assert.deepEqual([missing.status, missing.stderr], [2, 'tessera: There is no user named nobody.\n']);
    const add = await run('package', 'owner', 'add', 'bobby', 'carol');
    assert.deepEqual([add.status, add.stdout], [0, 'carol now owns bobby.\n']);
    assert.equal((await run('package', 'owner', 'add', 'bobby', 'carol')).stdout, 'carol owns bobby already.\n');
    assert.equal((await publish('carol', 'bobby', '1.1.0')).statusCode, 201, 'the rescued package takes publishes again');
    assert.equal((await run('package', 'list', '--orphaned')).stdout.trim().split('\n').at(-1), '0 packages');

    const rm = await run('package', 'owner', 'rm', 'bobby', 'bob');
    assert.deepEqual([rm.status, rm.stdout], [0, 'bob no longer owns bobby.\n']);
    const notOwner = await run('package', 'owner', 'rm', 'bobby', 'bob');
    assert.deepEqual([notOwner.status, notOwner.stderr], [2, 'tessera: bob does not own bobby.\n']);
    const last = await run('package', 'owner', 'rm', 'bobby', 'carol');
    assert.equal(last.status, 2);
    assert.match(last.stderr, /^tessera: .*owner/i);
    const owners = JSON.parse((await run('package', 'list', '--owner', 'carol', '--json')).stdout) as Array<{ name: string; owners: Array<{ name: string }> }>;
    assert.deepEqual(owners.map((p) => [p.name, p.owners.map((o) => o.name)]), [['bobby', ['carol']], ['carols', ['carol']]]);
    const types = (JSON.parse((await run('user', 'log', 'carol', '--json')).stdout) as Array<{ type: string }>).map((x) => x.type);
    assert.ok(types.includes('admin-owner-added'));
    assert.ok((JSON.parse((await run('user', 'log', 'bob', '--json')).stdout) as Array<{ type: string }>).some((x) => x.type === 'admin-owner-removed'));
  });

  test('an organization\'s package is refused with a line pointing at its teams', async () => {
    assert.equal((await run('org', 'create', 'acme', '--owner', 'carol')).status, 0);
    assert.equal((await publish('carol', '@acme/tool', '1.0.0')).statusCode, 201);
    for (const args of [['add', '@acme/tool', 'root'], ['rm', '@acme/tool', 'carol']]) {
      const r = await run('package', 'owner', ...args);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^tessera: @acme\/tool belongs to the organization acme: .*Use the org's teams instead/);
    }
  });

  test('package unpublish NAME: the whole package goes, listed as unpublished; the name stays its owners\'', async () => {
    const r = await run('package', 'unpublish', 'carols', '--reason', 'malware');
    assert.equal(r.status, 0, r.stderr);
    await until(port, '/carols', 404);
    assert.match((await run('package', 'list')).stdout, /^carols\s+0\s+unpublished\s+-\s+carol$/m);
    const again = await run('package', 'unpublish', 'carols', '--reason', 'malware');
    assert.deepEqual([again.status, again.stderr], [2, "tessera: carols is unpublished: nothing of it is served, and its name stays reserved for its last owners (npm's rule), who alone may publish it again.\n"]);
    const burned = await publish('carol', 'carols', '0.1.0');
    assert.ok(burned.statusCode >= 400 && burned.statusCode < 500, `burned: ${burned.statusCode} ${burned.body}`);
  });
});
