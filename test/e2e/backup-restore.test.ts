// `tessera backup` while the server runs, `tessera restore` into an empty data folder, and a
// new server on that folder that answers exactly as the old one: accounts and their tokens,
// 2FA (the restored server.key still opens the sealed secrets), packages with their versions,
// tags, access and tarball bytes, and the security log.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readdirSync } from 'node:fs';
import { totpCode } from '../../src/core/accounts/totp.ts';
import { publishBody } from '../support/tarball.ts';
import { type RunningServer, runTessera, startServer } from './harness/server.ts';
import { tempDir } from './harness/tmp.ts';

const PASSWORD = 'violet kettle orbit 42 backup';

async function call(node: RunningServer, method: string, path: string, opts: { token?: string; otp?: string; body?: unknown } = {}) {
  const res = await fetch(new URL(path.replace(/^\//, ''), node.url), {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.otp ? { 'npm-otp': opts.otp } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

async function signUp(node: RunningServer, name: string): Promise<string> {
  const res = await call(node, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { name, password: PASSWORD, email: `${name}@example.com` } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token as string;
}

/** A packument with the server's address taken out of tarball URLs. */
const portable = (doc: unknown, node: RunningServer) => JSON.parse(JSON.stringify(doc).split(node.url).join('URL/'));

describe('backup and restore of the embedded storage', () => {
  let old: RunningServer;
  let restored: RunningServer | undefined;
  const backupDir = `${tempDir('backup')}/set`;
  const newData = tempDir('restored');
  let alice = '';
  let secret = '';
  let step = 0;

  before(async () => {
    old = await startServer({ args: ['--log-level', 'warn'] });
    alice = await signUp(old, 'alice');
    const bob = await signUp(old, 'bob');
    for (const [name, version, token] of [
      ['kept', '1.0.0', alice],
      ['kept', '1.1.0', alice],
      ['@alice/private', '0.1.0', alice],
      ['bobs', '3.0.0', bob],
    ] as const) {
      const body = publishBody(name, version, name === '@alice/private' ? { access: 'restricted' } : {});
      const res = await call(old, 'PUT', `/${name.replace('/', '%2f')}`, { token, body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    assert.equal((await call(old, 'PUT', '/-/package/kept/dist-tags/beta', { token: alice, body: '1.0.0' })).status, 201);
    // bob turns on 2FA: his secret is sealed with DATA/server.key.
    const start = await call(old, 'POST', '/-/npm/v1/user', { token: bob, body: { tfa: { mode: 'auth-and-writes', password: PASSWORD } } });
    assert.equal(start.status, 200);
    secret = new URL(start.body.tfa as string).searchParams.get('secret')!;
    step = Math.floor(Date.now() / 30_000);
    assert.equal((await call(old, 'POST', '/-/npm/v1/user', { token: bob, body: { tfa: [totpCode(secret, step)] } })).status, 200);
  });

  after(async () => {
    await old?.stop().catch(() => old.kill9());
    await restored?.stop().catch(() => restored?.kill9());
  });

  test('a backup taken while serving restores into an empty folder and reads back the same', async () => {
    const made = await runTessera(['backup', backupDir, '--data', old.dataDir]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /2 users, 3 packages and 4 tarballs/);
    assert.deepEqual(readdirSync(backupDir).sort(), ['server.key', 'tarballs', 'tessera-backup.json', 'tessera.db']);

    const done = await runTessera(['restore', backupDir, '--data', newData]);
    assert.equal(done.code, 0, done.stderr);
    restored = await startServer({ dataDir: newData, args: ['--log-level', 'warn'] });

    // The same session token still works.
    assert.deepEqual((await call(restored, 'GET', '/-/whoami', { token: alice })).body, { username: 'alice' });
    // Packuments, tags and access are the same.
    for (const name of ['kept', 'bobs']) {
      const before = await call(old, 'GET', `/${name}`);
      const after = await call(restored, 'GET', `/${name}`);
      assert.equal(after.status, 200);
      assert.deepEqual(portable(after.body, restored), portable(before.body, old));
    }
    assert.deepEqual((await call(restored, 'GET', '/kept')).body['dist-tags'], { latest: '1.1.0', beta: '1.0.0' });
    assert.equal((await call(restored, 'GET', '/@alice%2fprivate')).status, 404);
    assert.equal((await call(restored, 'GET', '/@alice%2fprivate', { token: alice })).status, 200);
    // Tarballs are byte for byte the same.
    for (const path of ['kept/-/kept-1.0.0.tgz', 'kept/-/kept-1.1.0.tgz', 'bobs/-/bobs-3.0.0.tgz', '@alice/private/-/private-0.1.0.tgz']) {
      const headers = path.startsWith('@') ? { authorization: `Bearer ${alice}` } : undefined;
      const a = Buffer.from(await (await fetch(new URL(path, old.url), { headers })).arrayBuffer());
      const b = await fetch(new URL(path, restored.url), { headers });
      assert.equal(b.status, 200, path);
      assert.ok(Buffer.from(await b.arrayBuffer()).equals(a), path);
    }
    // bob's second factor works: the sealed secret opens with the restored key.
    const noOtp = await call(restored, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: PASSWORD } });
    assert.equal(noOtp.status, 401);
    const login = await call(restored, 'PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'bob', password: PASSWORD }, otp: totpCode(secret, step + 1) });
    assert.equal(login.status, 201, JSON.stringify(login.body));
    // The security log came along.
    const log = await runTessera(['user', 'log', 'bob', '--json', '--data', newData]);
    assert.equal(log.code, 0, log.stderr);
    assert.ok((JSON.parse(log.stdout) as Array<{ type: string }>).some((e) => e.type === 'tfa-enabled'));
  });

  test('restore refuses a folder that is not empty, and backup a target that is not', async () => {
    const refused = await runTessera(['restore', backupDir, '--data', old.dataDir]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not empty/);
    const again = await runTessera(['backup', backupDir, '--data', old.dataDir]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /not empty/);
  });
});
