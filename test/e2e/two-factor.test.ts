// npm's "Using two-factor authentication" document, end to end with the real npm CLI driven
// through a pseudo-terminal: sign-up, profile get/set, password change, enable-2fa (both
// modes), OTPs on publish / dist-tag / profile set, the switch to auth-only, recovery codes at
// the login prompt, disable-2fa, a wrong OTP, and a pending set-up that is started over.
//
// One server for the file. Each scenario has its own account (and so its own TOTP steps: the
// server accepts each 30 s step once per account) and runs its steps in order; scenarios run
// side by side, so their waits for fresh codes overlap.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, makeNpm, type Answer, type Npm, type PtyResult, type RunResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { describeRun, expectFail, expectOk, re } from './harness/expect.ts';
import { codeForStep, codeSource, stepAt, type CodeSource } from './harness/totp.ts';
import { expectNpmPublished, npmPublish, registryVersions } from './harness/publishing.ts';
import { step } from './harness/step.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
/** A pty run that may wait up to 30 s for a fresh TOTP step. */
const SLOW = { timeoutMs: 120_000 };

let server: RunningServer;
const url = (): string => server.url;

// ---------------------------------------------------------------------------------------
// Helpers

const OTP_PROMPT = /Enter OTP:/;
const PASSWORD_PROMPT = /npm password:/;
const FIRST_CODE_PROMPT = /And an OTP code from your authenticator:/;
const EOTP = [
  /code EOTP/,
  /This operation requires a one-time password from your authenticator\./,
  /You can provide a one-time password by passing --otp=<code> to the command you ran\./,
];

interface Account {
  name: string;
  password: string;
  npm: Npm;
  signup: PtyResult;
}

interface TwoFactor {
  secret: string;
  codes: CodeSource;
  recovery: string[];
  output: string;
}

/** `npm adduser --auth-type=legacy` in a fresh npm config. */
async function signup(name: string, password = PASSWORD): Promise<Account> {
  const { npm, r } = await adduser(url(), name, password, server);
  assert.match(r.output, new RegExp(`Logged in on ${re(url())}\\.`));
  assert.ok(npm.token(), 'adduser stores a token');
  return { name, password, npm, signup: r };
}

/** `npm login --auth-type=legacy` in a fresh npm config, answering the OTP prompt if given. */
async function login(acct: Account, otp?: string | (() => Promise<string>)): Promise<{ npm: Npm; r: PtyResult }> {
  const npm = makeNpm(url());
  const answers: Answer[] = [
    { prompt: /Username:/, answer: acct.name },
    { prompt: /Password:/, answer: acct.password },
  ];
  if (otp !== undefined) answers.push({ prompt: OTP_PROMPT, answer: otp });
  const r = await npm.pty(['login', '--auth-type=legacy'], answers, SLOW);
  return { npm, r };
}

function secretIn(output: string): string {
  const m = /Or enter code:\s*([A-Z2-7]+)\s*$/m.exec(output);
  assert.ok(m, `npm prints the secret after "Or enter code:"\n${output}`);
  return m[1]!;
}

function recoveryCodesIn(output: string): string[] {
  const at = output.indexOf('2FA successfully enabled.');
  assert.ok(at >= 0, `npm reports success\n${output}`);
  return [...output.slice(at).matchAll(/^\s*([0-9a-f]{64})\s*$/gm)].map((m) => m[1]!);
}

/**
 * `npm profile enable-2fa [mode]` on an account without active 2FA: answers the password
 * prompt, reads the secret npm prints, answers the first-code prompt with a fresh code.
 */
async function enable2fa(acct: Account, mode?: 'auth-only' | 'auth-and-writes'): Promise<TwoFactor> {
  let codes: CodeSource | undefined;
  const r = await acct.npm.pty(
    ['profile', 'enable-2fa', ...(mode ? [mode] : [])],
    [
      { prompt: PASSWORD_PROMPT, answer: acct.password },
      {
        prompt: FIRST_CODE_PROMPT,
        answer: (out) => {
          codes = codeSource(secretIn(out));
          return codes.next();
        },
      },
    ],
    SLOW,
  );
  expectOk(r, `npm profile enable-2fa ${mode ?? ''} for ${acct.name}`, server);
  assert.match(r.output, new RegExp(`npm notice profile Enabling two factor authentication for ${mode ?? 'auth-and-writes'}`));
  assert.match(r.output, /2FA successfully enabled\. Below are your recovery codes, please print these out\./);
  assert.ok(codes, 'the first-code prompt was answered');
  return { secret: secretIn(r.output), codes, recovery: recoveryCodesIn(r.output), output: r.output };
}

/** A six-digit code that is none of the codes the server could accept right now. */
function wrongCode(secret: string): string {
  const now = stepAt();
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => codeForStep(secret, now + d)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

async function profileJson(npm: Npm): Promise<any> {
  const r = await npm.run(['profile', 'get', '--json']);
  expectOk(r, 'npm profile get --json', server);
  return JSON.parse(r.stdout);
}

async function tfaShown(npm: Npm): Promise<string> {
  const r = await npm.run(['profile', 'get', 'two-factor auth']);
  expectOk(r, 'npm profile get "two-factor auth"', server);
  return r.stdout.trim();
}

const publish = (npm: Npm, name: string, version: string, args: string[] = []): Promise<RunResult> => npmPublish(npm, name, version, args);
const expectPublished = (npm: Npm, name: string, version: string, args: string[] = []) => expectNpmPublished(server, npm, name, version, args);
const versionsOf = (name: string) => registryVersions(url(), name);


// ---------------------------------------------------------------------------------------

describe('two-factor authentication with the npm CLI', { concurrency: 3 }, () => {
  before(async () => {
    server = await startServer();
  });

  after(async () => {
    if (server) await server.stop().catch(() => server.kill9());
  });

  // -------------------------------------------------------------------------------------
  describe('profile values', { concurrency: false }, () => {
    const pat = step<Account>('the account');

    test('after npm adduser, npm profile get shows the account (text, one key, --json, --parseable)', T, async () => {
      const a = pat.set(await signup('pat'));

      const text = await a.npm.run(['profile', 'get']);
      expectOk(text, 'npm profile get', server);
      assert.match(text.stdout, /^name: pat$/m);
      assert.match(text.stdout, /^email: pat@example\.com ?\((un)?verified\)$/m);
      assert.match(text.stdout, /^two-factor auth: disabled$/m);
      assert.match(text.stdout, /^fullname: $/m);
      assert.match(text.stdout, /^created: \d{4}-\d\d-\d\dT/m);

      const one = await a.npm.run(['profile', 'get', 'name']);
      expectOk(one, 'npm profile get name', server);
      assert.equal(one.stdout, 'pat\n');
      const two = await a.npm.run(['profile', 'get', 'name,two-factor auth']);
      expectOk(two, 'npm profile get name,two-factor auth', server);
      assert.equal(two.stdout, 'pat\tdisabled\n');

      const json = await profileJson(a.npm);
      assert.equal(json.name, 'pat');
      assert.equal(json.email, 'pat@example.com');
      assert.equal(typeof json.email_verified, 'boolean');
      assert.ok(!json.tfa, `tfa is false or null without 2FA: ${JSON.stringify(json.tfa)}`);
      assert.ok(!Number.isNaN(Date.parse(json.created)), `created is a date: ${json.created}`);
      assert.equal(json.password, undefined, 'no password field');

      const parseable = await a.npm.run(['profile', 'get', '--parseable']);
      expectOk(parseable, 'npm profile get --parseable', server);
      assert.match(parseable.stdout, /^name\tpat$/m);
      assert.match(parseable.stdout, /^email\tpat@example\.com$/m);
      assert.match(parseable.stdout, /^tfa\tdisabled$/m);
    });

    test('npm profile set changes the free-form fields and refuses an invalid email', T, async () => {
      const a = pat.get();
      const values: Record<string, string> = {
        fullname: 'Pat Example',
        homepage: 'https://pat.example.com',
        twitter: 'pat_ex',
        github: 'pat-ex',
        freenode: 'patex',
      };
      for (const [key, value] of Object.entries(values)) {
        const r = await a.npm.run(['profile', 'set', key, value]);
        expectOk(r, `npm profile set ${key}`, server);
        assert.equal(r.stdout, `Set ${key} to ${value}\n`);
      }
      const json = await profileJson(a.npm);
      for (const [key, value] of Object.entries(values)) assert.equal(json[key], value, key);
      const text = await a.npm.run(['profile', 'get']);
      assert.match(text.stdout, /^fullname: Pat Example$/m);
      assert.match(text.stdout, /^homepage: https:\/\/pat\.example\.com$/m);

      const bad = await a.npm.run(['profile', 'set', 'email', 'not-an-email']);
      expectFail(bad, 'npm profile set email not-an-email', [/code E400/, /400 Bad Request - POST \S+\/-\/npm\/v1\/user/, /e-mail address is not valid/i], server);
      assert.equal((await profileJson(a.npm)).email, 'pat@example.com', 'the email is unchanged');

      const good = await a.npm.run(['profile', 'set', 'email', 'pat.new@example.com']);
      expectOk(good, 'npm profile set email', server);
      assert.equal(good.stdout, 'Set email to pat.new@example.com\n');
      const after = await profileJson(a.npm);
      assert.equal(after.email, 'pat.new@example.com');
      assert.equal(after.email_verified, false, 'a changed email is not verified');
      assert.equal(after.fullname, 'Pat Example', 'other fields are kept');
    });

    test('npm profile set password asks for the current password and the new one twice', T, async () => {
      const a = pat.get();
      const other = (await login(a)).npm; // another session, made before the change
      expectOk(await other.run(['whoami']), 'whoami in the other session', server);

      const wrong = await a.npm.pty(['profile', 'set', 'password'], [
        { prompt: /Current password:/, answer: 'not the current password' },
        { prompt: /New password:/, answer: 'another-Long-passphrase-93' },
        { prompt: /Again:/, answer: 'another-Long-passphrase-93' },
      ]);
      expectFail(wrong, 'password change with a wrong current password', [/code E401/, /Incorrect or missing password\./], server);
      assert.doesNotMatch(wrong.output, OTP_PROMPT, 'a wrong password is not an OTP challenge');

      const weak = await a.npm.pty(['profile', 'set', 'password'], [
        { prompt: /Current password:/, answer: a.password },
        { prompt: /New password:/, answer: 'short' },
        { prompt: /Again:/, answer: 'short' },
      ]);
      expectFail(weak, 'password change to a 5-character password', [/code E400/, /15/], server);

      const NEW = 'velvet-Harbor-82-compass';
      const r = await a.npm.pty(['profile', 'set', 'password'], [
        { prompt: /Current password:/, answer: a.password },
        { prompt: /New password:/, answer: NEW },
        { prompt: /Again:/, answer: NEW },
      ]);
      expectOk(r, 'npm profile set password', server);
      assert.equal(r.answered, 3);
      assert.match(r.output, /^Set password$/m);
      assert.doesNotMatch(r.output, /object Object|velvet/, 'the password is not echoed');

      const old = await login(a);
      expectFail(old.r, 'login with the old password', [/code E401/, /Incorrect or missing password\./], server);
      const renewed = { ...a, password: NEW };
      const fresh = await login(renewed);
      expectOk(fresh.r, 'login with the new password', server);
      assert.equal((await fresh.npm.run(['whoami'])).stdout, 'pat\n');

      const mine = await a.npm.run(['whoami']);
      expectOk(mine, 'the session that changed the password stays logged in', server);
      const ended = await other.run(['whoami']);
      expectFail(ended, 'whoami in a session from before the password change', [/code E401/], server);
      pat.set(renewed);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('auth-and-writes', { concurrency: false }, () => {
    const wanda = step<Account>('the account');
    const tfa = step<TwoFactor>('2FA');

    test('npm profile enable-2fa (default auth-and-writes) takes the password and a first code, and prints 10 recovery codes', T, async () => {
      const a = wanda.set(await signup('wanda'));
      const t = tfa.set(await enable2fa(a));
      assert.match(t.secret, /^[A-Z2-7]{32}$/, 'a 160-bit base32 secret');
      assert.match(t.output, /You will need these to recover access to your account if you lose your authentication device\./);
      assert.equal(t.recovery.length, 10, `10 recovery codes:\n${t.output}`);
      assert.equal(new Set(t.recovery).size, 10, 'all different');
    });

    test('npm profile get shows auth-and-writes; enable-2fa again says it is already on', T, async () => {
      const a = wanda.get();
      tfa.get();
      assert.equal(await tfaShown(a.npm), 'auth-and-writes');
      const text = await a.npm.run(['profile', 'get']);
      assert.match(text.stdout, /^two-factor auth: auth-and-writes$/m);
      assert.deepEqual((await profileJson(a.npm)).tfa, { mode: 'auth-and-writes', pending: false });
      const parseable = await a.npm.run(['profile', 'get', '--parseable']);
      assert.match(parseable.stdout, /^tfa\tauth-and-writes$/m);
      assert.doesNotMatch(parseable.stdout, /otpauth|secret/i, 'the secret is never shown again');

      const again = await a.npm.run(['profile', 'enable-2fa']);
      expectOk(again, 'npm profile enable-2fa when already enabled', server);
      assert.equal(again.stdout, 'Two factor authentication is already enabled and set to auth-and-writes\n');
    });

    test('npm publish is refused without an OTP (EOTP), accepted with --otp and at the Enter OTP prompt', T, async () => {
      const a = wanda.get();
      const t = tfa.get();

      const bare = await publish(a.npm, 'wanda-pkg', '1.0.0');
      expectFail(bare, 'publish without an OTP', EOTP, server);
      assert.deepEqual(await versionsOf('wanda-pkg'), [], 'nothing was published');

      await expectPublished(a.npm, 'wanda-pkg', '1.0.0', [`--otp=${await t.codes.next()}`]);

      const pty = await a.npm.pty(['publish'], [{ prompt: OTP_PROMPT, answer: () => t.codes.next() }], {
        cwd: a.npm.makePackage('wanda-pkg', '1.1.0'),
        ...SLOW,
      });
      expectOk(pty, 'publish answering the OTP prompt', server);
      assert.equal(pty.answered, 1, 'npm asked for an OTP');
      assert.match(pty.output, /^\+ wanda-pkg@1\.1\.0$/m);
      assert.deepEqual(await versionsOf('wanda-pkg'), ['1.0.0', '1.1.0']);
    });

    test('a wrong OTP at the prompt fails cleanly, and so does a wrong --otp', T, async () => {
      const a = wanda.get();
      const t = tfa.get();
      const r = await a.npm.pty(['publish'], [{ prompt: OTP_PROMPT, answer: wrongCode(t.secret) }], {
        cwd: a.npm.makePackage('wanda-pkg', '1.2.0'),
      });
      expectFail(r, 'publish with a wrong code at the prompt', EOTP, server);
      assert.equal(r.output.match(/Enter OTP:/g)?.length, 1, `npm asks once, then reports the error\n${r.output}`);
      assert.match(r.output, /If you already provided a one-time password then it is likely that you either typoed it/);
      assert.doesNotMatch(r.output, /TypeError|\n\s+at \S+ \(/, 'no crash');

      const flag = await publish(a.npm, 'wanda-pkg', '1.2.0', [`--otp=${wrongCode(t.secret)}`]);
      expectFail(flag, 'publish with a wrong --otp', EOTP, server);
      assert.deepEqual(await versionsOf('wanda-pkg'), ['1.0.0', '1.1.0'], 'nothing was published');

      // the account is not locked by two failures: a right code works at once
      await expectPublished(a.npm, 'wanda-pkg', '1.2.0', [`--otp=${await t.codes.next()}`]);
    });

    test('npm dist-tag add and npm profile set fullname are refused without an OTP and work with one', T, async () => {
      const a = wanda.get();
      const t = tfa.get();

      const tag = await a.npm.run(['dist-tag', 'add', 'wanda-pkg@1.0.0', 'stable']);
      expectFail(tag, 'dist-tag add without an OTP', EOTP, server);
      assert.equal((await api(url(), '/wanda-pkg')).json['dist-tags'].stable, undefined, 'no tag was added');
      const tagged = await a.npm.run(['dist-tag', 'add', 'wanda-pkg@1.0.0', 'stable', `--otp=${await t.codes.next()}`]);
      expectOk(tagged, 'dist-tag add --otp', server);
      assert.equal(tagged.stdout, '+stable: wanda-pkg@1.0.0\n');
      assert.equal((await api(url(), '/wanda-pkg')).json['dist-tags'].stable, '1.0.0');

      const set = await a.npm.run(['profile', 'set', 'fullname', 'Wanda Writer']);
      expectFail(set, 'profile set fullname without an OTP', EOTP, server);
      assert.equal((await profileJson(a.npm)).fullname, '', 'unchanged');
      const setOk = await a.npm.run(['profile', 'set', 'fullname', 'Wanda Writer', `--otp=${await t.codes.next()}`]);
      expectOk(setOk, 'profile set fullname --otp', server);
      assert.equal(setOk.stdout, 'Set fullname to Wanda Writer\n');
      assert.equal((await profileJson(a.npm)).fullname, 'Wanda Writer');
    });

    test('npm unpublish sends several writes with one --otp', T, async () => {
      const a = wanda.get();
      const t = tfa.get();
      expectFail(await a.npm.run(['unpublish', 'wanda-pkg@1.2.0']), 'unpublish without an OTP', EOTP, server);
      assert.deepEqual(await versionsOf('wanda-pkg'), ['1.0.0', '1.1.0', '1.2.0']);
      const r = await a.npm.run(['unpublish', 'wanda-pkg@1.2.0', `--otp=${await t.codes.next()}`]);
      expectOk(r, 'unpublish --otp', server);
      assert.equal(r.stdout, '- wanda-pkg@1.2.0\n');
      assert.deepEqual(await versionsOf('wanda-pkg'), ['1.0.0', '1.1.0']);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('switching to auth-only', { concurrency: false }, () => {
    const otto = step<Account>('the account');
    const tfa = step<TwoFactor>('2FA');

    test('npm profile enable-2fa auth-only on an auth-and-writes account needs the password and an OTP', T, async () => {
      const a = otto.set(await signup('otto'));
      const t = tfa.set(await enable2fa(a));
      assert.equal(await tfaShown(a.npm), 'auth-and-writes');

      const r = await a.npm.pty(
        ['profile', 'enable-2fa', 'auth-only'],
        [
          { prompt: PASSWORD_PROMPT, answer: a.password },
          { prompt: OTP_PROMPT, answer: () => t.codes.next() },
        ],
        SLOW,
      );
      expectOk(r, 'npm profile enable-2fa auth-only', server);
      assert.equal(r.answered, 2, 'npm asked for the password and an OTP');
      assert.match(r.output, /npm notice profile Enabling two factor authentication for auth-only/);
      assert.match(r.output, /^Two factor authentication mode changed to: auth-only$/m);
      assert.doesNotMatch(r.output, /Or enter code|recovery codes/, 'a mode change keeps the secret and the codes');
      assert.equal(await tfaShown(a.npm), 'auth-only');
      assert.deepEqual((await profileJson(a.npm)).tfa, { mode: 'auth-only', pending: false });
    });

    test('in auth-only, publish, dist-tag and profile set fullname need no OTP', T, async () => {
      const a = otto.get();
      tfa.get();
      await expectPublished(a.npm, 'otto-pkg', '1.0.0');
      await expectPublished(a.npm, 'otto-pkg', '1.1.0');
      const tag = await a.npm.run(['dist-tag', 'add', 'otto-pkg@1.0.0', 'stable']);
      expectOk(tag, 'dist-tag add in auth-only', server);
      const set = await a.npm.run(['profile', 'set', 'fullname', 'Otto Only']);
      expectOk(set, 'profile set fullname in auth-only', server);
      assert.equal(set.stdout, 'Set fullname to Otto Only\n');
    });

    test('in auth-only, npm login still asks for an OTP', T, async () => {
      const a = otto.get();
      const t = tfa.get();
      let used = '';
      const { npm, r } = await login(a, async () => (used = await t.codes.next()));
      expectOk(r, 'login in auth-only', server);
      assert.equal(r.answered, 3, `npm asked for an OTP after the password\n${r.output}`);
      assert.match(r.output, new RegExp(`Logged in on ${re(url())}\\.`));
      const who = await npm.run(['whoami']);
      expectOk(who, 'whoami after a login with an OTP', server);
      assert.equal(who.stdout, 'otto\n');

      // each time step is accepted once per account: another login cannot replay the code
      const replay = await login(a, used);
      expectFail(replay.r, 'a second login with the same code', EOTP, server);
      assert.equal(replay.npm.token(), undefined, 'no token is stored');
    });

    test('in auth-only, npm token create and npm profile set email still need an OTP', T, async () => {
      const a = otto.get();
      const t = tfa.get();
      const args = ['token', 'create', '--packages-all', '--packages-and-scopes-permission=read-only', `--password=${a.password}`];
      const bare = await a.npm.run(args);
      expectFail(bare, 'token create without an OTP', EOTP, server);
      const made = await a.npm.run([...args, `--otp=${await t.codes.next()}`]);
      expectOk(made, 'token create --otp', server);
      assert.match(made.stdout, /^Created token \S+$/m);

      const email = await a.npm.run(['profile', 'set', 'email', 'otto.new@example.com']);
      expectFail(email, 'profile set email without an OTP', EOTP, server);
      assert.equal((await profileJson(a.npm)).email, 'otto@example.com');
      const emailOk = await a.npm.run(['profile', 'set', 'email', 'otto.new@example.com', `--otp=${await t.codes.next()}`]);
      expectOk(emailOk, 'profile set email --otp', server);
      assert.equal((await profileJson(a.npm)).email, 'otto.new@example.com');
    });
  });

  // -------------------------------------------------------------------------------------
  describe('recovery codes', { concurrency: false }, () => {
    test('a recovery code at the login OTP prompt works once; the same code then fails', T, async () => {
      const a = await signup('rhea');
      const t = await enable2fa(a, 'auth-only');
      assert.equal(t.recovery.length, 10);
      const [first, second, third] = t.recovery as [string, string, string];

      const ok = await login(a, first);
      expectOk(ok.r, 'login with a recovery code', server);
      assert.equal(ok.r.answered, 3);
      assert.equal((await ok.npm.run(['whoami'])).stdout, 'rhea\n');

      const reused = await login(a, first);
      expectFail(reused.r, 'login with the same recovery code again', EOTP, server);
      assert.equal(reused.npm.token(), undefined, 'no token is stored');

      const remaining = await api(url(), '/-/tessera/v1/recovery-codes', { token: a.npm.token()! });
      assert.equal(remaining.status, 200, remaining.text);
      assert.equal(remaining.json.remaining, 9, remaining.text);

      // the other codes are untouched, and work wherever an OTP does
      const next = await login(a, second);
      expectOk(next.r, 'login with another recovery code', server);
      const token = await a.npm.run(['token', 'create', '--packages-all', '--packages-and-scopes-permission=read-only', `--password=${a.password}`, `--otp=${third}`]);
      expectOk(token, 'token create with a recovery code as --otp', server);
      const after = await api(url(), '/-/tessera/v1/recovery-codes', { token: a.npm.token()! });
      assert.equal(after.json.remaining, 7, after.text);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('disable-2fa', { concurrency: false }, () => {
    test('npm profile disable-2fa takes the password and an OTP; afterwards publishing and login need nothing', T, async () => {
      const a = await signup('dora');
      const t = await enable2fa(a);
      expectFail(await publish(a.npm, 'dora-pkg', '1.0.0'), 'publish with 2FA on, no OTP', EOTP, server);

      const r = await a.npm.pty(
        ['profile', 'disable-2fa'],
        [
          { prompt: PASSWORD_PROMPT, answer: a.password },
          { prompt: OTP_PROMPT, answer: () => t.codes.next() },
        ],
        SLOW,
      );
      expectOk(r, 'npm profile disable-2fa', server);
      assert.equal(r.answered, 2, 'npm asked for the password and an OTP');
      assert.match(r.output, /^Two factor authentication disabled\.$/m);
      assert.equal(await tfaShown(a.npm), 'disabled');
      assert.ok(!(await profileJson(a.npm)).tfa);

      await expectPublished(a.npm, 'dora-pkg', '1.0.0');
      const tag = await a.npm.run(['dist-tag', 'add', 'dora-pkg@1.0.0', 'stable']);
      expectOk(tag, 'dist-tag add after disable-2fa', server);

      const { npm, r: li } = await login(a);
      expectOk(li, 'login after disable-2fa', server);
      assert.doesNotMatch(li.output, OTP_PROMPT, 'no OTP prompt');
      assert.equal((await npm.run(['whoami'])).stdout, 'dora\n');

      const again = await a.npm.run(['profile', 'disable-2fa']);
      expectOk(again, 'disable-2fa when not enabled', server);
      assert.equal(again.stdout, 'Two factor authentication not enabled.\n');

      // the old recovery codes went with the factor
      const codes = await api(url(), '/-/tessera/v1/recovery-codes', { token: a.npm.token()! });
      assert.equal(codes.status, 200, codes.text);
      assert.equal(codes.json.enabled, false, codes.text);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('a pending set-up', { concurrency: false }, () => {
    test('a wrong first code leaves 2FA pending and unenforced; enable-2fa again starts over with a new secret', T, async () => {
      const a = await signup('penny');
      let firstSecret = '';
      const failed = await a.npm.pty(
        ['profile', 'enable-2fa'],
        [
          { prompt: PASSWORD_PROMPT, answer: a.password },
          {
            prompt: FIRST_CODE_PROMPT,
            answer: (out) => {
              firstSecret = secretIn(out);
              return wrongCode(firstSecret);
            },
          },
        ],
      );
      assert.equal(failed.code, 1, `a wrong first code fails the set-up; ${describeRun(failed, server)}`);
      assert.doesNotMatch(failed.output, /2FA successfully enabled/);
      assert.match(failed.output, /npm error code E400/);
      assert.match(failed.output, /one-time password did not match/);
      assert.ok(firstSecret);

      assert.equal(await tfaShown(a.npm), 'disabled', 'a pending set-up shows as disabled');
      const pending = (await profileJson(a.npm)).tfa;
      assert.ok(!pending || pending.pending === true, `tfa is pending or off: ${JSON.stringify(pending)}`);
      await expectPublished(a.npm, 'penny-pkg', '1.0.0'); // pending protects nothing

      const t = await enable2fa(a);
      assert.notEqual(t.secret, firstSecret, 'starting over makes a new secret');
      assert.equal(t.recovery.length, 10);
      assert.equal(await tfaShown(a.npm), 'auth-and-writes');

      expectFail(await publish(a.npm, 'penny-pkg', '1.1.0'), 'publish without an OTP once enabled', EOTP, server);
      const stale = await publish(a.npm, 'penny-pkg', '1.1.0', [`--otp=${codeForStep(firstSecret, stepAt())}`]);
      expectFail(stale, 'publish with a code of the abandoned secret', EOTP, server);
      await expectPublished(a.npm, 'penny-pkg', '1.1.0', [`--otp=${await t.codes.next()}`]);
    });
  });
});
