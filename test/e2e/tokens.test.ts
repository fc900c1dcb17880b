// Tokens end to end with the real npm CLI (npm 11's granular `npm token create`): read-only
// tokens, the permission flags the server insists on, CIDR limits, package limits, expiry,
// revocation by id prefix and by value, OTPs on token create / revoke, bypass-2FA tokens, and
// login sessions (which npm token list never shows and npm logout ends).
//
// One server for the file. Each scenario has its own account (and, with 2FA, its own TOTP
// steps) and runs its steps in order; scenarios run side by side.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, makeNpm, type Npm, type PtyResult, type RunResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk, nodeEval, re } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';
import { expectNpmPublished, npmPublish, registryVersions } from './harness/publishing.ts';
import { step } from './harness/step.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
/** A pty run that may wait up to 30 s for a fresh TOTP step. */
const SLOW = { timeoutMs: 120_000 };
const READ_ONLY = ['--packages-all', '--packages-and-scopes-permission=read-only'];
const READ_WRITE = ['--packages-all', '--packages-and-scopes-permission=read-write'];
const OTP_PROMPT = /Enter OTP:/;
const EOTP = [/code EOTP/, /This operation requires a one-time password from your authenticator\./];
const INVALID_TOKEN = [/code E401/, /your authentication token seems to be invalid/];

let server: RunningServer;
const url = (): string => server.url;

// ---------------------------------------------------------------------------------------
// Helpers

interface Account {
  name: string;
  npm: Npm;
}

/** `npm adduser --auth-type=legacy` in a fresh npm config. */
async function signup(name: string): Promise<Account> {
  const { npm } = await adduser(url(), name, PASSWORD, server);
  assert.ok(npm.token(), 'adduser stores a token');
  return { name, npm };
}

/** `npm profile enable-2fa [mode]`: password, then a code for the secret npm prints. */
async function enable2fa(acct: Account, mode: 'auth-only' | 'auth-and-writes' = 'auth-and-writes'): Promise<CodeSource> {
  let codes: CodeSource | undefined;
  const r = await acct.npm.pty(
    ['profile', 'enable-2fa', mode],
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
  expectOk(r, `npm profile enable-2fa ${mode} for ${acct.name}`, server);
  assert.match(r.output, /2FA successfully enabled\./);
  assert.ok(codes);
  return codes;
}

/** The secret npm printed after "Created token". */
function createdToken(r: RunResult | PtyResult): string {
  const text = 'output' in r ? r.output : r.stdout;
  const m = /^Created token (\S+)$/m.exec(text);
  assert.ok(m, `npm prints "Created token <token>"\n${text}`);
  return m[1]!;
}

/** `npm token create --password=PW ...args` (no terminal); asserts success, returns the secret. */
async function createToken(npm: Npm, args: string[]): Promise<{ token: string; r: RunResult }> {
  const r = await npm.run(['token', 'create', `--password=${PASSWORD}`, ...args]);
  expectOk(r, `npm token create ${args.join(' ')}`, server);
  return { token: createdToken(r), r };
}

interface ListedToken {
  key: string;
  token: string;
  id: string;
  name: string | null;
  created: string;
  readonly: boolean;
  expires?: string | null;
  cidr_whitelist: string[] | null;
  [k: string]: unknown;
}

async function listTokens(npm: Npm): Promise<ListedToken[]> {
  const r = await npm.run(['token', 'list', '--json']);
  expectOk(r, 'npm token list --json', server);
  return JSON.parse(r.stdout);
}

/** The listed token whose shown prefix starts the secret. */
function findListed(list: ListedToken[], secret: string): ListedToken {
  const hits = list.filter((t) => secret.startsWith(t.token));
  assert.equal(hits.length, 1, `exactly one listed token is a prefix of the secret: ${JSON.stringify(list, null, 2)}`);
  return hits[0]!;
}

/** A fresh npm config (own cache and HOME) that holds only this token. */
function withToken(token: string): Npm {
  const npm = makeNpm(url());
  npm.setToken(token);
  return npm;
}

const publish = (npm: Npm, name: string, version: string, args: string[] = []): Promise<RunResult> => npmPublish(npm, name, version, args);
const expectPublished = (npm: Npm, name: string, version: string, args: string[] = []) => expectNpmPublished(server, npm, name, version, args);
const versionsOf = (name: string) => registryVersions(url(), name);

async function whoami(npm: Npm): Promise<RunResult> {
  return npm.run(['whoami']);
}


// ---------------------------------------------------------------------------------------

describe('tokens with the npm CLI', { concurrency: 3 }, () => {
  before(async () => {
    server = await startServer();
  });

  after(async () => {
    if (server) await server.stop().catch(() => server.kill9());
  });

  // -------------------------------------------------------------------------------------
  describe('read-only tokens and npm token list', { concurrency: false }, () => {
    const tina = step<Account>('the account');
    const ro = step<string>('the read-only token');

    test('npm token create --packages-all --packages-and-scopes-permission=read-only shows the token once', T, async () => {
      const a = tina.set(await signup('tina'));
      assert.deepEqual(await listTokens(a.npm), [], 'the adduser session is not listed');

      const { token, r } = await createToken(a.npm, [...READ_ONLY, '--name=ci-read', '--token-description=CI reads']);
      ro.set(token);
      assert.notEqual(token, a.npm.token(), 'a new secret, not the session');
      assert.match(r.stdout, /^expires: \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      assert.doesNotMatch(r.stdout, /with IP whitelist/);
    });

    test('npm token list shows it by prefix and id, as text, --json and --parseable, never the secret', T, async () => {
      const a = tina.get();
      const token = ro.get();

      const list = await listTokens(a.npm);
      assert.equal(list.length, 1, JSON.stringify(list, null, 2));
      const entry = findListed(list, token);
      assert.ok(entry.token.length < token.length, `the list shows a prefix, not the secret: ${entry.token}`);
      assert.ok(entry.token.length >= 6, `a usable prefix: ${entry.token}`);
      assert.ok(entry.key.startsWith(entry.id) && entry.id.length >= 6, `id ${entry.id} is a prefix of key ${entry.key}`);
      assert.equal(entry.name, 'ci-read');
      assert.equal(entry.description, 'CI reads');
      assert.equal(entry.readonly, true);
      assert.equal(entry.packages_all, true);
      assert.equal(entry.packages_and_scopes_permission, 'read-only');
      assert.ok(!entry.cidr_whitelist || entry.cidr_whitelist.length === 0);

      const text = await a.npm.run(['token', 'list']);
      expectOk(text, 'npm token list', server);
      assert.match(
        text.stdout,
        new RegExp(`^Token ${re(entry.token)}… with id ${re(entry.id)} name ci-read created ${re(entry.created.slice(0, 10))}$`, 'm'),
      );
      const bare = await a.npm.run(['token']);
      expectOk(bare, 'npm token (list by default)', server);
      assert.equal(bare.stdout, text.stdout);

      const parseable = await a.npm.run(['token', 'list', '--parseable']);
      expectOk(parseable, 'npm token list --parseable', server);
      const lines = parseable.stdout.replace(/\n$/, '').split('\n');
      assert.equal(lines[0], 'key\ttoken\tid\tname\tcreated\treadonly\tCIDR whitelist');
      assert.deepEqual(lines.slice(1), [[entry.key, entry.token, entry.id, 'ci-read', entry.created, 'true', ''].join('\t')]);

      for (const out of [text.stdout, parseable.stdout, JSON.stringify(list)]) {
        assert.ok(!out.includes(token), 'the secret is shown only once');
      }
    });

    test('a read-only token in a fresh npm config can npm view and npm install, but npm publish fails with E403', T, async () => {
      const a = tina.get();
      const token = ro.get();
      await expectPublished(a.npm, 'tina-pkg', '1.0.0');

      const reader = withToken(token);
      const who = await whoami(reader);
      expectOk(who, 'whoami with a read-only token', server);
      assert.equal(who.stdout, 'tina\n');

      const view = await reader.run(['view', 'tina-pkg', 'version']);
      expectOk(view, 'npm view with a read-only token', server);
      assert.equal(view.stdout, '1.0.0\n');

      const project = reader.makeProject();
      expectOk(await reader.run(['install', 'tina-pkg'], { cwd: project }), 'npm install with a read-only token', server);
      assert.equal(await nodeEval(`process.stdout.write(require('tina-pkg'))`, project), 'tina-pkg@1.0.0');

      const pub = await publish(reader, 'tina-pkg', '1.1.0');
      expectFail(pub, 'publish with a read-only token', [/code E403/, new RegExp(`403 Forbidden - PUT ${re(url())}tina-pkg`)], server);
      const tag = await reader.run(['dist-tag', 'add', 'tina-pkg@1.0.0', 'stable']);
      expectFail(tag, 'dist-tag add with a read-only token', [/code E403/], server);
      assert.deepEqual(await versionsOf('tina-pkg'), ['1.0.0'], 'nothing was published');
    });

    test('npm token create without permission flags fails with the server\'s message naming them', T, async () => {
      const a = tina.get();
      const before = await listTokens(a.npm);
      const r = await a.npm.run(['token', 'create', `--password=${PASSWORD}`, '--name=nothing']);
      expectFail(
        r,
        'token create without permissions',
        [/code E400/, new RegExp(`400 Bad Request - POST ${re(url())}-/npm/v1/tokens`), /--packages-all/, /--packages-and-scopes-permission/],
        server,
      );
      assert.equal((await listTokens(a.npm)).length, before.length, 'no token was created');
    });
  });

  // -------------------------------------------------------------------------------------
  describe('restricted tokens', { concurrency: false }, () => {
    const cid = step<Account>('the account');

    test('a token limited to --cidr=10.0.0.0/8 makes npm fail with EAUTHIP from 127.0.0.1', T, async () => {
      const a = cid.set(await signup('cid'));
      await expectPublished(a.npm, 'cid-pkg', '1.0.0');

      const { token, r } = await createToken(a.npm, [...READ_WRITE, '--cidr=10.0.0.0/8', '--name=outside']);
      assert.match(r.stdout, /^with IP whitelist: 10\.0\.0\.0\/8$/m);
      const listed = findListed(await listTokens(a.npm), token);
      assert.deepEqual(listed.cidr_whitelist, ['10.0.0.0/8']);
      const text = await a.npm.run(['token', 'list']);
      assert.match(text.stdout, new RegExp(`^Token ${re(listed.token)}… with id ${re(listed.id)} name outside created .*\nwith IP whitelist: 10\\.0\\.0\\.0/8$`, 'm'));

      const outside = withToken(token);
      const ip = [/code EAUTHIP/, /Login is not allowed from your IP address/];
      expectFail(await whoami(outside), 'whoami from outside the CIDR', ip, server);
      expectFail(await publish(outside, 'cid-pkg', '1.1.0'), 'publish from outside the CIDR', ip, server);
      expectFail(await outside.run(['view', 'cid-pkg', 'version']), 'view from outside the CIDR', ip, server);
      assert.deepEqual(await versionsOf('cid-pkg'), ['1.0.0']);

      // the same kind of token limited to loopback works
      const inside = withToken((await createToken(a.npm, [...READ_WRITE, '--cidr=127.0.0.0/8', '--name=inside'])).token);
      assert.equal((await whoami(inside)).stdout, 'cid\n');
      await expectPublished(inside, 'cid-pkg', '1.1.0');
    });

    test('a token limited to --packages=pkg-a publishes pkg-a but gets E403 on pkg-b', T, async () => {
      const a = cid.get();
      await expectPublished(a.npm, 'cid-a', '1.0.0');
      await expectPublished(a.npm, 'cid-b', '1.0.0');

      const { token } = await createToken(a.npm, ['--packages=cid-a', '--packages-and-scopes-permission=read-write', '--name=only-a']);
      const listed = findListed(await listTokens(a.npm), token);
      assert.deepEqual(listed.packages, ['cid-a']);
      assert.equal(listed.readonly, false);

      const limited = withToken(token);
      await expectPublished(limited, 'cid-a', '1.1.0');
      const other = await publish(limited, 'cid-b', '1.1.0');
      expectFail(other, 'publish of another package', [/code E403/, new RegExp(`403 Forbidden - PUT ${re(url())}cid-b`)], server);
      expectFail(await limited.run(['dist-tag', 'add', 'cid-b@1.0.0', 'stable']), 'dist-tag on another package', [/code E403/], server);
      expectFail(await publish(limited, 'cid-c', '1.0.0'), 'publish of a new name', [/code E403/], server);
      assert.deepEqual(await versionsOf('cid-a'), ['1.0.0', '1.1.0']);
      assert.deepEqual(await versionsOf('cid-b'), ['1.0.0']);
      assert.deepEqual(await versionsOf('cid-c'), []);
    });

    test('npm token create --expires=1 shows an expiry one day out', T, async () => {
      const a = cid.get();
      const before = Date.now();
      const { token, r } = await createToken(a.npm, [...READ_ONLY, '--expires=1', '--name=one-day']);
      const m = /^expires: (\S+)$/m.exec(r.stdout);
      assert.ok(m, r.stdout);
      const expires = Date.parse(m[1]!);
      const day = 24 * 3600_000;
      assert.ok(
        expires >= before + day - 60_000 && expires <= Date.now() + day + 60_000,
        `expires ${m[1]} is one day after ${new Date(before).toISOString()}`,
      );
      assert.equal(findListed(await listTokens(a.npm), token).expires, m[1]);
      assert.equal((await whoami(withToken(token))).stdout, 'cid\n', 'the token works until then');
    });
  });

  // -------------------------------------------------------------------------------------
  describe('revocation', { concurrency: false }, () => {
    test('npm token revoke by id prefix and by full token value; the revoked tokens get E401', T, async () => {
      const a = await signup('rev');
      const first = (await createToken(a.npm, [...READ_ONLY, '--name=first'])).token;
      const second = (await createToken(a.npm, [...READ_ONLY, '--name=second'])).token;
      const keep = (await createToken(a.npm, [...READ_ONLY, '--name=keep'])).token;
      for (const t of [first, second, keep]) assert.equal((await whoami(withToken(t))).stdout, 'rev\n');

      const list = await listTokens(a.npm);
      assert.equal(list.length, 3);
      const id = findListed(list, first).id;
      const byId = await a.npm.run(['token', 'revoke', id]);
      expectOk(byId, `npm token revoke ${id}`, server);
      assert.equal(byId.stdout, 'Removed 1 token\n');
      expectFail(await whoami(withToken(first)), 'whoami with a token revoked by id', INVALID_TOKEN, server);

      const byValue = await a.npm.run(['token', 'revoke', second]);
      expectOk(byValue, 'npm token revoke <full token>', server);
      assert.equal(byValue.stdout, 'Removed 1 token\n');
      expectFail(await whoami(withToken(second)), 'whoami with a token revoked by value', INVALID_TOKEN, server);

      const left = await listTokens(a.npm);
      assert.deepEqual(left.map((t) => t.name), ['keep']);
      assert.equal((await whoami(withToken(keep))).stdout, 'rev\n', 'other tokens keep working');
      assert.equal((await whoami(a.npm)).stdout, 'rev\n', 'the session keeps working');

      const unknown = await a.npm.run(['token', 'revoke', id]);
      expectFail(unknown, 'revoking the same id again', [/Unknown token id or value/], server);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('tokens and 2FA', { concurrency: false }, () => {
    test('with 2FA on, npm token create and npm token revoke ask for an OTP (pty) or take --otp', T, async () => {
      const a = await signup('tom');
      const codes = await enable2fa(a, 'auth-only');

      // no terminal, no --otp: refused
      const bare = await a.npm.run(['token', 'create', `--password=${PASSWORD}`, ...READ_ONLY, '--name=bare']);
      expectFail(bare, 'token create without an OTP', EOTP, server);
      assert.equal((await listTokens(a.npm)).length, 0);

      // a terminal: npm asks for the password, then for the OTP
      const pty = await a.npm.pty(
        ['token', 'create', ...READ_ONLY, '--name=prompted'],
        [
          { prompt: /npm password:/, answer: PASSWORD },
          { prompt: OTP_PROMPT, answer: () => codes.next() },
        ],
        SLOW,
      );
      expectOk(pty, 'token create answering the OTP prompt', server);
      assert.equal(pty.answered, 2, 'npm asked for an OTP');
      const prompted = createdToken(pty);

      const flagged = (await createToken(a.npm, [...READ_ONLY, '--name=flagged', `--otp=${await codes.next()}`])).token;
      const list = await listTokens(a.npm);
      assert.deepEqual(list.map((t) => t.name).sort(), ['flagged', 'prompted']);

      const promptedId = findListed(list, prompted).id;
      const bareRevoke = await a.npm.run(['token', 'revoke', promptedId]);
      expectFail(bareRevoke, 'token revoke without an OTP', EOTP, server);
      assert.equal((await whoami(withToken(prompted))).stdout, 'tom\n', 'still valid');

      const ptyRevoke = await a.npm.pty(['token', 'revoke', promptedId], [{ prompt: OTP_PROMPT, answer: () => codes.next() }], SLOW);
      expectOk(ptyRevoke, 'token revoke answering the OTP prompt', server);
      assert.equal(ptyRevoke.answered, 1, 'npm asked for an OTP');
      assert.match(ptyRevoke.output, /^Removed 1 token$/m);
      expectFail(await whoami(withToken(prompted)), 'whoami with the revoked token', INVALID_TOKEN, server);

      const flagRevoke = await a.npm.run(['token', 'revoke', flagged, `--otp=${await codes.next()}`]);
      expectOk(flagRevoke, 'token revoke --otp', server);
      assert.equal(flagRevoke.stdout, 'Removed 1 token\n');
      expectFail(await whoami(withToken(flagged)), 'whoami with the revoked token', INVALID_TOKEN, server);
      assert.deepEqual(await listTokens(a.npm), []);
    });

    test('a --bypass-2fa token publishes without an OTP for an auth-and-writes account, but npm owner add with it is refused', T, async () => {
      const a = await signup('bea');
      await signup('bea-friend');
      const codes = await enable2fa(a);
      await expectPublished(a.npm, 'bea-pkg', '1.0.0', [`--otp=${await codes.next()}`]);
      expectFail(await publish(a.npm, 'bea-pkg', '1.0.1'), 'the session still needs an OTP', EOTP, server);

      const { token } = await createToken(a.npm, [...READ_WRITE, '--bypass-2fa', '--name=automation', `--otp=${await codes.next()}`]);
      const listed = findListed(await listTokens(a.npm), token);
      assert.equal(listed.bypass_2fa, true);

      const bot = withToken(token);
      await expectPublished(bot, 'bea-pkg', '1.1.0');
      const tag = await bot.run(['dist-tag', 'add', 'bea-pkg@1.0.0', 'stable']);
      expectOk(tag, 'dist-tag add with a bypass token', server);

      const owner = await bot.run(['owner', 'add', 'bea-friend', 'bea-pkg']);
      expectFail(owner, 'owner add with a bypass token', [/code EOWNERMUTATE/, /403 Forbidden - PUT /], server);
      const doc = await api(url(), '/bea-pkg');
      assert.deepEqual(
        doc.json.maintainers.map((m: { name: string }) => m.name),
        ['bea'],
        'owners unchanged',
      );
      assert.deepEqual(Object.keys(doc.json.versions).sort(), ['1.0.0', '1.1.0']);

      // nor may it claim a new package name or make tokens (docs/security.md)
      expectFail(await publish(bot, 'bea-new', '1.0.0'), 'a new package name with a bypass token', EOTP, server);
      assert.deepEqual(await versionsOf('bea-new'), []);
      const more = await bot.run(['token', 'create', `--password=${PASSWORD}`, ...READ_ONLY]);
      expectFail(more, 'token create with a bypass token', [/code E403/, new RegExp(`403 Forbidden - POST ${re(url())}-/npm/v1/tokens`)], server);
    });
  });

  // -------------------------------------------------------------------------------------
  describe('login sessions', { concurrency: false }, () => {
    test('npm logout ends a login session, which never appears in npm token list', T, async () => {
      const a = await signup('lou');
      const gat = (await createToken(a.npm, [...READ_ONLY, '--name=listed'])).token;

      const laptop = makeNpm(url());
      const li: PtyResult = await laptop.pty(['login', '--auth-type=legacy'], [
        { prompt: /Username:/, answer: 'lou' },
        { prompt: /Password:/, answer: PASSWORD },
      ]);
      expectOk(li, 'npm login', server);
      const session = laptop.token();
      assert.ok(session);
      assert.equal((await whoami(laptop)).stdout, 'lou\n');

      for (const npm of [a.npm, laptop]) {
        const list = await listTokens(npm);
        assert.deepEqual(list.map((t) => t.name), ['listed'], 'only the created token is listed');
        assert.ok(gat.startsWith(list[0]!.token));
        assert.ok(!list.some((t) => session.startsWith(t.token) || a.npm.token()!.startsWith(t.token)), 'no session is listed');
      }

      const out = await laptop.run(['logout']);
      expectOk(out, 'npm logout', server);
      assert.equal(laptop.token(), undefined, 'the token is removed from the config');
      const gone = await api(url(), '/-/whoami', { token: session });
      assert.equal(gone.status, 401, `the session is ended on the server: ${gone.text}`);
      laptop.setToken(session);
      expectFail(await whoami(laptop), 'whoami with the ended session', INVALID_TOKEN, server);

      assert.deepEqual((await listTokens(a.npm)).map((t) => t.name), ['listed'], 'the list is unchanged');
      assert.equal((await whoami(a.npm)).stdout, 'lou\n', 'the other session stays');
      assert.equal((await whoami(withToken(gat))).stdout, 'lou\n', 'the created token stays');
    });
  });
});
