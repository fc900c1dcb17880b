// What the real npm CLI shows for issue #20's administration and frictions: a disabled
// account's commands fail with the reason (and work again once enabled), `npm token create
// --read-only` (npm 11 drops the flag) gets the flags to use, and a code that was already used
// is refused with a notice saying so.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { adduser, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk } from './harness/expect.ts';
import { type CodeSource, codeSource } from './harness/totp.ts';
import { binPath, cleanEnv, repoRoot, type RunningServer, startServer } from './harness/server.ts';

const PASSWORD = 'quartz-Lantern-47-mosaic';
const SLOW = { timeoutMs: 120_000 };

let server: RunningServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();
});

function tessera(...args: string[]): string {
  return execFileSync(process.execPath, [binPath, ...args, '--data', server.dataDir], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8' });
}

/** `npm profile enable-2fa auth-and-writes`: password, then a code for the secret npm prints. */
async function enable2fa(npm: Npm): Promise<CodeSource> {
  let codes: CodeSource | undefined;
  const r = await npm.pty(
    ['profile', 'enable-2fa', 'auth-and-writes'],
    [
      { prompt: /npm password:/, answer: PASSWORD },
      {
        prompt: /And an OTP code from your authenticator:/,
        answer: (out) => {
          const m = /Or enter code:\s*([A-Z2-7]+)\s*$/m.exec(out);
          assert.ok(m, `npm prints the secret\n${out}`);
          codes = codeSource(m[1]!);
          return codes.next();
        },
      },
    ],
    SLOW,
  );
  expectOk(r, 'npm profile enable-2fa', server);
  return codes!;
}

describe('npm against administrators\' decisions', { concurrency: false }, () => {
  test('a disabled account: npm whoami and publish fail with the reason; enabled, they work again', async () => {
    const { npm } = await adduser(server.url, 'dis', PASSWORD, server);
    // A token that outlives the disable (sessions end with it).
    const created = await npm.run(['token', 'create', `--password=${PASSWORD}`, '--packages-all', '--packages-and-scopes-permission=read-write']);
    expectOk(created, 'npm token create', server);
    npm.setToken(/^Created token (\S+)$/m.exec(created.stdout)![1]);
    tessera('user', 'disable', 'dis');
    const who = await npm.run(['whoami']);
    expectFail(who, 'npm whoami of a disabled account', [/E403/, /The account dis is disabled: ask an administrator\./], server);
    const pkg = npm.makePackage('dis-pkg', '1.0.0');
    const pub = await npm.run(['publish'], { cwd: pkg });
    expectFail(pub, 'npm publish of a disabled account', [/The account dis is disabled/], server);
    tessera('user', 'enable', 'dis');
    // A server on SQLite sees the command's change within a poll (about 250 ms).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const again = await npm.run(['whoami']);
      if (again.code === 0) {
        assert.equal(again.stdout.trim(), 'dis');
        break;
      }
      assert.ok(Date.now() < deadline, `still refused: ${again.stderr}`);
    }
  });

  test('npm token create --read-only (dropped by npm 11) fails with the flags to use', async () => {
    const { npm } = await adduser(server.url, 'ro', PASSWORD, server);
    const r = await npm.run(['token', 'create', '--read-only', `--password=${PASSWORD}`]);
    expectFail(r, 'npm token create --read-only', [/E400/, /npm 11 ignores --read-only: for a read-only token pass --packages-all --packages-and-scopes-permission=read-only/], server);
  });

  test('a code another session already used: npm shows that it was used', async () => {
    const { npm } = await adduser(server.url, 'twice', PASSWORD, server);
    const codes = await enable2fa(npm);
    const code = await codes.next();
    // Another credential (a login with the password) uses the code first...
    const login = await api(server.url, '/-/user/org.couchdb.user:twice', { method: 'PUT', body: { name: 'twice', password: PASSWORD }, headers: { 'npm-otp': code } });
    assert.equal(login.status, 201, login.text);
    // ... then npm's own session presents it.
    const pkg = npm.makePackage('twice-pkg', '1.0.0');
    const r = await npm.run(['publish', `--otp=${code}`], { cwd: pkg });
    expectFail(r, 'npm publish with a used code', [/EOTP/, /npm notice This operation requires a one-time password .* That one-time password was already used; wait for the next one from your authenticator\./], server);
    const next = await npm.run(['publish', `--otp=${await codes.next()}`], { cwd: pkg });
    expectOk(next, 'npm publish with the next code', server);
  });
});
