// `tessera backup` while the server runs, `tessera restore` into an empty data folder, and a
// new server on that folder that answers exactly as the old one: accounts and their tokens,
// 2FA (the restored server.key still opens the sealed secrets), packages with their versions,
// tags, access and tarball bytes, and the security log.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chmodSync, cpSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
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
    assert.deepEqual(readdirSync(backupDir).sort(), ['server.key', 'signing.key', 'tarballs', 'tessera-backup.json', 'tessera.db']);

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
    // The registry signing key came along: the same keys are listed, so signatures keep verifying.
    assert.deepEqual((await call(restored, 'GET', '/-/npm/v1/keys')).body, (await call(old, 'GET', '/-/npm/v1/keys')).body);
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

  // Review 2, #7: the backup folder may be writable by someone else.
  test('restore refuses symbolic links, FIFOs and folders where files belong, fast, and leaves DATA untouched', async () => {
    const victim = join(tempDir('victim'), 'secret.txt');
    writeFileSync(victim, 'secret-line-from-victim-file: hunter2\n', { mode: 0o600 });
    const someTarball = (root: string) => {
      const sub = readdirSync(join(root, 'tarballs'))[0];
      return join(root, 'tarballs', sub, readdirSync(join(root, 'tarballs', sub))[0]);
    };
    const tampers: Array<[string, (root: string) => void, RegExp]> = [
      ['a symlinked server.key', (r) => { rmSync(join(r, 'server.key')); symlinkSync(victim, join(r, 'server.key')); }, /server\.key is a symbolic link/],
      ['a symlinked database', (r) => { const copy = join(dirname(r), 'elsewhere.db'); cpSync(join(r, 'tessera.db'), copy); rmSync(join(r, 'tessera.db')); symlinkSync(copy, join(r, 'tessera.db')); }, /tessera\.db is a symbolic link/],
      ['a symlinked tarball folder', (r) => { const sub = join(r, 'tarballs', readdirSync(join(r, 'tarballs'))[0]); cpSync(sub, `${sub}.real`, { recursive: true }); rmSync(sub, { recursive: true }); symlinkSync(`${sub}.real`, sub); }, /is a symbolic link/],
      ['a FIFO named like a tarball', (r) => { const t = someTarball(r); rmSync(t); execFileSync('mkfifo', [t]); }, /is a FIFO/],
      ['a folder where server.key belongs', (r) => { rmSync(join(r, 'server.key')); mkdirSync(join(r, 'server.key')); }, /server\.key is a folder/],
      ['a folder named like a tarball', (r) => { const t = someTarball(r); rmSync(t); mkdirSync(t); }, /\.tgz is a folder/],
    ];
    for (const [what, tamper, message] of tampers) {
      const copy = join(tempDir('tampered'), 'set');
      cpSync(backupDir, copy, { recursive: true });
      tamper(copy);
      const parent = tempDir('target');
      const target = join(parent, 'data');
      mkdirSync(target, { mode: 0o755 });
      const started = Date.now();
      const result = await runTessera(['restore', copy, '--data', target], { timeoutMs: 20_000 });
      assert.equal(result.code, 2, `${what}: ${result.stderr}`);
      assert.match(result.stderr, message, what);
      assert.ok(!result.stderr.includes('hunter2') && !result.stderr.includes('secret-line'), what);
      assert.ok(Date.now() - started < 15_000, `${what}: took ${Date.now() - started} ms`);
      assert.deepEqual(readdirSync(target), [], `${what}: DATA was changed`);
      assert.deepEqual(readdirSync(parent), ['data'], `${what}: a half-built folder was left beside DATA`);
    }
  });

  test('a start error names a bad server.key and the problem, never the file\'s text', async () => {
    const data = join(tempDir('badkey'), 'data');
    assert.equal((await runTessera(['restore', backupDir, '--data', data])).code, 0);
    writeFileSync(join(data, 'server.key'), 'secret-line-from-victim-file: hunter2\nroot:$6$abc:19000:0:99999:7:::\n');
    const serve = await runTessera(['serve', '--data', data, '--port', '0', '--host', '127.0.0.1', '--upstream', 'none'], { timeoutMs: 20_000 });
    assert.notEqual(serve.code, 0);
    assert.match(serve.stderr, /server\.key is not a Tessera key file/);
    assert.ok(!/hunter2|secret-line|root/.test(serve.stderr), serve.stderr);
  });

  // Review 1, #16: files at rest are private, whatever the umask and the folder's mode.
  test('DATA, backups and restores hold only 0600 files and 0700 folders, in pre-existing 0755 folders under umask 022', async () => {
    const previous = process.umask(0o022);
    try {
      const data = join(tempDir('modes'), 'data');
      mkdirSync(data, { mode: 0o755 });
      chmodSync(data, 0o755);
      const node = await startServer({ dataDir: data, args: ['--log-level', 'warn'] });
      try {
        const token = await signUp(node, 'modes');
        assert.equal((await call(node, 'PUT', '/mode-pkg', { token, body: publishBody('mode-pkg', '1.0.0') })).status, 201);
        const bdir = join(tempDir('modes-backup'), 'set');
        mkdirSync(bdir, { mode: 0o755 });
        chmodSync(bdir, 0o755);
        assert.equal((await runTessera(['backup', bdir, '--data', data])).code, 0);
        const rdir = join(tempDir('modes-restore'), 'data');
        mkdirSync(rdir, { mode: 0o755 });
        assert.equal((await runTessera(['restore', bdir, '--data', rdir])).code, 0);
        const check = (root: string, expectWal: boolean) => {
          const names = readdirSync(root, { recursive: true }) as string[];
          if (expectWal) for (const f of ['tessera.db-wal', 'tessera.db-shm']) assert.ok(names.includes(f), `${f} in ${names}`);
          assert.ok(names.some((n) => n.endsWith('.tgz')), `no tarball in ${root}`);
          for (const name of names) {
            const st = statSync(join(root, name));
            const mode = st.mode & 0o777;
            assert.equal(mode, st.isDirectory() ? 0o700 : 0o600, `${root}/${name} is ${mode.toString(8)}`);
          }
        };
        check(data, true);
        check(bdir, false);
        check(rdir, false);
        assert.equal(statSync(rdir).mode & 0o777, 0o700);
      } finally {
        await node.stop().catch(() => node.kill9());
      }
    } finally {
      process.umask(previous);
    }
  });
});
