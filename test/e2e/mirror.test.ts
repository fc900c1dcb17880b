// `tessera mirror LOCKFILE` through the real bin against a real Tessera: a package-lock.json
// made by the real npm (`npm install` against that Tessera), then lockfiles of pnpm, yarn 1 and
// yarn 4 made by those clients. It reads the lockfile, GETs every packument and tarball
// through Tessera, checks the tarballs against the lockfile's integrity, prints a summary and
// exits 0 only when everything is there; a missing version, a package the registry does not
// have and a wrong integrity are failures named in the summary (exit 1); a refused token or a
// file that is no lockfile exit 2. After it, `npm ci` of the project succeeds. (The packages
// are local ones until the upstream proxy lands; the command is the same.)

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeRun, expectOk } from './harness/expect.ts';
import { adduser, makeNpm, runInPty, type Npm } from './harness/npm.ts';
import { binPath, cleanEnv, repoRoot, runTessera, startServer, type CliResult, type RunningServer } from './harness/server.ts';
import { makePnpm, makeYarn, makeYarnBerry, startTrapProxy, type Trap } from './harness/clients.ts';
import { tempDir } from './harness/tmp.ts';

const T = { timeout: 120_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;
let npm: Npm;
let token: string;
/** The project npm installed into, and its package-lock.json as npm wrote it. */
let project: string;
let lockText: string;

/** The public packages the project needs, as `tessera mirror` names them. */
const NEEDED = ['@mirrorer/beta@1.0.0', 'alpha@1.0.0', 'alpha@2.0.0'];

function mirror(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runTessera(['mirror', ...args], { env, timeoutMs: 60_000 });
}

/** A port nothing listens on (one the system just handed out and took back). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function expectExit(r: CliResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${code} expected; ${describeRun(r, server)}`);
}

/** A copy of the project's package-lock.json changed by `edit`, in a fresh folder; its path. */
function editedLock(edit: (lock: { packages: Record<string, Record<string, unknown>> }) => void): string {
  const lock = JSON.parse(lockText);
  edit(lock);
  const file = join(tempDir('lock'), 'package-lock.json');
  writeFileSync(file, JSON.stringify(lock, null, 2));
  return file;
}

before(async () => {
  server = await startServer();
  ({ npm } = await adduser(server.url, 'mirrorer', PASSWORD, server));
  token = npm.token()!;
  for (const [name, version, extra] of [
    ['alpha', '1.0.0', {}],
    ['alpha', '2.0.0', {}],
    ['@mirrorer/beta', '1.0.0', { dependencies: { alpha: '^1.0.0' } }],
  ] as const) {
    expectOk(await npm.run(['publish'], { cwd: npm.makePackage(name, version, extra) }), `npm publish ${name}@${version}`, server);
  }
  expectOk(await npm.run(['publish', '--access', 'restricted'], { cwd: npm.makePackage('@mirrorer/secret', '1.0.0') }), 'npm publish @mirrorer/secret', server);

  project = npm.makeProject();
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  manifest.dependencies = { alpha: '^2.0.0', '@mirrorer/beta': '^1.0.0', gamma: 'npm:alpha@1.0.0', local: 'file:./local' };
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  const local = join(project, 'local');
  mkdirSync(local);
  writeFileSync(join(local, 'package.json'), JSON.stringify({ name: 'local', version: '0.1.0' }));
  expectOk(await npm.run(['install'], { cwd: project }), 'npm install', server);
  lockText = readFileSync(join(project, 'package-lock.json'), 'utf8');
});

after(async () => {
  await server?.stop();
});

test('tessera mirror fetches every package of a package-lock.json v3, names what it skipped, and exits 0', T, async () => {
  const r = await mirror([join(project, 'package-lock.json'), '--registry', server.url]);
  expectExit(r, 0, 'tessera mirror');
  assert.match(r.stdout, new RegExp(`^package-lock\\.json v3: 3 packages from the registry, through ${server.url.replace(/[.]/g, '\\.')} \\(8 at a time\\)$`, 'm'));
  // no x-tessera-cache header on local packages: counted as fetched
  assert.match(r.stdout, /^fetched 3\nalready cached 0\nskipped 1 \(not from a registry\):\n {2}node_modules\/local: a link to the local folder local .*\nfailed 0\n$/m, r.stdout);
  // off a terminal: one plain line per package on stderr
  for (const id of NEEDED) assert.match(r.stderr, new RegExp(`^fetched [1-3]/3 ${id.replace(/[.]/g, '\\.')}$`, 'm'), r.stderr);
});

test('without --registry the configured public URL is used (--url, or the url key of --config); a URL without its last slash works', T, async () => {
  expectExit(await mirror([join(project, 'package-lock.json'), '--registry', server.url.replace(/\/$/, '')]), 0, 'tessera mirror --registry without the slash');
  const r = await mirror([join(project, 'package-lock.json'), '--url', server.url, '--concurrency', '1']);
  expectExit(r, 0, 'tessera mirror --url');
  assert.match(r.stdout, /\(1 at a time\)/);
  const config = join(tempDir('config'), 'tessera.yaml');
  writeFileSync(config, `url: ${server.url}\n`);
  expectExit(await mirror([join(project, 'package-lock.json'), '--config', config]), 0, 'tessera mirror --config');
});

test('after it, npm ci of the project succeeds from a fresh npm cache', T, async () => {
  const fresh = makeNpm(server.url);
  const r = await fresh.run(['ci'], { cwd: project });
  expectOk(r, 'npm ci', server);
});

test('a version the registry does not have and an unknown package are failures naming them; exit 1', T, async () => {
  const file = editedLock((lock) => {
    lock.packages['node_modules/ghost'] = { name: 'alpha', version: '9.9.9', resolved: `${server.url}alpha/-/alpha-9.9.9.tgz`, integrity: 'sha512-AAAA' };
    lock.packages['node_modules/nowhere'] = { version: '1.0.0', resolved: `${server.url}nowhere/-/nowhere-1.0.0.tgz` };
  });
  const r = await mirror([file, '--registry', server.url]);
  expectExit(r, 1, 'tessera mirror with missing packages');
  assert.match(r.stdout, /^fetched 3$/m);
  assert.match(r.stdout, /^failed 2:$/m);
  assert.match(r.stdout, /^ {2}alpha@9\.9\.9: version 9\.9\.9 is not in the packument Tessera serves \(2 versions, latest 2\.0\.0\)$/m, r.stdout);
  assert.match(r.stdout, /^ {2}nowhere@1\.0\.0: packument: HTTP 404 \(.+\)$/m, r.stdout);
  assert.match(r.stderr, /^failed \d\/5 alpha@9\.9\.9: /m);
});

test('a tarball that does not match the lockfile\'s integrity is a failure naming the integrity; exit 1', T, async () => {
  const file = editedLock((lock) => {
    // the integrity of alpha@1.0.0 given for alpha@2.0.0
    lock.packages['node_modules/alpha'].integrity = lock.packages['node_modules/gamma'].integrity;
  });
  const r = await mirror([file, '--registry', server.url]);
  expectExit(r, 1, 'tessera mirror with a wrong integrity');
  assert.match(r.stdout, /^failed 1:\n {2}alpha@2\.0\.0: integrity mismatch: the lockfile says sha512-\S+, the tarball Tessera served is sha512-\S+$/m, r.stdout);
});

test('a restricted package needs a token: refused without one, fetched with --token or TESSERA_TOKEN; a wrong token exits 2', T, async () => {
  const file = editedLock((lock) => {
    lock.packages['node_modules/@mirrorer/secret'] = { version: '1.0.0', resolved: `${server.url}@mirrorer/secret/-/secret-1.0.0.tgz` };
  });
  const anonymous = await mirror([file, '--registry', server.url]);
  expectExit(anonymous, 1, 'tessera mirror without a token');
  assert.match(anonymous.stdout, /^ {2}@mirrorer\/secret@1\.0\.0: packument: HTTP 404/m);

  const withFlag = await mirror([file, '--registry', server.url, '--token', token]);
  expectExit(withFlag, 0, 'tessera mirror --token');
  assert.match(withFlag.stdout, /^fetched 4$/m);
  expectExit(await mirror([file, '--registry', server.url], { TESSERA_TOKEN: token }), 0, 'tessera mirror with TESSERA_TOKEN');

  const wrong = await mirror([file, '--registry', server.url, '--token', 'npm_notARealTokenAtAll000000000000000000']);
  expectExit(wrong, 2, 'tessera mirror with a wrong token');
  assert.match(wrong.stderr, /^tessera mirror: http:\/\/127\.0\.0\.1:\d+\/ refused the token: HTTP 401/m);
  assert.doesNotMatch(wrong.stderr + wrong.stdout, /notARealToken/, 'the token is never printed');
});

test('wrong arguments, a file that is no lockfile, and an unreachable registry', T, async () => {
  expectExit(await mirror([]), 2, 'no lockfile');
  const bad = await mirror([join(project, 'package.json'), '--registry', server.url]);
  expectExit(bad, 2, 'package.json given');
  assert.match(bad.stderr, /package\.json: This is not a lockfile tessera mirror reads/);
  expectExit(await mirror([join(project, 'nothing.json'), '--registry', server.url]), 2, 'a missing file');
  expectExit(await mirror([join(project, 'package-lock.json'), '--registry', server.url, '--concurrency', '0']), 2, '--concurrency 0');
  expectExit(await mirror([join(project, 'package-lock.json'), '--registry', 'ftp://x/']), 2, 'an ftp registry');
  const withPassword = await mirror([join(project, 'package-lock.json'), '--registry', `http://me:hunter2@127.0.0.1:${server.port}/`]);
  expectExit(withPassword, 2, 'a registry URL with a password');
  assert.doesNotMatch(withPassword.stderr, /hunter2/);
  expectExit(await mirror([join(project, 'package-lock.json'), '--registry', server.url, '--bogus', 'x']), 2, 'an unknown flag');
  const port = await freePort();
  const down = await mirror([join(project, 'package-lock.json'), '--registry', `http://127.0.0.1:${port}/`]);
  expectExit(down, 1, 'an unreachable registry');
  assert.match(down.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/ \\(ECONNREFUSED\\)`));
});

test('on a terminal, a progress bar', T, async () => {
  const r = await runInPty([process.execPath, binPath, 'mirror', join(project, 'package-lock.json'), '--registry', server.url], [], {
    cwd: repoRoot,
    env: cleanEnv({ TERM: 'xterm' }),
  });
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /mirror \[-{30}\] 0\/3 .*mirror \[={30}\] 3\/3 fetched /);
  assert.doesNotMatch(r.output, /^fetched 1\/3/m, 'no plain lines on a terminal');
});

test('lockfiles written by pnpm 10, yarn 1 and yarn 4 for the same project are mirrored too', { timeout: 240_000 }, async () => {
  const trap: Trap = await startTrapProxy();
  try {
    const deps = { alpha: '^2.0.0', '@mirrorer/beta': '^1.0.0', gamma: 'npm:alpha@1.0.0' };
    const pnpm = makePnpm(server.url, trap);
    const yarn = makeYarn(server.url, trap);
    const berry = makeYarnBerry(server.url, trap);
    const made: Array<[string, string, string]> = [];
    for (const [label, client, file] of [
      ['pnpm', pnpm, 'pnpm-lock.yaml'],
      ['yarn 1', yarn, 'yarn.lock'],
      ['yarn 4', berry, 'yarn.lock'],
    ] as const) {
      const dir = client.makeProject(deps);
      // --no-immutable: under CI=true yarn 4 would otherwise refuse to write a lockfile.
      const r = await client.run(label === 'yarn 4' ? ['install', '--no-immutable'] : ['install'], { cwd: dir });
      assert.equal(r.code, 0, `${label} install: ${describeRun(r, server)}`);
      made.push([label, join(dir, file), label === 'pnpm' ? 'pnpm-lock.yaml v9' : label === 'yarn 1' ? 'yarn.lock v1' : 'yarn.lock v2+']);
    }
    for (const [label, file, format] of made) {
      const r = await mirror([file, '--registry', server.url]);
      expectExit(r, 0, `tessera mirror of ${label}'s lockfile`);
      assert.match(r.stdout, new RegExp(`^${format.replace(/[.+]/g, '\\$&')}: 3 packages from the registry`, 'm'), r.stdout);
      assert.match(r.stdout, /^fetched 3\nalready cached 0\nskipped 0\nfailed 0\n$/m, r.stdout);
    }
    assert.deepEqual(trap.attempts, [], 'no client reached for the public registry');
  } finally {
    await trap.close();
  }
});
