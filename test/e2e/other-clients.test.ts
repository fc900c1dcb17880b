// pnpm and yarn classic against Tessera, with the real clients pinned in devDependencies:
// anonymous installs of public packages, installs of a restricted scoped package with a
// token from an .npmrc (and the 404 without one), publishing with a token, and publishing
// under 2FA (refused without an OTP; accepted with --otp, a TOTP code for pnpm and a recovery
// code for yarn, so that the file never waits for the next 30 s step).
//
// pnpm 10 packs the tarball itself and hands the upload to `npm publish <tgz>` (the npm on
// PATH, reading the same .npmrc); pnpm 11 publishes natively but needs Node 22.
//
// One server for the file. The accounts and the packages installed are made with the npm
// CLI (that side is registry.test.ts's business); then each client runs in its own HOME,
// config, store and cache, behind an https proxy that only records, so a client that tried
// to reach the public registry would be caught (the last test checks that nothing did).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from './harness/server.ts';
import { makeNpm, type Npm, type RunResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { describeRun, expectOk, nodeEval, re } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';
import { registryVersions } from './harness/publishing.ts';
import { step } from './harness/step.ts';
import { makePnpm, makeYarn, startTrapProxy, type Client, type Trap } from './harness/clients.ts';

const T = { timeout: 120_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
/** A pty run that may wait up to 30 s for a fresh TOTP step. */
const SLOW = { timeoutMs: 90_000 };
const EOTP = /This operation requires a one-time password/;

let server: RunningServer;
let trap: Trap;
const url = (): string => server.url;

// ---------------------------------------------------------------------------------------
// Helpers

interface Account {
  name: string;
  npm: Npm;
  token: string;
}

/** `npm adduser --auth-type=legacy` in a fresh npm config. */
async function signup(name: string): Promise<Account> {
  const npm = makeNpm(url());
  const r = await npm.pty(['adduser', '--auth-type=legacy'], [
    { prompt: /Username:/, answer: name },
    { prompt: /Password:/, answer: PASSWORD },
    { prompt: /Email[^:]*:/, answer: `${name}@example.com` },
  ]);
  expectOk(r, `npm adduser ${name}`, server);
  const token = npm.token();
  assert.ok(token, 'adduser stores a token');
  return { name, npm, token };
}

async function npmPublish(a: Account, name: string, version: string, args: string[] = [], extra: Record<string, unknown> = {}): Promise<void> {
  const r = await a.npm.run(['publish', ...args], { cwd: a.npm.makePackage(name, version, extra) });
  expectOk(r, `npm publish ${name}@${version}`, server);
}

/** `npm profile enable-2fa auth-and-writes`; returns the code source and the recovery codes. */
async function enable2fa(a: Account): Promise<{ codes: CodeSource; recovery: string[] }> {
  let codes: CodeSource | undefined;
  const r = await a.npm.pty(
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
  expectOk(r, `npm profile enable-2fa for ${a.name}`, server);
  assert.ok(codes);
  const recovery = [...r.output.matchAll(/^\s*([0-9a-f]{64})\s*$/gm)].map((m) => m[1]!);
  assert.equal(recovery.length, 10, `npm prints 10 recovery codes\n${r.output}`);
  return { codes, recovery };
}

function ok(r: RunResult, what: string): void {
  expectOk(r, what, server);
}

/** A failed run (any non-zero exit) whose output matches every pattern. */
function failed(r: RunResult, what: string, patterns: RegExp[]): void {
  assert.ok(r.code !== 0 && r.code !== null, `${what} should fail; ${describeRun(r, server)}`);
  for (const p of patterns) assert.match(`${r.stdout}\n${r.stderr}`, p, `${what}: expected ${p}; ${describeRun(r, server)}`);
}

async function required(name: string, project: string): Promise<string> {
  return nodeEval(`process.stdout.write(require(${JSON.stringify(name)}))`, project);
}

/** The packument, read anonymously or with a token. */
async function packument(name: string, token?: string): Promise<any> {
  const res = await api(url(), `/${name.replace('/', '%2f')}`, { token });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

// ---------------------------------------------------------------------------------------
// What the clients install: published once with npm by carol.
//   tessera-greeting@1.0.0, tessera-hello@1.0.0 (depends on tessera-greeting ^1.0.0),
//   @carol/secret@1.0.0 (restricted), tessera-yarn-made@1.0.0.

let fixturesPromise: Promise<Account> | undefined;
const fixtures = (): Promise<Account> =>
  (fixturesPromise ??= (async () => {
    const carol = await signup('carol');
    await npmPublish(carol, 'tessera-greeting', '1.0.0');
    await npmPublish(carol, 'tessera-hello', '1.0.0', [], { dependencies: { 'tessera-greeting': '^1.0.0' } });
    await npmPublish(carol, '@carol/secret', '1.0.0', ['--access', 'restricted']);
    await npmPublish(carol, 'tessera-yarn-made', '1.0.0');
    const anon = await api(url(), '/@carol%2fsecret');
    assert.equal(anon.status, 404, 'the restricted package is hidden from anonymous readers');
    return carol;
  })());

// ---------------------------------------------------------------------------------------

describe('pnpm and yarn classic against Tessera', { concurrency: 3 }, () => {
  before(async () => {
    server = await startServer();
    trap = await startTrapProxy();
  });

  after(async () => {
    if (trap) await trap.close();
    if (server) await server.stop().catch(() => server.kill9());
  });

  // -------------------------------------------------------------------------------------
  describe('pnpm', { concurrency: false }, () => {
    const client = step<Client>('the pnpm client');

    test('pnpm install of a public package (anonymous) writes a lockfile and the package is requireable', T, async () => {
      await fixtures();
      const pnpm = client.set(makePnpm(url(), trap));
      const project = pnpm.makeProject({ 'tessera-hello': '^1.0.0' });
      // --no-frozen-lockfile: under CI=true pnpm would otherwise refuse to write a lockfile
      ok(await pnpm.run(['install', '--no-frozen-lockfile'], { cwd: project }), 'pnpm install tessera-hello');
      assert.equal(await required('tessera-hello', project), 'tessera-hello@1.0.0');
      const lock = readFileSync(join(project, 'pnpm-lock.yaml'), 'utf8');
      const hello = (await packument('tessera-hello')).versions['1.0.0'];
      const greeting = (await packument('tessera-greeting')).versions['1.0.0'];
      assert.match(lock, /tessera-hello@1\.0\.0:/);
      assert.match(lock, /tessera-greeting@1\.0\.0:/, 'the dependency is resolved and locked too');
      assert.ok(lock.includes(hello.dist.integrity), 'the lockfile carries the integrity Tessera serves');
      assert.ok(lock.includes(greeting.dist.integrity));

      // the lockfile alone installs again into an empty node_modules
      rmSync(join(project, 'node_modules'), { recursive: true });
      ok(await pnpm.run(['install', '--frozen-lockfile'], { cwd: project }), 'pnpm install --frozen-lockfile');
      assert.equal(await required('tessera-hello', project), 'tessera-hello@1.0.0');
    });

    test('pnpm install of a restricted scoped package works with a token in the project .npmrc, and is a 404 without', T, async () => {
      const carol = await fixtures();
      const pnpm = client.get();
      const withToken = pnpm.makeProject({ '@carol/secret': '1.0.0' }, [pnpm.tokenLine(carol.token)]);
      ok(await pnpm.run(['install', '--no-frozen-lockfile'], { cwd: withToken }), 'pnpm install @carol/secret with a token');
      assert.equal(await required('@carol/secret', withToken), '@carol/secret@1.0.0');
      assert.match(readFileSync(join(withToken, 'pnpm-lock.yaml'), 'utf8'), /'@carol\/secret@1\.0\.0':/);

      // a fresh client: nothing of the first install in its store or metadata cache
      const anonymous = makePnpm(url(), trap);
      const without = anonymous.makeProject({ '@carol/secret': '1.0.0' });
      const r = await anonymous.run(['install', '--no-frozen-lockfile'], { cwd: without });
      failed(r, 'pnpm install @carol/secret without a token', [/ERR_PNPM_FETCH_404/, new RegExp(`GET ${re(url())}@carol%2Fsecret: Not Found - 404`)]);
      assert.ok(!existsSync(join(without, 'node_modules', '@carol', 'secret')), 'nothing was installed');
    });

    test('pnpm publish of a new version with a token in the user .npmrc', T, async () => {
      const carol = await fixtures();
      const pnpm = client.get();
      pnpm.setToken(carol.token);
      const r = await pnpm.run(['publish', '--no-git-checks'], { cwd: pnpm.makePackage('@carol/secret', '1.1.0') });
      ok(r, 'pnpm publish @carol/secret@1.1.0');
      assert.match(r.stdout, /^\+ @carol\/secret@1\.1\.0$/m);
      const doc = await packument('@carol/secret', carol.token);
      assert.deepEqual(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0']);
      assert.equal(doc['dist-tags'].latest, '1.1.0');
      assert.equal((await api(url(), '/@carol%2fsecret')).status, 404, 'a new version keeps the package restricted');

      // and pnpm installs what pnpm published
      const project = pnpm.makeProject({ '@carol/secret': '^1.1.0' });
      ok(await pnpm.run(['install', '--no-frozen-lockfile'], { cwd: project }), 'pnpm install @carol/secret@^1.1.0');
      assert.equal(await required('@carol/secret', project), '@carol/secret@1.1.0');
    });
  });

  // -------------------------------------------------------------------------------------
  describe('yarn classic', { concurrency: false }, () => {
    const client = step<Client>('the yarn client');
    const YARN = ['--non-interactive', '--no-progress'];

    test('yarn install of a public package (anonymous) writes yarn.lock pointing at Tessera', T, async () => {
      await fixtures();
      const yarn = client.set(makeYarn(url(), trap));
      const project = yarn.makeProject({ 'tessera-hello': '^1.0.0' });
      ok(await yarn.run(['install', ...YARN, '--cache-folder', join(yarn.root, 'yarn-cache')], { cwd: project }), 'yarn install tessera-hello');
      assert.equal(await required('tessera-hello', project), 'tessera-hello@1.0.0');
      assert.equal(await required('tessera-greeting', project), 'tessera-greeting@1.0.0', 'the dependency is installed');
      const lock = readFileSync(join(project, 'yarn.lock'), 'utf8');
      const hello = (await packument('tessera-hello')).versions['1.0.0'];
      assert.match(lock, new RegExp(`resolved "${re(hello.dist.tarball)}#${hello.dist.shasum}"`));
      assert.match(lock, new RegExp(`integrity ${re(hello.dist.integrity)}`));
      const resolved = [...lock.matchAll(/resolved "([^"]+)"/g)].map((m) => m[1]!);
      assert.equal(resolved.length, 2);
      for (const r of resolved) assert.ok(r.startsWith(url()), `${r} is served by Tessera`);
    });

    test('yarn install of a restricted scoped package works with a token in the user .npmrc, and is a 404 without', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      yarn.setToken(carol.token);
      const project = yarn.makeProject({ '@carol/secret': '1.0.0' });
      ok(await yarn.run(['install', ...YARN], { cwd: project }), 'yarn install @carol/secret with a token');
      assert.equal(await required('@carol/secret', project), '@carol/secret@1.0.0');

      // from yarn.lock alone, with an empty cache: the tarball request carries the token too
      rmSync(join(project, 'node_modules'), { recursive: true });
      const freshCache = join(yarn.root, 'yarn-cache-2');
      ok(await yarn.run(['install', ...YARN, '--frozen-lockfile', '--cache-folder', freshCache], { cwd: project }), 'yarn install --frozen-lockfile');
      assert.equal(await required('@carol/secret', project), '@carol/secret@1.0.0');

      const anonymous = makeYarn(url(), trap);
      const without = anonymous.makeProject({ '@carol/secret': '1.0.0' });
      const r = await anonymous.run(['install', ...YARN], { cwd: without });
      failed(r, 'yarn install @carol/secret without a token', [new RegExp(`${re(url())}@carol%2fsecret: Package @carol/secret not found\\.`)]);
      assert.ok(!existsSync(join(without, 'node_modules', '@carol', 'secret')), 'nothing was installed');
    });

    test('yarn publish --new-version with a token publishes the new version', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      yarn.setToken(carol.token);
      const r = await yarn.run(['publish', ...YARN, '--new-version', '1.1.0'], { cwd: yarn.makePackage('tessera-yarn-made', '1.0.0') });
      ok(r, 'yarn publish tessera-yarn-made --new-version 1.1.0');
      const doc = await packument('tessera-yarn-made');
      assert.deepEqual(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0']);
      assert.equal(doc['dist-tags'].latest, '1.1.0');
      assert.equal(doc.versions['1.1.0']._npmUser?.name, 'carol');

      // and yarn installs what yarn published
      const project = yarn.makeProject({ 'tessera-yarn-made': '^1.1.0' });
      ok(await yarn.run(['install', ...YARN], { cwd: project }), 'yarn install tessera-yarn-made@^1.1.0');
      const installed = await nodeEval(`process.stdout.write(require('tessera-yarn-made/package.json').version)`, project);
      assert.equal(installed, '1.1.0', 'the version yarn bumped to is the one installed');
    });
  });

  // -------------------------------------------------------------------------------------
  describe('publishing under 2FA (auth-and-writes)', { concurrency: false }, () => {
    const dora = step<Account>('the account');
    const tfa = step<{ codes: CodeSource; recovery: string[] }>('2FA');

    test('setup: dora publishes @dora/two-step@1.0.0 with npm, then turns on 2FA for auth and writes', T, async () => {
      const a = dora.set(await signup('dora'));
      await npmPublish(a, '@dora/two-step', '1.0.0');
      tfa.set(await enable2fa(a));
    });

    test('pnpm publish without an OTP is refused; with --otp it succeeds', T, async () => {
      const a = dora.get();
      const { codes } = tfa.get();
      const pnpm = makePnpm(url(), trap);
      pnpm.setToken(a.token);

      const bare = await pnpm.run(['publish', '--no-git-checks'], { cwd: pnpm.makePackage('@dora/two-step', '1.1.0') });
      failed(bare, 'pnpm publish without an OTP', [EOTP]);
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0'], 'nothing was published');

      const r = await pnpm.run(['publish', '--no-git-checks', `--otp=${await codes.next()}`], {
        cwd: pnpm.makePackage('@dora/two-step', '1.1.0'),
      });
      ok(r, 'pnpm publish --otp');
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0', '1.1.0']);
    });

    test('yarn publish without an OTP is refused; with --otp (a recovery code) it succeeds', T, async () => {
      const a = dora.get();
      const { recovery } = tfa.get();
      const yarn = makeYarn(url(), trap);
      yarn.setToken(a.token);
      const YARN = ['--non-interactive', '--no-progress'];

      const bare = await yarn.run(['publish', ...YARN, '--new-version', '1.2.0'], { cwd: yarn.makePackage('@dora/two-step', '1.0.0') });
      // yarn sees the OTP challenge and, with no terminal to ask on, gives up
      failed(bare, 'yarn publish without an OTP', [/Two factor authentication enabled\./, EOTP, /Can't answer a question unless a user TTY/]);
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0', '1.1.0'], 'nothing was published');

      const r = await yarn.run(['publish', ...YARN, '--new-version', '1.2.0', '--otp', recovery[0]!], {
        cwd: yarn.makePackage('@dora/two-step', '1.0.0'),
      });
      ok(r, 'yarn publish --otp');
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0', '1.1.0', '1.2.0']);
    });
  });
});

// Last, once every client above has run: the proxy saw nothing. The test before it shows
// that the proxy does catch a client sent to the public registry, so the check means something.

test('the recording proxy catches pnpm and yarn when they reach for the public registry', T, async () => {
  const probe = await startTrapProxy();
  try {
    const pnpm = makePnpm(url(), probe);
    const p = await pnpm.run(['install', '--no-frozen-lockfile', '--registry=https://registry.npmjs.org/'], {
      cwd: pnpm.makeProject({ 'left-pad': '1.3.0' }),
    });
    failed(p, 'pnpm install from registry.npmjs.org through the proxy', [/registry\.npmjs\.org\/left-pad/]);
    const yarn = makeYarn(url(), probe);
    const y = await yarn.run(['install', '--non-interactive', '--no-progress', '--registry', 'https://registry.npmjs.org/'], {
      cwd: yarn.makeProject({ 'left-pad': '1.3.0' }),
    });
    failed(y, 'yarn install from registry.npmjs.org through the proxy', [/wrong version number/]);
    assert.deepEqual(probe.attempts, ['CONNECT registry.npmjs.org:443', 'CONNECT registry.npmjs.org:443']);
  } finally {
    await probe.close();
  }
});

test('no client contacted anything but Tessera', () => {
  assert.deepEqual(trap.attempts, [], 'requests that went to the recording https proxy');
});
