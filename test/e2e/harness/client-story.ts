// The client matrix's one scenario (issue 21): the core story of a team's npm use, run with one
// npm version against its own Tessera, account, userconfig and cache. Each step is a test, run
// in order; what each step gave is written to test-results/compat/npm-MAJOR.json, from which
// scripts/compat-table.ts renders the README's compatibility table.
//
// What differs between npm versions (read from each version's own lib/):
// - login: npm 6-8 POST /-/v1/login first whatever --auth-type says and prompt only after a
//   4xx (npm-profile webAuth); npm 9+ default to web login, so `--auth-type=legacy` is passed.
//   npm 6-8 ask Username, Password and Email at `npm login` too; npm 9+ only at adduser.
// - tokens: npm 6-10 `npm token create [--read-only] [--cidr=RANGE]` read the password at a
//   prompt and send the legacy body; npm 11 takes granular flags and --password.
// - the OTP prompt: "Enter one-time password:" (npm 6-8 login, profile) or "Enter OTP:".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from './server.ts';
import { compatRecorder } from './compat-record.ts';
import { adduserAnswers, makeNpm, type Answer, type Npm, type PtyResult, type RunResult } from './npm.ts';
import { api } from './http.ts';
import { expectOk, nodeEval, re } from './expect.ts';
import { codeSource, type CodeSource } from './totp.ts';
import { registryVersions } from './publishing.ts';
import { step } from './step.ts';
import { installNpm } from './npm-versions.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
const SLOW = { timeoutMs: 120_000 };
const OTP_PROMPT = /Enter one-time password:|Enter OTP:/;

export interface ClientSpec {
  /** The npm major version (6, 8, 10, 11). */
  major: number;
  /** The exact version to install; none for the npm on PATH. */
  version?: string;
}

/** The story's steps, in order: the README table's columns. */
export const STORY_STEPS = [
  'adduser',
  'whoami',
  'publish scoped and unscoped',
  'install',
  'dist-tag',
  'deprecate',
  'profile get',
  'read-only token refused',
  'CIDR token refused',
  'token list / revoke',
  'enable-2fa',
  'publish --otp',
  'publish at the OTP prompt',
  'login with OTP prompt',
  'disable-2fa',
  'logout',
  'web login link (npm 9+)',
] as const;
type StoryStep = (typeof STORY_STEPS)[number];

function createdSecret(text: string): string {
  // npm 6-10 --json: {"token": "..."}; npm 11: "Created token ..."
  const json = /"token"\s*:\s*"([^"]+)"/.exec(text);
  if (json) return json[1]!;
  const m = /^Created token (\S+)$/m.exec(text);
  assert.ok(m, `npm prints the new token\n${text}`);
  return m[1]!;
}

function secretIn(output: string): string {
  const m = /Or enter code:\s*([A-Z2-7]+)\s*$/m.exec(output);
  assert.ok(m, `npm prints the secret after "Or enter code:"\n${output}`);
  return m[1]!;
}

/** Defines the story for one client as a describe block of ordered tests. */
export function clientStory(spec: ClientSpec): void {
  const label = `npm ${spec.major}`;
  const legacyFlag = spec.major >= 9 ? ['--auth-type=legacy'] : [];
  const granularTokens = spec.major >= 11;
  const record = compatRecorder('npm', spec.major, STORY_STEPS);
  if (spec.major < 9) record.notApplicable('web login link (npm 9+)');
  let server: RunningServer;
  let cli: string | undefined;
  let version = '';
  const user = `u${spec.major}x${process.pid.toString(36)}`;
  const scoped = `@${user}/scoped`;
  const plain = `${user}-plain`;

  const npmFor = (): Npm => makeNpm(server.url, cli ? { cli } : {});
  const acct = step<Npm>('the account');
  const codes = step<CodeSource>('the 2FA secret');

  const storyStep = (name: StoryStep, fn: () => Promise<void>): void => {
    test(`${label}: ${name}`, T, record.wrap(name, fn));
  };

  const publishIn = (npm: Npm, name: string, v: string, args: string[] = []): Promise<RunResult> =>
    npm.run(['publish', ...args], { cwd: npm.makePackage(name, v) });

  const expectPublished = async (npm: Npm, name: string, v: string, args: string[] = []): Promise<void> => {
    const r = await publishIn(npm, name, v, args);
    expectOk(r, `${label} publish ${name}@${v} ${args.join(' ')}`, server);
    assert.match(r.stdout, new RegExp(`^\\+ ${re(name)}@${re(v)}$`, 'm'));
  };

  const createToken = async (npm: Npm, kind: 'read-only' | 'cidr'): Promise<string> => {
    if (granularTokens) {
      const perm = kind === 'read-only' ? 'read-only' : 'read-write';
      const args = ['token', 'create', `--password=${PASSWORD}`, '--packages-all', `--packages-and-scopes-permission=${perm}`];
      if (kind === 'cidr') args.push('--cidr=10.0.0.0/8');
      const r = await npm.run(args);
      expectOk(r, `${label} token create ${kind}`, server);
      return createdSecret(r.stdout);
    }
    const args = ['token', 'create', '--json', kind === 'read-only' ? '--read-only' : '--cidr=10.0.0.0/8'];
    const r = await npm.pty(args, [{ prompt: /npm password:/, answer: PASSWORD }]);
    expectOk(r, `${label} token create ${kind}`, server);
    return createdSecret(r.output);
  };

  const withToken = (token: string): Npm => {
    const npm = npmFor();
    npm.setToken(token);
    return npm;
  };

  describe(`the core story with ${label}`, { concurrency: false }, () => {
    before(async () => {
      // The install (from the npm registry, once per cache) is part of the run: CI fails on it.
      if (spec.version) cli = await installNpm(spec.version);
      server = await startServer();
      const probe = npmFor();
      const v = await probe.run(['--version']);
      expectOk(v, `${label} --version`);
      version = v.stdout.trim();
      if (spec.version) assert.equal(version, spec.version);
      else assert.equal(Number(version.split('.')[0]), spec.major, `the npm on PATH is ${version}`);
    });

    after(async () => {
      if (server) await server.stop().catch(() => server.kill9());
      record.write(version);
    });

    storyStep('adduser', async () => {
      const npm = npmFor();
      // npm 6-8 POST /-/v1/login first: with Tessera's 404 they fall back to these prompts
      const r = await npm.pty(['adduser', ...legacyFlag], adduserAnswers(user, PASSWORD));
      expectOk(r, `${label} adduser`, server);
      assert.equal(r.answered, 3, 'npm asked for user name, password and e-mail');
      assert.match(r.output, /Logged in/);
      assert.doesNotMatch(r.output, /cli-login|xdg-open|browser/i);
      assert.ok(npm.token(), 'adduser stores a token');
      acct.set(npm);
    });

    storyStep('whoami', async () => {
      const r = await acct.get().run(['whoami']);
      expectOk(r, `${label} whoami`, server);
      assert.equal(r.stdout.trim(), user);
    });

    storyStep('publish scoped and unscoped', async () => {
      const npm = acct.get();
      await expectPublished(npm, scoped, '1.0.0');
      await expectPublished(npm, plain, '1.0.0');
      // no --access: npm sends none, and the scoped default (scopedPackageAccess) is public
      for (const name of [scoped, plain]) {
        const res = await api(server.url, `/${name.replace('/', '%2f')}`);
        assert.equal(res.status, 200, `${name} is readable anonymously: ${res.text}`);
      }
    });

    storyStep('install', async () => {
      const npm = acct.get();
      const project = npm.makeProject();
      const r = await npm.run(['install', scoped, plain], { cwd: project });
      expectOk(r, `${label} install`, server);
      const out = await nodeEval(`console.log(require(${JSON.stringify(scoped)}), require(${JSON.stringify(plain)}))`, project);
      assert.equal(out.trim(), `${scoped}@1.0.0 ${plain}@1.0.0`);
    });

    storyStep('dist-tag', async () => {
      const npm = acct.get();
      const add = await npm.run(['dist-tag', 'add', `${plain}@1.0.0`, 'beta']);
      expectOk(add, `${label} dist-tag add`, server);
      const ls = await npm.run(['dist-tag', 'ls', plain]);
      expectOk(ls, `${label} dist-tag ls`, server);
      assert.match(ls.stdout, /^beta: 1\.0\.0$/m);
      const rm = await npm.run(['dist-tag', 'rm', plain, 'beta']);
      expectOk(rm, `${label} dist-tag rm`, server);
      const res = await api(server.url, `/-/package/${plain}/dist-tags`);
      assert.deepEqual(res.json, { latest: '1.0.0' });
    });

    storyStep('deprecate', async () => {
      const r = await acct.get().run(['deprecate', `${plain}@1.0.0`, 'use 2.x']);
      expectOk(r, `${label} deprecate`, server);
      const res = await api(server.url, `/${plain}`);
      assert.equal(res.json.versions['1.0.0'].deprecated, 'use 2.x');
    });

    storyStep('profile get', async () => {
      const r = await acct.get().run(['profile', 'get', '--json']);
      expectOk(r, `${label} profile get`, server);
      const profile = JSON.parse(r.stdout);
      assert.equal(profile.name, user);
      assert.equal(profile.email, `${user}@example.com`);
      assert.ok(!profile.tfa || profile.tfa.pending, 'no 2FA yet');
    });

    let readOnly = '';
    storyStep('read-only token refused', async () => {
      const npm = acct.get();
      readOnly = await createToken(npm, 'read-only');
      const ro = withToken(readOnly);
      const who = await ro.run(['whoami']);
      expectOk(who, `${label} whoami with a read-only token`, server);
      const pub = await publishIn(ro, plain, '1.0.1');
      assert.notEqual(pub.code, 0, `publish with a read-only token is refused\n${pub.stderr}`);
      assert.match(pub.stderr, /403/);
      assert.match(pub.stderr, /read-only/);
      assert.deepEqual(await registryVersions(server.url, plain), ['1.0.0']);
    });

    storyStep('CIDR token refused', async () => {
      const outside = withToken(await createToken(acct.get(), 'cidr'));
      const who = await outside.run(['whoami']);
      assert.notEqual(who.code, 0, `whoami from outside the CIDR is refused\n${who.stdout}`);
      assert.match(who.stderr, /10\.0\.0\.0\/8|EAUTHIP|not allowed/i);
      const pub = await publishIn(outside, plain, '1.0.1');
      assert.notEqual(pub.code, 0);
      assert.deepEqual(await registryVersions(server.url, plain), ['1.0.0']);
    });

    storyStep('token list / revoke', async () => {
      const npm = acct.get();
      const list = await npm.run(['token', 'list', '--json']);
      expectOk(list, `${label} token list`, server);
      const tokens: Array<{ key: string; token: string; readonly: boolean; cidr_whitelist: string[] | null }> = JSON.parse(list.stdout);
      const ro = tokens.find((t) => readOnly.startsWith(t.token));
      assert.ok(ro, `the read-only token is listed: ${list.stdout}`);
      assert.equal(ro.readonly, true);
      assert.ok(tokens.some((t) => t.cidr_whitelist?.includes('10.0.0.0/8')), 'the CIDR token is listed with its range');
      const revoke = await npm.run(['token', 'revoke', ro.key]);
      expectOk(revoke, `${label} token revoke`, server);
      const after = JSON.parse((await npm.run(['token', 'list', '--json'])).stdout) as Array<{ key: string }>;
      assert.ok(!after.some((t) => t.key === ro.key), 'the revoked token is gone');
      const dead = await withToken(readOnly).run(['whoami']);
      assert.notEqual(dead.code, 0);
      assert.match(dead.stderr, /401/);
    });

    storyStep('enable-2fa', async () => {
      let source: CodeSource | undefined;
      const r = await acct.get().pty(
        ['profile', 'enable-2fa', 'auth-and-writes'],
        [
          { prompt: /npm password:/, answer: PASSWORD },
          {
            prompt: /And an OTP code from your authenticator:/,
            answer: (out) => {
              source = codeSource(secretIn(out));
              return source.next();
            },
          },
        ],
        SLOW,
      );
      expectOk(r, `${label} profile enable-2fa`, server);
      assert.match(r.output, /2FA successfully enabled\./);
      assert.ok(source);
      codes.set(source);
      const profile = await api(server.url, '/-/npm/v1/user', { token: acct.get().token() });
      assert.equal(profile.json.tfa.mode, 'auth-and-writes');
    });

    storyStep('publish --otp', async () => {
      const npm = acct.get();
      const without = await publishIn(npm, plain, '1.1.0');
      assert.notEqual(without.code, 0, 'a publish without an OTP is refused');
      assert.match(without.stderr, /one-time pass/);
      await expectPublished(npm, plain, '1.1.0', [`--otp=${await codes.get().next()}`]);
    });

    storyStep('publish at the OTP prompt', async () => {
      const npm = acct.get();
      const r = await npm.pty(['publish'], [{ prompt: OTP_PROMPT, answer: () => codes.get().next() }], { ...SLOW, cwd: npm.makePackage(plain, '1.2.0') });
      expectOk(r, `${label} publish at the prompt`, server);
      assert.equal(r.answered, 1);
      assert.match(r.output, new RegExp(`\\+ ${re(plain)}@1\\.2\\.0`));
      assert.deepEqual(await registryVersions(server.url, plain), ['1.0.0', '1.1.0', '1.2.0']);
    });

    storyStep('login with OTP prompt', async () => {
      const npm = npmFor();
      const answers: Answer[] = [
        { prompt: /Username:/, answer: user },
        { prompt: /Password:/, answer: PASSWORD },
      ];
      if (spec.major < 9) answers.push({ prompt: /Email[^:]*:/, answer: `${user}@example.com` });
      answers.push({ prompt: OTP_PROMPT, answer: () => codes.get().next() });
      const r: PtyResult = await npm.pty(['login', ...(spec.major === 8 || spec.major >= 9 ? ['--auth-type=legacy'] : [])], answers, SLOW);
      expectOk(r, `${label} login`, server);
      assert.equal(r.answered, answers.length);
      assert.match(r.output, /Logged in/);
      const who = await npm.run(['whoami']);
      expectOk(who, `${label} whoami after login`, server);
      assert.equal(who.stdout.trim(), user);
    });

    storyStep('disable-2fa', async () => {
      const r = await acct.get().pty(
        ['profile', 'disable-2fa'],
        [
          { prompt: /npm password:/, answer: PASSWORD },
          { prompt: OTP_PROMPT, answer: () => codes.get().next() },
        ],
        SLOW,
      );
      expectOk(r, `${label} profile disable-2fa`, server);
      assert.match(r.output, /Two factor authentication disabled\./);
      await expectPublished(acct.get(), plain, '1.3.0');
    });

    storyStep('logout', async () => {
      const npm = acct.get();
      const token = npm.token();
      assert.ok(token);
      const r = await npm.run(['logout']);
      expectOk(r, `${label} logout`, server);
      assert.equal(npm.token(), undefined, 'logout removes the token from the userconfig');
      const dead = await withToken(token).run(['whoami']);
      assert.notEqual(dead.code, 0, 'the server no longer accepts the token');
      assert.match(dead.stderr, /401/);
    });

    // npm 9+ send npm-auth-type: web and get a login link as before (the browser half is
    // test/browser/cli-login.test.ts); npm 6-8 never ask for web login.
    if (spec.major >= 9) {
      storyStep('web login link (npm 9+)', async () => {
        const npm = npmFor();
        const m = await npm.until(['login', '--auth-type=web'], /(http:\/\/127\.0\.0\.1:\d+\/-\/web\/cli-login\/[A-Za-z0-9_-]{43})/, { timeoutMs: 30_000 });
        const page = await fetch(m[1]!, { redirect: 'manual' });
        await page.arrayBuffer();
        assert.ok(page.status === 200 || (page.status >= 300 && page.status < 400), `the login link answers (${page.status})`);
      });
    }
  });
}
