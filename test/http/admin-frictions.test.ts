// Issue #20 items 2 and 7: the sign-up default (open on loopback only, closed otherwise unless
// configured, said at start), `npm token create --read-only` (npm 11 drops the flag) answered
// with the flags to use, and a TOTP code that was valid but already used refused as such
// without counting towards the lockout (only wrong codes do).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { OTP_FREE_FAILURES } from '../../src/core/accounts/otp-throttle.ts';
import { settingsFrom, signupLine } from '../../src/server.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let t: TestApp;
const clock = new TestClock();
before(async () => {
  t = await startApp({}, clock);
});
after(() => t.close());

const signupOf = (flags: Record<string, string>) => settingsFrom(loadConfig({ flags: { upstream: 'none', ...flags }, env: {} })).signup;

test('sign-up by default: open on a loopback address only, closed elsewhere, as configured when configured', () => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) assert.equal(signupOf({ host }), 'open', host);
  for (const host of ['0.0.0.0', '::', '10.1.2.3', 'registry.example.com', '::ffff:10.0.0.1']) assert.equal(signupOf({ host }), 'closed', host);
  assert.equal(signupOf({ host: '0.0.0.0', signup: 'open' }), 'open');
  assert.equal(signupOf({ host: '127.0.0.1', signup: 'closed' }), 'closed');
  const line = (flags: Record<string, string>) => signupLine(loadConfig({ flags: { upstream: 'none', ...flags }, env: {} }));
  assert.equal(line({ host: '127.0.0.1' }), 'Sign-up is open (signup: auto, and 127.0.0.1 is loopback only): --signup closed (or signup: closed) closes it.');
  assert.equal(line({ host: '0.0.0.0' }), 'Sign-up is closed (signup: auto, and 0.0.0.0 is reachable beyond this machine): --signup open (or signup: open) opens it; tessera user add creates accounts either way.');
  assert.equal(line({ host: '0.0.0.0', signup: 'open' }), 'Sign-up is open (signup set in the configuration): --signup closed (or signup: closed) closes it.');
});

test('a server configured for every address refuses npm adduser and the web sign-up by default', async () => {
  const open = await startApp({ host: '0.0.0.0' });
  try {
    const res = await open.request({ method: 'PUT', url: '/-/user/org.couchdb.user:newbie', payload: { _id: 'org.couchdb.user:newbie', name: 'newbie', password: PASSWORD, email: 'n@example.com', type: 'user', roles: [] } });
    assert.equal(res.statusCode, 403, res.body);
    assert.equal(res.json().code ?? 'SIGNUP_CLOSED', 'SIGNUP_CLOSED');
    assert.equal((await open.request({ url: '/-/web/signup' })).statusCode, 403);
  } finally {
    await open.close();
  }
});

test('tessera serve says at start whether sign-up is open and how to change it', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-signup-line-'));
  const child = spawn(process.execPath, ['bin/tessera.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--upstream', 'none', '--log-level', 'silent'], { cwd: root });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: string) => {
        out += c;
        if (out.includes('Sign-up is')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    assert.match(out, /^Sign-up is open \(signup: auto, and 127\.0\.0\.1 is loopback only\): --signup closed \(or signup: closed\) closes it\.$/m);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(data, { recursive: true, force: true });
  }
});

test('npm 11 token create --read-only (name and password only arrive) gets a 400 naming the flags to use', async () => {
  const token = await t.signUp('reader');
  const res = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token, payload: { name: null, password: PASSWORD } });
  assert.equal(res.statusCode, 400);
  const { error } = res.json() as { error: string };
  assert.match(error, /npm 11 ignores --read-only/);
  assert.match(error, /--packages-all --packages-and-scopes-permission=read-only/);
  assert.equal((await t.deps.store.tokens.listForUser((await t.deps.store.users.findByName('reader'))!.id)).length, 1, 'no token was made');
});

test('a used TOTP code is refused as used and never counts towards the lockout; wrong codes do', async () => {
  const a = await t.signUp('twice');
  const { secret } = await enrol(t, a, clock);
  const publish = (version: string, otp: string) => t.request({ method: 'PUT', url: '/twice-pkg', token: a, payload: publishBody('twice-pkg', version), headers: { 'npm-otp': otp } });
  const b = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:twice', payload: { name: 'twice', password: PASSWORD, type: 'user' }, headers: { 'npm-otp': codeAt(secret, clock) } });
  assert.equal(b.statusCode, 201, b.body);
  // The login (another credential) used this step: for token a it is a used code.
  const used = codeAt(secret, clock);
  for (let i = 0; i < OTP_FREE_FAILURES + 5; i++) {
    const res = await publish('1.0.0', used);
    assert.equal(res.statusCode, 401, res.body);
    assert.match(res.json().error, /That one-time password was already used; wait for the next one from your authenticator\.$/);
  }
  const user = (await t.deps.store.users.findByName('twice'))!;
  const [tokenRow] = (await t.deps.store.tokens.listForUser(user.id)).filter((x) => x.kind === 'session');
  assert.ok(tokenRow);
  assert.equal(user.otpFailures, 0, 'the account budget is untouched');
  // Still not locked: the next code works at once.
  clock.advanceSeconds(30);
  assert.equal((await publish('1.0.0', codeAt(secret, clock))).statusCode, 201);
  const types = (await t.request({ url: '/-/tessera/v1/security-log', token: a })).json().objects.map((e: { type: string; detail: Record<string, unknown> }) => [e.type, e.detail.counted]);
  assert.ok(types.some(([type, counted]: [string, unknown]) => type === 'otp-replayed' && counted === false));

  // Wrong codes count: after OTP_FREE_FAILURES of them the token is locked, and a used code is then refused as locked too.
  for (let i = 0; i < OTP_FREE_FAILURES; i++) assert.equal((await publish('1.0.1', i % 2 ? '000000' : '999999')).statusCode, 401);
  const locked = await publish('1.0.1', codeAt(secret, clock));
  assert.equal(locked.statusCode, 429, locked.body);
  clock.advanceSeconds(30);
});
