// Two Tessera processes (`tessera serve --database postgres://... --blobs s3://...`) on one
// PostgreSQL and one S3 bucket, with the same --totp-keys, behind no load balancer: requests
// are sent to one node or the other on purpose. What must hold across nodes:
// - a token revoked on node A is refused by node B within a second;
// - a TOTP code accepted on A is refused on B from another credential (and accepted again from
//   the same one);
// - failed second-factor attempts count across nodes, so alternating nodes does not avoid the
//   lockout;
// - concurrent publishes split across both nodes all land, and a node's cached packument is
//   dropped within a second of a publish on the other node.
// Skips without PostgreSQL binaries, except under CI=true.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateSigningKey } from '../../src/core/packages/signatures.ts';
import { totpCode } from '../../src/core/accounts/totp.ts';
import { PG_BIN, postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startS3, type TestS3 } from '../support/s3.ts';
import { publishBody } from '../support/tarball.ts';
import { type RunningServer, startServer } from './harness/server.ts';
import { tempDir } from './harness/tmp.ts';

const PASSWORD = 'violet kettle orbit 42 nodes';
const STEP_MS = 30_000;

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(node: RunningServer, method: string, path: string, opts: { token?: string; otp?: string; body?: unknown } = {}): Promise<Reply> {
  const res = await fetch(new URL(path.replace(/^\//, ''), node.url), {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.otp ? { 'npm-otp': opts.otp } : {}),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

async function signUp(node: RunningServer, name: string): Promise<string> {
  const res = await call(node, 'PUT', `/-/user/org.couchdb.user:${name}`, {
    body: { _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token as string;
}

async function logIn(node: RunningServer, name: string): Promise<string> {
  const res = await call(node, 'PUT', `/-/user/org.couchdb.user:${name}`, { body: { name, password: PASSWORD } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.token as string;
}

/** Turns on auth-and-writes 2FA; returns the secret and the step the confirmation used. */
async function enableTfa(node: RunningServer, token: string): Promise<{ secret: string; step: number }> {
  const start = await call(node, 'POST', '/-/npm/v1/user', { token, body: { tfa: { mode: 'auth-and-writes', password: PASSWORD } } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const secret = new URL(start.body.tfa as string).searchParams.get('secret')!;
  const step = Math.floor(Date.now() / STEP_MS);
  const confirm = await call(node, 'POST', '/-/npm/v1/user', { token, body: { tfa: [totpCode(secret, step)] } });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  return { secret, step };
}

const publish = (node: RunningServer, token: string, name: string, version: string, otp?: string) =>
  call(node, 'PUT', `/${name.replace('/', '%2f')}`, { token, otp, body: publishBody(name, version) });

async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const skip = postgresSkipReason();

describe('several nodes on one PostgreSQL and one S3 bucket', { skip: skip ?? false }, () => {
  let pg: TestPostgres;
  let s3: TestS3;
  let a: RunningServer;
  let b: RunningServer;
  let c: RunningServer | undefined;
  let database = '';
  let args: string[] = [];

  before(async () => {
    pg = await startPostgres();
    s3 = await startS3();
    database = await pg.createDatabase();
    args = ['--database', database, '--blobs', s3.url('tarballs'), '--totp-keys', `k1:${randomBytes(32).toString('base64')}`, '--signing-keys', generateSigningKey(), '--log-level', 'warn'];
    // Both nodes start at once: the migrations run once, under the database's advisory lock.
    [a, b] = await Promise.all([startServer({ args }), startServer({ args })]);
  });

  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop(), c?.stop()]);
    await Promise.allSettled([a?.kill9(), b?.kill9(), c?.kill9()]);
    await s3?.stop();
    await pg?.stop();
  });

  test('a token revoked on node A is refused by node B within one second', async () => {
    const token = await signUp(a, 'revoker');
    const whoami = await call(b, 'GET', '/-/whoami', { token });
    assert.equal(whoami.status, 200);
    assert.equal(whoami.body.username, 'revoker');
    const logout = await call(a, 'DELETE', `/-/user/token/${token}`, { token });
    assert.equal(logout.status, 200);
    const ms = await within(1000, 'node B refuses the revoked token', async () => (await call(b, 'GET', '/-/whoami', { token })).status === 401);
    assert.ok(ms < 1000);
  });

  test('a TOTP code accepted on node A is refused on node B from another credential', async () => {
    const first = await signUp(a, 'twofactor');
    const second = await logIn(b, 'twofactor');
    const { secret, step } = await enableTfa(a, first);
    const code = totpCode(secret, step + 1);
    const accepted = await publish(a, first, 'otp-once', '1.0.0', code);
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
    const replayed = await publish(b, second, 'otp-once', '1.0.1', code);
    assert.equal(replayed.status, 401, JSON.stringify(replayed.body));
    assert.match(String(replayed.headers.get('www-authenticate')), /otp/i);
    // The credential that presented the code may present it again (npm retries with it).
    const again = await publish(b, first, 'otp-once', '1.0.1', code);
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });

  test('failed second-factor attempts count across nodes: alternating nodes still hits the lockout', async () => {
    const token = await signUp(b, 'guesser');
    const { secret, step } = await enableTfa(b, token);
    const valid = new Set([-1, 0, 1, 2, 3].map((d) => totpCode(secret, step + d)));
    let wrong = 100000;
    while (valid.has(String(wrong))) wrong++;
    for (let i = 0; i < 10; i++) {
      const node = i % 2 ? b : a;
      const res = await publish(node, token, 'guessed', '1.0.0', String(wrong));
      assert.equal(res.status, 401, `attempt ${i + 1}: ${JSON.stringify(res.body)}`);
    }
    // Ten failures, five per node: this token's budget is locked on both, even for a right code.
    for (const node of [a, b]) {
      const locked = await publish(node, token, 'guessed', '1.0.0', totpCode(secret, step + 1));
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
    }
  });

  test('concurrent publishes split across both nodes all land, and caches follow within a second', async () => {
    const token = await signUp(a, 'publisher');
    assert.equal((await publish(a, token, 'shared', '1.0.0')).status, 201);
    // Node B caches the packument now.
    assert.deepEqual(Object.keys((await call(b, 'GET', '/shared')).body.versions), ['1.0.0']);

    const versions = Array.from({ length: 16 }, (_, i) => `1.1.${i}`);
    const names = Array.from({ length: 8 }, (_, i) => `fresh-${i}`);
    const results = await Promise.all([
      ...versions.map((v, i) => publish(i % 2 ? b : a, token, 'shared', v)),
      ...names.map((n, i) => publish(i % 2 ? a : b, token, n, '1.0.0')),
    ]);
    for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));

    for (const node of [a, b]) {
      await within(1000, `${node.url} shows every version`, async () => {
        const doc = (await call(node, 'GET', '/shared')).body;
        return Object.keys(doc.versions ?? {}).length === versions.length + 1;
      });
      for (const n of names) assert.equal((await call(node, 'GET', `/${n}`)).status, 200);
    }

    // A tarball published through one node is served by the other (shared S3 bucket).
    const doc = (await call(a, 'GET', '/shared')).body;
    const dist = doc.versions['1.1.3'].dist;
    const tarball = await fetch(new URL('shared/-/shared-1.1.3.tgz', b.url));
    assert.equal(tarball.status, 200);
    const bytes = Buffer.from(await tarball.arrayBuffer());
    assert.equal(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, dist.integrity);

    // One more publish on A: B, which just served the packument from its cache, drops it.
    assert.ok(versions.includes((await call(b, 'GET', '/shared')).body['dist-tags'].latest as string));
    assert.equal((await publish(a, token, 'shared', '2.0.0')).status, 201);
    const ms = await within(1000, 'node B serves the new latest', async () => (await call(b, 'GET', '/shared')).body['dist-tags'].latest === '2.0.0');
    assert.ok(ms < 1000);
  });

  test('an owner e-mail change on node A shows in node B cached packuments within a second', async () => {
    const token = await signUp(a, 'mailer');
    assert.equal((await publish(a, token, 'mail-pkg', '1.0.0')).status, 201);
    // Node B caches the packument (both forms' owner list) now.
    assert.deepEqual((await call(b, 'GET', '/mail-pkg')).body.maintainers, [{ name: 'mailer', email: 'mailer@example.com' }]);
    const changed = await call(a, 'POST', '/-/npm/v1/user', { token, body: { email: 'mailer-new@example.com' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const ms = await within(1000, 'node B shows the new e-mail', async () => (await call(b, 'GET', '/mail-pkg')).body.maintainers[0].email === 'mailer-new@example.com');
    assert.ok(ms < 1000);
    assert.equal((await call(a, 'GET', '/mail-pkg')).body.maintainers[0].email, 'mailer-new@example.com');
  });

  test('pg_dump of the shared database, pg_restore into an empty one: a new node reads everything back', async () => {
    // The procedure of docs/operations.md, with the server's own tools.
    const dump = join(tempDir('pgdump'), 'tessera.dump');
    execFileSync(join(PG_BIN, 'pg_dump'), ['--format=custom', `--file=${dump}`, database]);
    const empty = await pg.createDatabase();
    execFileSync(join(PG_BIN, 'pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${empty}`, dump]);
    c = await startServer({ args: args.map((x) => (x === database ? empty : x)) });
    for (const name of ['shared', 'otp-once', 'fresh-0']) {
      const before = (await call(a, 'GET', `/${name}`)).body;
      const after = await call(c, 'GET', `/${name}`);
      assert.equal(after.status, 200, name);
      assert.deepEqual(JSON.parse(JSON.stringify(after.body).split(c.url).join(a.url)), before);
    }
    const tarball = await fetch(new URL('shared/-/shared-2.0.0.tgz', c.url));
    assert.equal(tarball.status, 200);
    // Accounts and their security state came along: 2FA is still on for twofactor.
    const token = await logIn(c, 'publisher');
    assert.equal((await call(c, 'GET', '/-/whoami', { token })).body.username, 'publisher');
    const noOtp = await call(c, 'PUT', '/-/user/org.couchdb.user:twofactor', { body: { name: 'twofactor', password: PASSWORD } });
    assert.equal(noOtp.status, 401);
    assert.match(String(noOtp.headers.get('www-authenticate')), /otp/i);
  });
});
