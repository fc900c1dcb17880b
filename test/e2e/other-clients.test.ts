// pnpm, yarn classic and yarn 4 against Tessera, with the real clients pinned in
// devDependencies: anonymous installs of public packages, installs of a restricted scoped
// package with a token (from an .npmrc, or a .yarnrc.yml for yarn 4) and the 404 without one,
// publishing with a token, and publishing under 2FA (refused without an OTP; accepted with
// --otp, a TOTP code for pnpm and recovery codes for the yarns, so that the file never waits
// for the next 30 s step). yarn 4 also logs in (`yarn npm login`, typed into a terminal) and
// asks who it is (`yarn npm whoami`).
//
// pnpm 10 packs the tarball itself and hands the upload to `npm publish <tgz>` (the npm on
// PATH, reading the same .npmrc); pnpm 11 publishes natively but needs Node 22. yarn 4 speaks
// to the registry itself and reads no .npmrc.
//
// One server for the file. The accounts and the packages installed are made with the npm
// CLI (that side is registry.test.ts's business); then each client runs in its own HOME,
// config, store and cache, behind an https proxy that only records, so a client that tried
// to reach the public registry would be caught (the last test checks that nothing did).
import { describe, test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from './harness/server.ts';
import { adduser, makeNpm, type Npm, type RunResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { describeRun, expectOk, nodeEval, re } from './harness/expect.ts';
import { codeSource, type CodeSource } from './harness/totp.ts';
import { registryVersions } from './harness/publishing.ts';
import { step } from './harness/step.ts';
import { makePnpm, makeYarn, makeYarnBerry, startTrapProxy, type Client, type Trap, type YarnBerry } from './harness/clients.ts';
import { compatRecorder, type CompatRecorder } from './harness/compat-record.ts';
import { repoRoot } from './harness/server.ts';

const T = { timeout: 120_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';
/** A pty run that may wait up to 30 s for a fresh TOTP step. */
const SLOW = { timeoutMs: 90_000 };
const EOTP = /This operation requires a one-time password/;

let server: RunningServer;
let trap: Trap;
const url = (): string => server.url;

// ---------------------------------------------------------------------------------------
// The client matrix's record (README compatibility table): which test is which step of whose.

const OTHER_STEPS = ['install', 'install restricted with a token', 'publish with a token', 'whoami', 'login at the prompts', 'publish --otp', 'login with OTP prompt'] as const;
const recorders = {
  pnpm: compatRecorder('pnpm', 10, ['install', 'install restricted with a token', 'publish with a token', 'login at the prompts', 'publish --otp']),
  yarn: compatRecorder('yarn', 1, ['install', 'install restricted with a token', 'publish with a token', 'publish --otp']),
  berry: compatRecorder('yarn', 4, OTHER_STEPS),
};
const STEP_OF: Array<[RegExp, CompatRecorder, (typeof OTHER_STEPS)[number]]> = [
  [/^pnpm install of a public/, recorders.pnpm, 'install'],
  [/^pnpm install of a restricted/, recorders.pnpm, 'install restricted with a token'],
  [/^pnpm publish of/, recorders.pnpm, 'publish with a token'],
  [/^pnpm publish without an OTP/, recorders.pnpm, 'publish --otp'],
  [/^pnpm login/, recorders.pnpm, 'login at the prompts'],
  [/^yarn install of a public/, recorders.yarn, 'install'],
  [/^yarn install of a restricted/, recorders.yarn, 'install restricted with a token'],
  [/^yarn publish (of|--new-version)/, recorders.yarn, 'publish with a token'],
  [/^yarn publish without an OTP/, recorders.yarn, 'publish --otp'],
  [/^yarn 4 install of a public/, recorders.berry, 'install'],
  [/^yarn 4 install of a restricted/, recorders.berry, 'install restricted with a token'],
  [/^yarn 4 npm whoami/, recorders.berry, 'whoami'],
  [/^yarn 4 npm publish of/, recorders.berry, 'publish with a token'],
  [/^yarn 4 npm publish without an OTP/, recorders.berry, 'publish --otp'],
  [/^yarn 4 npm login at its prompts/, recorders.berry, 'login at the prompts'],
  [/^yarn 4 npm login under 2FA/, recorders.berry, 'login with OTP prompt'],
];

/** node:test's test, recording the result of the tests that are a step of the matrix. */
function test(name: string, opts: { timeout?: number } | (() => Promise<void> | void), fn?: () => Promise<void> | void): void {
  if (typeof opts === 'function') return test(name, {}, opts);
  const body = fn!;
  const hit = STEP_OF.find(([re]) => re.test(name));
  nodeTest(name, opts, hit ? hit[1].wrap(hit[2], async () => body()) : body);
}

function packageVersion(path: string): string {
  return JSON.parse(readFileSync(join(repoRoot, 'node_modules', path, 'package.json'), 'utf8')).version;
}

// ---------------------------------------------------------------------------------------
// Helpers

interface Account {
  name: string;
  npm: Npm;
  token: string;
}

/** `npm adduser --auth-type=legacy` in a fresh npm config. */
async function signup(name: string): Promise<Account> {
  const { npm } = await adduser(url(), name, PASSWORD, server);
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

/** yarn 4 publishes a workspace of a project, so the package folder needs its yarn.lock first. */
async function berryPublish(yarn: YarnBerry, cwd: string, args: string[] = []): Promise<RunResult> {
  ok(await yarn.run(['install', '--no-immutable'], { cwd }), 'yarn 4 install in the package folder');
  return yarn.run(['npm', 'publish', ...args], { cwd });
}

/**
 * Turns a client's package folder into one that exercises manifest preparation: a bin as a
 * string, binding.gyp (an implicit install script), server.js (an implicit start script), a
 * git dependency, a README, exports, engines, os and cpu. Each client prepares the manifest
 * it sends its own way; the registry must accept each and serve the tarball's fields.
 */
function enrich(dir: string, name: string, version: string, gitDependency = true): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  Object.assign(pkg, {
    name,
    version,
    license: 'MIT',
    bin: './cli.js',
    exports: { '.': './index.js', './package.json': './package.json' },
    engines: { node: '>=18' },
    os: ['linux', 'darwin', 'win32'],
    cpu: ['x64', 'arm64'],
    ...(gitDependency ? { dependencies: { 'from-github': 'github:npm/cli#v11.0.0' } } : {}),
  });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(join(dir, 'cli.js'), '#!/usr/bin/env node\n');
  writeFileSync(join(dir, 'binding.gyp'), '{"targets": []}\n');
  writeFileSync(join(dir, 'server.js'), '');
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\nRich.\n`);
}

/** What the registry serves for an enriched package: the tarball's fields, prepared as npm prepares them. */
async function expectRich(name: string, version: string, token?: string, gitDependency = true): Promise<void> {
  const v = (await packument(name, token)).versions[version];
  assert.ok(v, `${name}@${version} is published`);
  const bare = name.replace(/^@[^/]+\//, '');
  assert.deepEqual(v.bin, { [bare]: 'cli.js' });
  assert.equal(v.scripts?.install, 'node-gyp rebuild');
  assert.equal(v.scripts?.start, 'node server.js');
  assert.equal(v.hasInstallScript, true);
  assert.deepEqual(v.engines, { node: '>=18' });
  assert.deepEqual(v.os, ['linux', 'darwin', 'win32']);
  if (gitDependency) assert.ok(v.dependencies?.['from-github'], 'the git dependency is kept');
  assert.ok(v.dist.fileCount >= 6);
  const abbreviated = await api(url(), `/${name.replace('/', '%2f')}`, { token, headers: { accept: 'application/vnd.npm.install-v1+json' } });
  assert.equal(abbreviated.json.versions[version].hasInstallScript, true);
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
//   @carol/secret@1.0.0 (restricted), tessera-yarn-made@1.0.0, @carol/berry-made@1.0.0.

let fixturesPromise: Promise<Account> | undefined;
const fixtures = (): Promise<Account> =>
  (fixturesPromise ??= (async () => {
    const carol = await signup('carol');
    await npmPublish(carol, 'tessera-greeting', '1.0.0');
    await npmPublish(carol, 'tessera-hello', '1.0.0', [], { dependencies: { 'tessera-greeting': '^1.0.0' } });
    await npmPublish(carol, '@carol/secret', '1.0.0', ['--access', 'restricted']);
    await npmPublish(carol, 'tessera-yarn-made', '1.0.0');
    await npmPublish(carol, '@carol/berry-made', '1.0.0');
    const anon = await api(url(), '/@carol%2fsecret');
    assert.equal(anon.status, 404, 'the restricted package is hidden from anonymous readers');
    return carol;
  })());

// ---------------------------------------------------------------------------------------

describe('pnpm, yarn classic and yarn 4 against Tessera', { concurrency: 4 }, () => {
  before(async () => {
    server = await startServer();
    trap = await startTrapProxy();
  });

  after(async () => {
    if (trap) await trap.close();
    if (server) await server.stop().catch(() => server.kill9());
    recorders.pnpm.write(packageVersion('pnpm'));
    recorders.yarn.write(packageVersion('yarn'));
    recorders.berry.write(packageVersion('@yarnpkg/cli-dist'));
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

    test('pnpm publish of a package with a bin string, binding.gyp, server.js, a git dependency and a README', T, async () => {
      const carol = await fixtures();
      const pnpm = client.get();
      pnpm.setToken(carol.token);
      const dir = pnpm.makePackage('tessera-pnpm-rich', '1.0.0');
      enrich(dir, 'tessera-pnpm-rich', '1.0.0');
      ok(await pnpm.run(['publish', '--no-git-checks', '--ignore-scripts'], { cwd: dir }), 'pnpm publish tessera-pnpm-rich');
      await expectRich('tessera-pnpm-rich', '1.0.0');
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

    test('pnpm login --auth-type=legacy is npm login (pnpm hands it to the npm on PATH): prompts, then a token Tessera accepts', T, async () => {
      await fixtures();
      const pnpm = makePnpm(url(), trap);
      const r = await pnpm.pty(
        ['login', '--auth-type=legacy'],
        [
          { prompt: /Username:/, answer: 'carol' },
          { prompt: /Password:/, answer: PASSWORD },
        ],
      );
      assert.equal(r.code, 0, `pnpm login\n${r.output}`);
      assert.match(r.output, /Logged in/);
      const token = new RegExp(`${re(':_authToken=')}(\\S+)`).exec(readFileSync(pnpm.npmrc, 'utf8'))?.[1];
      assert.ok(token, `the token is in ${pnpm.npmrc}`);
      assert.equal((await api(url(), '/-/whoami', { token })).json?.username, 'carol');
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

    test('yarn publish of a package with a bin string, binding.gyp, server.js, a git dependency and a README', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      yarn.setToken(carol.token);
      const dir = yarn.makePackage('tessera-yarn-rich', '1.0.0');
      enrich(dir, 'tessera-yarn-rich', '1.0.0');
      ok(await yarn.run(['publish', ...YARN, '--new-version', '1.0.1', '--ignore-scripts'], { cwd: dir }), 'yarn publish tessera-yarn-rich');
      await expectRich('tessera-yarn-rich', '1.0.1');
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
  describe('yarn 4', { concurrency: false }, () => {
    const client = step<YarnBerry>('the yarn 4 client');

    test('yarn 4 install of a public package (anonymous) writes yarn.lock and the package is requireable', T, async () => {
      await fixtures();
      const yarn = client.set(makeYarnBerry(url(), trap));
      const project = yarn.makeProject({ 'tessera-hello': '^1.0.0' });
      // --no-immutable: under CI=true yarn 4 would otherwise refuse to write a lockfile
      ok(await yarn.run(['install', '--no-immutable'], { cwd: project }), 'yarn 4 install tessera-hello');
      assert.equal(await required('tessera-hello', project), 'tessera-hello@1.0.0');
      assert.equal(await required('tessera-greeting', project), 'tessera-greeting@1.0.0', 'the dependency is installed');
      const lock = readFileSync(join(project, 'yarn.lock'), 'utf8');
      assert.match(lock, /^"tessera-hello@npm:\^1\.0\.0":\n {2}version: 1\.0\.0\n {2}resolution: "tessera-hello@npm:1\.0\.0"$/m);
      assert.match(lock, /^"tessera-greeting@npm:\^1\.0\.0":\n {2}version: 1\.0\.0\n {2}resolution: "tessera-greeting@npm:1\.0\.0"$/m);
      // Tessera's tarball URLs are the conventional /NAME/-/FILE.tgz, so yarn records none
      // (no __archiveUrl) and the lockfile is not tied to this host
      assert.doesNotMatch(lock, /__archiveUrl|127\.0\.0\.1/);

      // the lockfile alone installs again, with an empty cache and no node_modules: yarn
      // builds the tarball URLs itself and fetches them from Tessera
      rmSync(join(project, 'node_modules'), { recursive: true });
      const fresh = { YARN_CACHE_FOLDER: join(yarn.root, 'yarn4-cache-2') };
      ok(await yarn.run(['install', '--immutable'], { cwd: project, env: fresh }), 'yarn 4 install --immutable');
      assert.equal(await required('tessera-hello', project), 'tessera-hello@1.0.0');
      assert.equal(readdirSync(fresh.YARN_CACHE_FOLDER).filter((f) => f.endsWith('.zip')).length, 2, 'both tarballs were fetched again');
    });

    test('yarn 4 install of a restricted scoped package works with a token in .yarnrc.yml, and is a 404 without', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      const withToken = yarn.makeProject({ '@carol/secret': '1.0.0' }, { token: carol.token });
      ok(await yarn.run(['install', '--no-immutable'], { cwd: withToken }), 'yarn 4 install @carol/secret with a token');
      assert.equal(await required('@carol/secret', withToken), '@carol/secret@1.0.0');
      assert.match(readFileSync(join(withToken, 'yarn.lock'), 'utf8'), /^ {2}resolution: "@carol\/secret@npm:1\.0\.0"$/m);

      // a fresh client: nothing of the first install in its cache or packument store
      const anonymous = makeYarnBerry(url(), trap);
      const without = anonymous.makeProject({ '@carol/secret': '1.0.0' });
      const r = await anonymous.run(['install', '--no-immutable'], { cwd: without });
      failed(r, 'yarn 4 install @carol/secret without a token', [
        /@carol\/secret@npm:1\.0\.0: Package not found/,
        /Response Code: 404 \(Not Found\)/,
        new RegExp(`Request URL: ${re(yarn.registry)}/@carol%2fsecret$`, 'm'),
      ]);
      assert.ok(!existsSync(join(without, 'node_modules', '@carol', 'secret')), 'nothing was installed');
    });

    test("yarn 4 npm whoami names the token's owner, and needs a token", T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      const r = await yarn.run(['npm', 'whoami'], { cwd: yarn.makeProject({}, { token: carol.token }) });
      ok(r, 'yarn 4 npm whoami');
      assert.match(r.stdout, /^➤ YN0000: carol$/m);
      const bare = await yarn.run(['npm', 'whoami'], { cwd: yarn.makeProject({}) });
      failed(bare, 'yarn 4 npm whoami without a token', [/No authentication configured for request/]);
    });

    test('yarn 4 npm publish of a package with a bin string, binding.gyp, server.js and a README', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      const dir = yarn.makePackage('tessera-berry-rich', '1.0.0', { token: carol.token });
      // (yarn 4 installs before it publishes, and a git dependency cannot be fetched here)
      enrich(dir, 'tessera-berry-rich', '1.0.0', false);
      const r = await berryPublish(yarn, dir);
      ok(r, 'yarn 4 npm publish tessera-berry-rich');
      await expectRich('tessera-berry-rich', '1.0.0', undefined, false);
    });

    test('yarn 4 npm publish of new versions with a token; without --access, yarn makes a scoped package restricted', T, async () => {
      const carol = await fixtures();
      const yarn = client.get();
      const anonymousVersions = (): Promise<string[]> => registryVersions(url(), '@carol%2fberry-made');
      assert.deepEqual(await anonymousVersions(), ['1.0.0'], 'npm published it public');

      const r = await berryPublish(yarn, yarn.makePackage('@carol/berry-made', '1.1.0', { token: carol.token }), ['--access', 'public']);
      ok(r, 'yarn 4 npm publish @carol/berry-made@1.1.0 --access public');
      assert.match(r.stdout, /Package archive published/);
      assert.doesNotMatch(r.stdout, /\.yarnrc\.yml|yarn\.lock/, 'the file holding the token stays out of the tarball');
      const doc = await packument('@carol/berry-made');
      assert.deepEqual(Object.keys(doc.versions).sort(), ['1.0.0', '1.1.0'], 'anyone sees the new version');
      assert.equal(doc['dist-tags'].latest, '1.1.0');
      assert.equal(doc.versions['1.1.0']._npmUser?.name, 'carol');
      assert.equal(doc.versions['1.1.0'].dist.tarball, `${url()}@carol/berry-made/-/berry-made-1.1.0.tgz`);

      // yarn 4 sends access "restricted" for every scoped package unless told otherwise
      // (--access, npmPublishAccess or publishConfig.access), and Tessera applies an access
      // given with a publish as npm documents it: the package turns restricted
      ok(await berryPublish(yarn, yarn.makePackage('@carol/berry-made', '1.2.0', { token: carol.token })), 'yarn 4 npm publish 1.2.0');
      assert.deepEqual(await anonymousVersions(), [], 'restricted now: a 404 for anonymous readers');
      assert.deepEqual(Object.keys((await packument('@carol/berry-made', carol.token)).versions).sort(), ['1.0.0', '1.1.0', '1.2.0']);

      // and yarn 4 installs what it published (revalidating the packument it already holds)
      const project = yarn.makeProject({ '@carol/berry-made': '^1.2.0' }, { token: carol.token });
      ok(await yarn.run(['install', '--no-immutable'], { cwd: project }), 'yarn 4 install @carol/berry-made@^1.2.0');
      assert.equal(await required('@carol/berry-made', project), '@carol/berry-made@1.2.0');
    });

    test('yarn 4 npm login at its prompts stores a token in HOME/.yarnrc.yml that whoami and Tessera accept', T, async () => {
      await fixtures();
      const yarn = client.get();
      const project = yarn.makeProject({}); // no token of its own
      const r = await yarn.pty(
        ['npm', 'login'],
        [
          { prompt: /Username:/, answer: 'carol' },
          { prompt: /Password:/, answer: PASSWORD },
        ],
        { cwd: project },
      );
      assert.equal(r.code, 0, `yarn 4 npm login\n${r.output}`);
      assert.match(r.output, /Successfully logged in/);
      assert.ok(!r.output.includes(PASSWORD), 'the password is not echoed');
      const token = /npmAuthToken: (\S+)/.exec(readFileSync(yarn.homeRc, 'utf8'))?.[1];
      assert.ok(token, `yarn stores the token in ${yarn.homeRc}`);
      assert.notEqual(token, (await fixtures()).token, 'a new token');
      assert.equal((await api(url(), '/-/whoami', { token })).json?.username, 'carol');

      const who = await yarn.run(['npm', 'whoami'], { cwd: project });
      ok(who, 'yarn 4 npm whoami after login');
      assert.match(who.stdout, /^➤ YN0000: carol$/m);
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

    test('yarn 4 npm publish without an OTP is refused; with --otp (a recovery code) it succeeds', T, async () => {
      const a = dora.get();
      const { recovery } = tfa.get();
      const yarn = makeYarnBerry(url(), trap);
      const pkg = yarn.makePackage('@dora/two-step', '1.3.0', { token: a.token });

      // --access public: without it yarn 4 would ask for a restricted package (see above)
      const bare = await berryPublish(yarn, pkg, ['--access', 'public']);
      // yarn 4 shows Tessera's npm-notice, then, with no terminal to ask on, gives up
      failed(bare, 'yarn 4 npm publish without an OTP', [
        /YN0000: This operation requires a one-time password from your authenticator app/,
        /YN0033: The registry requires additional authentication, but Yarn is not running in an interactive terminal/,
      ]);
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0', '1.1.0', '1.2.0'], 'nothing was published');

      const r = await yarn.run(['npm', 'publish', '--access', 'public', '--otp', recovery[1]!], { cwd: pkg });
      ok(r, 'yarn 4 npm publish --otp');
      assert.deepEqual(await registryVersions(url(), '@dora%2ftwo-step'), ['1.0.0', '1.1.0', '1.2.0', '1.3.0']);
    });

    test('yarn 4 npm login under 2FA asks for a one-time password; a recovery code logs it in', T, async () => {
      const a = dora.get();
      const { recovery } = tfa.get();
      const yarn = makeYarnBerry(url(), trap);
      const project = yarn.makeProject({});
      const r = await yarn.pty(
        ['npm', 'login'],
        [
          { prompt: /Username:/, answer: a.name },
          { prompt: /Password:/, answer: PASSWORD },
          { prompt: /One-time password:/, answer: recovery[2]! },
        ],
        { cwd: project },
      );
      assert.equal(r.code, 0, `yarn 4 npm login\n${r.output}`);
      assert.equal(r.answered, 3, 'yarn asked for the one-time password');
      assert.match(r.output, /This operation requires a one-time password/, 'yarn shows the npm-notice first');
      assert.match(r.output, /Successfully logged in/);
      const who = await yarn.run(['npm', 'whoami'], { cwd: project });
      ok(who, 'yarn 4 npm whoami after login');
      assert.match(who.stdout, /^➤ YN0000: dora$/m);
    });
  });
});

// Last, once every client above has run: the proxy saw nothing. The test before it shows
// that the proxy does catch a client sent to the public registry, so the check means something.

test('the recording proxy catches pnpm, yarn and yarn 4 when they reach for the public registry', T, async () => {
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
    const berry = makeYarnBerry(url(), probe);
    const b = await berry.run(['install', '--no-immutable'], {
      cwd: berry.makeProject({ 'left-pad': '1.3.0' }, { registry: 'https://registry.npmjs.org' }),
    });
    failed(b, 'yarn 4 install from registry.npmjs.org through the proxy', [/YN0001: .*RequestError: .*wrong version number/]);
    assert.deepEqual(probe.attempts, ['CONNECT registry.npmjs.org:443', 'CONNECT registry.npmjs.org:443', 'CONNECT registry.npmjs.org:443']);
  } finally {
    await probe.close();
  }
});

test('no client contacted anything but Tessera', () => {
  assert.deepEqual(trap.attempts, [], 'requests that went to the recording https proxy');
});
