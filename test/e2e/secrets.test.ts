// After a full account story over HTTP, no token, password, TOTP secret or recovery code
// appears in plain text anywhere in the data folder (database, WAL, tarballs, keys) or in the
// server's logs.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { publishBody } from '../support/tarball.ts';
import { api } from './harness/http.ts';
import { startServer } from './harness/server.ts';
import { codeSource } from './harness/totp.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('no secret is stored or logged in plain text', async () => {
  const server = await startServer({ args: ['--log-level', 'debug'] });
  const P1 = 'first secret passphrase 913';
  const P2 = 'second secret passphrase 471';
  const signup = await api(server.url, '/-/user/org.couchdb.user:keeper', { method: 'PUT', body: { name: 'keeper', password: P1, email: 'k@example.com' } });
  const S1 = signup.json.token as string;
  const start = await api(server.url, '/-/npm/v1/user', { method: 'POST', token: S1, body: { tfa: { mode: 'auth-and-writes', password: P1 } } });
  const X = new URL(start.json.tfa).searchParams.get('secret')!;
  const codes = codeSource(X);
  const confirm = await api(server.url, '/-/npm/v1/user', { method: 'POST', token: S1, body: { tfa: [await codes.next()] } });
  const R = confirm.json.tfa as string[];
  assert.equal(R.length, 10);
  const S2 = (await api(server.url, '/-/user/org.couchdb.user:keeper', { method: 'PUT', body: { name: 'keeper', password: P1 }, headers: { 'npm-otp': R[0] } })).json.token as string;
  const C2 = await codes.next();
  const otp = { 'npm-otp': C2 };
  const created = await api(server.url, '/-/npm/v1/tokens', { method: 'POST', token: S1, headers: otp, body: { name: 'ci', password: P1, packages_all: true, packages_and_scopes_permission: 'read-write' } });
  assert.equal(created.status, 201, created.text);
  const T1 = created.json.token as string;
  assert.equal((await api(server.url, '/keeper-pkg', { method: 'PUT', token: S1, headers: otp, body: publishBody('keeper-pkg', '1.0.0') })).status, 201);
  assert.equal((await api(server.url, '/-/whoami', { token: T1 })).status, 200);
  assert.equal((await api(server.url, '/-/npm/v1/user', { method: 'POST', token: S1, headers: otp, body: { password: { old: P1, new: P2 } } })).status, 200);
  assert.equal((await api(server.url, `/-/user/token/${S2}`, { method: 'DELETE', token: S2 })).status, 200);
  assert.equal((await api(server.url, `/-/npm/v1/tokens/token/${T1}`, { method: 'DELETE', token: S1, headers: otp })).status, 204);
  // A failed login with a password, and a wrong code, so failure paths are logged too.
  await api(server.url, '/-/user/org.couchdb.user:keeper', { method: 'PUT', body: { name: 'keeper', password: 'a wrong password typed here' } });
  assert.equal(await server.stop(), 0);

  const secrets: Record<string, string> = { P1, P2, X, S1, S2, T1, 'a wrong password typed here': 'a wrong password typed here' };
  R.forEach((r, i) => (secrets[`R${i}`] = r));
  const places = [...filesUnder(server.dataDir).map((f) => ({ where: f, bytes: readFileSync(f) })), { where: 'server output', bytes: Buffer.from(server.output()) }];
  assert.ok(server.output().includes('"url":"/-/user/token/[redacted]"'), 'the log has request lines, with the logout URL redacted');
  for (const { where, bytes } of places) {
    for (const [what, value] of Object.entries(secrets)) {
      assert.equal(bytes.includes(value), false, `${what} found in ${where}`);
    }
  }
});
