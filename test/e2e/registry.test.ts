// The registry core, driven end to end with the real npm CLI: accounts, publishing, installs,
// views, dist-tags, deprecation, owners, access, unpublish, search and logout.
// One server for the whole file; each test uses its own package names, and accounts are
// created once, lazily, by the first test that needs them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, runTessera, type RunningServer } from './harness/server.ts';
import { adduserAnswers, makeNpm, type Npm, type PtyResult } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectFail, expectOk, nodeEval, re } from './harness/expect.ts';

const T = { timeout: 180_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

let server: RunningServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

const url = (): string => server.url;
const email = (name: string): string => `${name}@example.com`;

/** Username:/Password:/Email: answers for a legacy adduser. */
function loginAnswers(name: string, password: string) {
  return [
    { prompt: /Username:/, answer: name },
    { prompt: /Password:/, answer: password },
  ];
}

interface Account {
  name: string;
  npm: Npm;
  signup: PtyResult;
}

function once<V>(fn: () => Promise<V>): () => Promise<V> {
  let p: Promise<V> | undefined;
  return () => (p ??= fn());
}

/** An account made with `npm adduser --auth-type=legacy`, in its own npm config. */
function account(name: string): () => Promise<Account> {
  return once(async () => {
    const npm = makeNpm(url());
    const signup = await npm.pty(['adduser', '--auth-type=legacy'], adduserAnswers(name, PASSWORD));
    expectOk(signup, `npm adduser ${name}`, server);
    return { name, npm, signup };
  });
}

const alice = account('alice');
const bob = account('bob');

async function publish(npm: Npm, name: string, version: string, extraArgs: string[] = []): Promise<void> {
  const r = await npm.run(['publish', ...extraArgs], { cwd: npm.makePackage(name, version) });
  expectOk(r, `npm publish ${name}@${version}`, server);
  assert.equal(r.stdout, `+ ${name}@${version}\n`);
}

/** The core packages: hello-tessera@1.0.0 and @alice/thing@1.0.0, published by alice. */
const corePackages = once(async () => {
  const a = await alice();
  await publish(a.npm, 'hello-tessera', '1.0.0');
  await publish(a.npm, '@alice/thing', '1.0.0');
  return a;
});

// ---------------------------------------------------------------------------------------
// Accounts

test('npm ping reaches the registry', T, async () => {
  const r = await makeNpm(url()).run(['ping']);
  expectOk(r, 'npm ping', server);
  assert.match(r.stderr, new RegExp(`npm notice PING ${re(url())}`));
  assert.match(r.stderr, /npm notice PONG \d+ms/);
});

test('npm adduser (legacy) creates an account and stores a token', T, async () => {
  const a = await alice();
  assert.match(a.signup.output, new RegExp(`Logged in on ${re(url())}\\.`));
  const token = a.npm.token();
  assert.ok(token, 'a token is stored in the userconfig');
  const who = await a.npm.run(['whoami']);
  expectOk(who, 'npm whoami', server);
  assert.equal(who.stdout, 'alice\n');
});

test('npm adduser with an existing name and another password is refused', T, async () => {
  await alice();
  const npm = makeNpm(url());
  const r = await npm.pty(['adduser', '--auth-type=legacy'], adduserAnswers('alice', 'not the password at all'));
  expectFail(r, 'adduser over an existing account', [/code E401/, /Incorrect or missing password\./], server);
  assert.equal(npm.token(), undefined, 'no token is stored');
});

test('npm login (legacy) in a second config gets a second, independent token', T, async () => {
  const a = await alice();
  const second = makeNpm(url());
  const r = await second.pty(['login', '--auth-type=legacy'], loginAnswers('alice', PASSWORD));
  expectOk(r, 'npm login alice', server);
  assert.match(r.output, new RegExp(`Logged in on ${re(url())}\\.`));
  const token = second.token();
  assert.ok(token, 'login stores a token');
  assert.notEqual(token, a.npm.token(), 'each login gets its own token');
  const who = await second.run(['whoami']);
  expectOk(who, 'npm whoami (second config)', server);
  assert.equal(who.stdout, 'alice\n');
});

test('npm login with a wrong password fails and stores nothing', T, async () => {
  await alice();
  const npm = makeNpm(url());
  const r = await npm.pty(['login', '--auth-type=legacy'], loginAnswers('alice', 'wrong password, sorry'));
  expectFail(r, 'login with a wrong password', [/code E401/, /Incorrect or missing password\./], server);
  assert.equal(npm.token(), undefined);
});

test('npm login for an unknown user fails like a wrong password', T, async () => {
  const npm = makeNpm(url());
  const r = await npm.pty(['login', '--auth-type=legacy'], loginAnswers('nobody-here', PASSWORD));
  expectFail(r, 'login of an unknown user', [/code E401/, /Incorrect or missing password\./], server);
  assert.equal(npm.token(), undefined);
});

test('GET /-/whoami answers 401 with a Bearer challenge without a token, and the name with one', T, async () => {
  const a = await alice();
  const anon = await api(url(), '/-/whoami');
  assert.equal(anon.status, 401, anon.text);
  assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer\b/);
  const authed = await api(url(), '/-/whoami', { token: a.npm.token()! });
  assert.equal(authed.status, 200, authed.text);
  assert.equal(authed.json?.username, 'alice');
});

// ---------------------------------------------------------------------------------------
// Publishing and installing

test('npm publish of an unscoped package makes it readable by anyone', T, async () => {
  await corePackages();
  const res = await api(url(), '/hello-tessera');
  assert.equal(res.status, 200, res.text);
  const doc = res.json;
  assert.equal(doc.name, 'hello-tessera');
  assert.deepEqual(doc['dist-tags'], { latest: '1.0.0' });
  assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
  const v = doc.versions['1.0.0'];
  assert.equal(v.name, 'hello-tessera');
  assert.equal(v.version, '1.0.0');
  assert.equal(v._npmUser?.name, 'alice');
  assert.deepEqual(
    doc.maintainers.map((m: { name: string }) => m.name),
    ['alice'],
  );
  assert.match(v.dist.integrity, /^sha512-/);
  assert.ok(v.dist.tarball.startsWith(url()), `tarball ${v.dist.tarball} is served by the registry`);
  const tgz = await fetch(v.dist.tarball);
  assert.equal(tgz.status, 200);
  const bytes = Buffer.from(await tgz.arrayBuffer());
  assert.equal(`sha512-${createHash('sha512').update(bytes).digest('base64')}`, v.dist.integrity, 'served bytes match dist.integrity');
  assert.equal(createHash('sha1').update(bytes).digest('hex'), v.dist.shasum, 'served bytes match dist.shasum');
});

test('npm publish of a package in the user\'s own scope succeeds', T, async () => {
  await corePackages();
  const res = await api(url(), '/@alice%2fthing');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.name, '@alice/thing');
  assert.deepEqual(res.json['dist-tags'], { latest: '1.0.0' });
});

test('a scoped package is served for every spelling of its name', T, async () => {
  await corePackages();
  for (const path of ['/@alice%2fthing', '/@alice%2Fthing', '/%40alice%2Fthing', '/@alice/thing']) {
    const res = await api(url(), path);
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    assert.equal(res.json.name, '@alice/thing', path);
  }
});

test('npm publish into another user\'s scope is refused with 403', T, async () => {
  await alice();
  const b = await bob();
  const r = await b.npm.run(['publish'], { cwd: b.npm.makePackage('@alice/intruder', '1.0.0') });
  expectFail(r, 'bob publishing @alice/intruder', [/code E403/, new RegExp(`403 Forbidden - PUT ${re(url())}@alice%2fintruder`)], server);
  const res = await api(url(), '/@alice%2fintruder');
  assert.equal(res.status, 404, 'nothing was created');
});

test('npm install fetches both packages and require() returns their exports', T, async () => {
  const a = await corePackages();
  const project = a.npm.makeProject();
  const r = await a.npm.run(['install', 'hello-tessera', '@alice/thing'], { cwd: project });
  expectOk(r, 'npm install', server);
  const out = await nodeEval(
    `console.log(JSON.stringify([require('hello-tessera'), require('@alice/thing')]))`,
    project,
  );
  assert.deepEqual(JSON.parse(out), ['hello-tessera@1.0.0', '@alice/thing@1.0.0']);
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  for (const dep of ['hello-tessera', '@alice/thing']) {
    const entry = lock.packages[`node_modules/${dep}`];
    assert.equal(entry?.version, '1.0.0', `${dep} in the lockfile`);
    assert.ok(String(entry.resolved).startsWith(url()), `${dep} resolved from the registry: ${entry.resolved}`);
    assert.match(entry.integrity, /^sha512-/);
  }
});

test('an anonymous npm install works for public packages', T, async () => {
  await corePackages();
  const anon = makeNpm(url());
  const project = anon.makeProject();
  const r = await anon.run(['install', 'hello-tessera@1.0.0'], { cwd: project });
  expectOk(r, 'anonymous npm install', server);
  assert.equal(await nodeEval(`process.stdout.write(require('hello-tessera'))`, project), 'hello-tessera@1.0.0');
});

test('npm view shows fields, versions and dist-tags', T, async () => {
  const a = await corePackages();
  await publish(a.npm, 'view-me', '1.0.0');
  await publish(a.npm, 'view-me', '1.1.0');
  const anon = makeNpm(url());

  const fields = await anon.run(['view', 'view-me', 'name', 'version', 'description', '--json']);
  expectOk(fields, 'npm view fields', server);
  assert.deepEqual(JSON.parse(fields.stdout), {
    name: 'view-me',
    version: '1.1.0',
    description: 'test package view-me',
  });

  const versions = await anon.run(['view', 'view-me', 'versions', '--json']);
  expectOk(versions, 'npm view versions', server);
  assert.deepEqual(JSON.parse(versions.stdout), ['1.0.0', '1.1.0']);

  const tags = await anon.run(['view', 'view-me', 'dist-tags', '--json']);
  expectOk(tags, 'npm view dist-tags', server);
  assert.deepEqual(JSON.parse(tags.stdout), { latest: '1.1.0' });

  const old = await anon.run(['view', 'view-me@1.0.0', 'version']);
  expectOk(old, 'npm view of an older version', server);
  assert.equal(old.stdout, '1.0.0\n');

  const human = await anon.run(['view', 'view-me']);
  expectOk(human, 'npm view (human)', server);
  assert.match(human.stdout, /view-me@1\.1\.0 \| MIT \| deps: none \| versions: 2/);
  assert.match(human.stdout, /maintainers:\n- alice <alice@example\.com>/);
  assert.match(human.stdout, /\npublished \S.* by alice <alice@example\.com>/);
});

test('npm view of a package that does not exist fails with E404', T, async () => {
  const anon = makeNpm(url());
  const r = await anon.run(['view', 'no-such-package-here']);
  expectFail(r, 'npm view of a missing package', [/code E404/, /404 Not Found - GET \S+\/no-such-package-here/], server);
});

// ---------------------------------------------------------------------------------------
// Dist-tags

test('npm dist-tag add, ls and rm manage tags', T, async () => {
  const a = await alice();
  await publish(a.npm, 'tagged', '1.0.0');
  await publish(a.npm, 'tagged', '2.0.0-rc.1', ['--tag', 'next']);

  const ls1 = await a.npm.run(['dist-tag', 'ls', 'tagged']);
  expectOk(ls1, 'dist-tag ls', server);
  assert.equal(ls1.stdout, 'latest: 1.0.0\nnext: 2.0.0-rc.1\n');

  const add = await a.npm.run(['dist-tag', 'add', 'tagged@1.0.0', 'stable']);
  expectOk(add, 'dist-tag add', server);
  assert.equal(add.stdout, '+stable: tagged@1.0.0\n');

  const ls2 = await a.npm.run(['dist-tag', 'ls', 'tagged']);
  assert.equal(ls2.stdout, 'latest: 1.0.0\nnext: 2.0.0-rc.1\nstable: 1.0.0\n');

  const rm = await a.npm.run(['dist-tag', 'rm', 'tagged', 'next']);
  expectOk(rm, 'dist-tag rm', server);
  assert.equal(rm.stdout, '-next: tagged@2.0.0-rc.1\n');

  const ls3 = await a.npm.run(['dist-tag', 'ls', 'tagged']);
  assert.equal(ls3.stdout, 'latest: 1.0.0\nstable: 1.0.0\n');

  const res = await api(url(), '/-/package/tagged/dist-tags');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { latest: '1.0.0', stable: '1.0.0' });
});

test('npm dist-tag add of a version that does not exist fails with E404', T, async () => {
  const a = await alice();
  await publish(a.npm, 'tagged-missing', '1.0.0');
  const r = await a.npm.run(['dist-tag', 'add', 'tagged-missing@9.9.9', 'beta']);
  expectFail(r, 'dist-tag add of a missing version', [/code E404/, /PUT \S+\/-\/package\/tagged-missing\/dist-tags\/beta/], server);
});

test('npm dist-tag rm of latest is refused', T, async () => {
  const a = await alice();
  await publish(a.npm, 'tagged-latest', '1.0.0');
  const r = await a.npm.run(['dist-tag', 'rm', 'tagged-latest', 'latest']);
  expectFail(r, 'dist-tag rm latest', [/code E400/, /DELETE \S+\/-\/package\/tagged-latest\/dist-tags\/latest/], server);
  const res = await api(url(), '/-/package/tagged-latest/dist-tags');
  assert.deepEqual(res.json, { latest: '1.0.0' });
});

// ---------------------------------------------------------------------------------------
// Deprecation

test('npm deprecate marks versions deprecated and an empty message clears it', T, async () => {
  const a = await alice();
  await publish(a.npm, 'old-thing', '1.0.0');
  await publish(a.npm, 'old-thing', '1.1.0');

  const dep = await a.npm.run(['deprecate', 'old-thing@1.0.0', 'use 1.1.0 instead']);
  expectOk(dep, 'npm deprecate', server);
  assert.match(dep.stderr, /deprecating old-thing@1\.0\.0 with message "use 1\.1\.0 instead"/);

  const anon = makeNpm(url());
  const v1 = await anon.run(['view', 'old-thing@1.0.0', 'deprecated']);
  expectOk(v1, 'npm view deprecated', server);
  assert.equal(v1.stdout, 'use 1.1.0 instead\n');
  const v2 = await anon.run(['view', 'old-thing@1.1.0', 'deprecated']);
  assert.equal(v2.stdout, '', '1.1.0 is not deprecated');

  const project = anon.makeProject();
  const inst = await anon.run(['install', 'old-thing@1.0.0'], { cwd: project });
  expectOk(inst, 'install of a deprecated version', server);
  assert.match(inst.stderr, /npm warn deprecated old-thing@1\.0\.0: use 1\.1\.0 instead/);

  const undep = await a.npm.run(['deprecate', 'old-thing@1.0.0', '']);
  expectOk(undep, 'npm deprecate with an empty message', server);
  const v3 = await anon.run(['view', 'old-thing@1.0.0', 'deprecated', '--prefer-online']);
  assert.equal(v3.stdout, '', 'deprecation cleared');
  const doc = await api(url(), '/old-thing');
  assert.deepEqual(Object.keys(doc.json.versions).sort(), ['1.0.0', '1.1.0'], 'deprecate keeps every version');
});

// ---------------------------------------------------------------------------------------
// Owners and refusals

test('npm owner add, ls and rm manage maintainers; an added owner can publish', T, async () => {
  const a = await alice();
  const b = await bob();
  await publish(a.npm, 'shared-pkg', '1.0.0');

  const ls1 = await b.npm.run(['owner', 'ls', 'shared-pkg']);
  expectOk(ls1, 'owner ls', server);
  assert.equal(ls1.stdout, 'alice <alice@example.com>\n');

  const add = await a.npm.run(['owner', 'add', 'bob', 'shared-pkg']);
  expectOk(add, 'owner add bob', server);
  assert.equal(add.stdout, '+ bob (shared-pkg)\n');

  const ls2 = await a.npm.run(['owner', 'ls', 'shared-pkg']);
  assert.equal(ls2.stdout, 'alice <alice@example.com>\nbob <bob@example.com>\n');

  await publish(b.npm, 'shared-pkg', '1.1.0');
  const doc = await api(url(), '/shared-pkg');
  assert.equal(doc.json.versions['1.1.0']._npmUser?.name, 'bob');

  const rm = await a.npm.run(['owner', 'rm', 'bob', 'shared-pkg']);
  expectOk(rm, 'owner rm bob', server);
  assert.equal(rm.stdout, '- bob (shared-pkg)\n');
  const ls3 = await a.npm.run(['owner', 'ls', 'shared-pkg']);
  assert.equal(ls3.stdout, 'alice <alice@example.com>\n');

  const again = await b.npm.run(['publish'], { cwd: b.npm.makePackage('shared-pkg', '1.2.0') });
  expectFail(again, 'publish by a removed owner', [/code E403/, new RegExp(`403 Forbidden - PUT ${re(url())}shared-pkg`)], server);
});

// The user document answers every name alike (names cannot be probed there), so npm goes on to
// the owner change, which names the missing user.
test('npm owner add of a user that does not exist fails at the owner change (404)', T, async () => {
  const a = await alice();
  await publish(a.npm, 'owner-missing', '1.0.0');
  const r = await a.npm.run(['owner', 'add', 'no-such-user', 'owner-missing']);
  expectFail(r, 'owner add of an unknown user', [/code EOWNERMUTATE/, /404 Not Found - PUT \S+owner-missing/, /no user named no-such-user/], server);
  const doc = await api(url(), '/owner-missing');
  assert.deepEqual(doc.json.maintainers.map((m: { name: string }) => m.name), ['alice']);
});

test('a non-owner cannot publish, dist-tag, deprecate, add owners or unpublish', T, async () => {
  const a = await alice();
  const b = await bob();
  await publish(a.npm, 'guarded', '1.0.0');
  await publish(a.npm, 'guarded', '1.1.0');
  const u = re(url());

  const pub = await b.npm.run(['publish'], { cwd: b.npm.makePackage('guarded', '2.0.0') });
  expectFail(pub, 'publish by a non-owner', [/code E403/, new RegExp(`403 Forbidden - PUT ${u}guarded`)], server);

  const tag = await b.npm.run(['dist-tag', 'add', 'guarded@1.0.0', 'evil']);
  expectFail(tag, 'dist-tag add by a non-owner', [/code E403/, new RegExp(`403 Forbidden - PUT ${u}-/package/guarded/dist-tags/evil`)], server);

  const untag = await b.npm.run(['dist-tag', 'rm', 'guarded', 'latest']);
  expectFail(untag, 'dist-tag rm by a non-owner', [/code E403/, new RegExp(`403 Forbidden - DELETE ${u}-/package/guarded/dist-tags/latest`)], server);

  const dep = await b.npm.run(['deprecate', 'guarded@1.0.0', 'hijacked']);
  expectFail(dep, 'deprecate by a non-owner', [/code E403/, new RegExp(`403 Forbidden - PUT ${u}guarded`)], server);

  const own = await b.npm.run(['owner', 'add', 'bob', 'guarded']);
  expectFail(own, 'owner add by a non-owner', [/code EOWNERMUTATE/, /Failed to update package: "403 Forbidden - PUT /], server);

  const unpub = await b.npm.run(['unpublish', 'guarded@1.0.0']);
  expectFail(unpub, 'unpublish by a non-owner', [/code E403/, /403 Forbidden - (PUT|DELETE) /], server);

  const doc = await api(url(), '/guarded');
  assert.deepEqual(doc.json['dist-tags'], { latest: '1.1.0' }, 'tags unchanged');
  assert.deepEqual(Object.keys(doc.json.versions).sort(), ['1.0.0', '1.1.0'], 'versions unchanged');
  assert.equal(doc.json.versions['1.0.0'].deprecated, undefined, 'not deprecated');
  assert.deepEqual(
    doc.json.maintainers.map((m: { name: string }) => m.name),
    ['alice'],
    'owners unchanged',
  );
});

// ---------------------------------------------------------------------------------------
// Access

test('npm access set status=private hides a scoped package from everyone but its owners', T, async () => {
  const a = await alice();
  const b = await bob();
  await publish(a.npm, '@alice/secret', '1.0.0');

  const get = await a.npm.run(['access', 'get', 'status', '@alice/secret']);
  expectOk(get, 'access get status', server);
  assert.equal(get.stdout, '@alice/secret: public\n');

  const tarball: string = (await api(url(), '/@alice%2fsecret')).json.versions['1.0.0'].dist.tarball;

  const set = await a.npm.run(['access', 'set', 'status=private', '@alice/secret']);
  expectOk(set, 'access set status=private', server);
  assert.equal(set.stdout, '@alice/secret: private\n');

  const bobView = await b.npm.run(['view', '@alice/secret']);
  expectFail(bobView, 'view of a private package by another user', [/code E404/], server);
  const anonDoc = await api(url(), '/@alice%2fsecret');
  assert.equal(anonDoc.status, 404, 'anonymous packument read is 404');
  const anonTgz = await fetch(tarball);
  assert.equal(anonTgz.status, 404, 'anonymous tarball read is 404');
  const bobTgz = await fetch(tarball, { headers: { authorization: `Bearer ${b.npm.token()}` } });
  assert.equal(bobTgz.status, 404, 'another user\'s tarball read is 404');

  const bobSearch = await b.npm.run(['search', '--json', 'secret']);
  expectOk(bobSearch, 'search by another user', server);
  assert.ok(
    !(JSON.parse(bobSearch.stdout) as Array<{ name: string }>).some((p) => p.name === '@alice/secret'),
    'search does not reveal a private package',
  );

  const ownerView = await a.npm.run(['view', '@alice/secret', 'version']);
  expectOk(ownerView, 'owner view of a private package', server);
  assert.equal(ownerView.stdout, '1.0.0\n');
  const project = a.npm.makeProject();
  expectOk(await a.npm.run(['install', '@alice/secret'], { cwd: project }), 'owner install of a private package', server);
  assert.equal(await nodeEval(`process.stdout.write(require('@alice/secret'))`, project), '@alice/secret@1.0.0');

  const bobSet = await b.npm.run(['access', 'set', 'status=public', '@alice/secret']);
  expectFail(bobSet, 'access set on a private package by another user', [/code E404/, /404 Not Found - POST \S+\/-\/package\/@alice%2fsecret\/access/], server);

  const pub = await a.npm.run(['access', 'set', 'status=public', '@alice/secret']);
  expectOk(pub, 'access set status=public', server);
  assert.equal(pub.stdout, '@alice/secret: public\n');
  const bobView2 = await b.npm.run(['view', '@alice/secret', 'version', '--prefer-online']);
  expectOk(bobView2, 'view after making it public again', server);
  assert.equal(bobView2.stdout, '1.0.0\n');

  const bobPrivate = await b.npm.run(['access', 'set', 'status=private', '@alice/secret']);
  expectFail(bobPrivate, 'access set by a non-owner', [/code E403/, /403 Forbidden - POST \S+\/-\/package\/@alice%2fsecret\/access/], server);
});

test('GET /-/package/PKG/visibility reports public packages to anyone', T, async () => {
  await corePackages();
  const res = await api(url(), '/-/package/@alice%2fthing/visibility');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.public, true);
});

// ---------------------------------------------------------------------------------------
// Unpublish

test('npm unpublish pkg@version removes one version and re-points latest', T, async () => {
  const a = await alice();
  await publish(a.npm, 'unpub-one', '1.0.0');
  await publish(a.npm, 'unpub-one', '1.1.0');
  const tarball: string = (await api(url(), '/unpub-one')).json.versions['1.1.0'].dist.tarball;

  const r = await a.npm.run(['unpublish', 'unpub-one@1.1.0']);
  expectOk(r, 'unpublish one version', server);
  assert.equal(r.stdout, '- unpub-one@1.1.0\n');

  const doc = await api(url(), '/unpub-one');
  assert.equal(doc.status, 200);
  assert.deepEqual(Object.keys(doc.json.versions), ['1.0.0']);
  assert.deepEqual(doc.json['dist-tags'], { latest: '1.0.0' });
  assert.equal((await fetch(tarball)).status, 404, 'the unpublished tarball is gone');

  const again = await a.npm.run(['publish'], { cwd: a.npm.makePackage('unpub-one', '1.1.0') });
  expectFail(
    again,
    'republishing an unpublished version',
    [/code E403/, /403 Forbidden - PUT \S+\/unpub-one - You cannot publish over the previously published versions: 1\.1\.0\./],
    server,
  );
});

test('npm unpublish --force removes a whole package; its versions and name stay reserved', T, async () => {
  const a = await alice();
  const b = await bob();
  await publish(a.npm, 'unpub-all', '1.0.0');

  const r = await a.npm.run(['unpublish', 'unpub-all', '--force']);
  expectOk(r, 'unpublish --force', server);
  assert.equal(r.stdout, '- unpub-all\n');

  const view = await b.npm.run(['view', 'unpub-all']);
  expectFail(view, 'view of an unpublished package', [/code E404/], server);

  const intruder = await b.npm.run(['publish'], { cwd: b.npm.makePackage('unpub-all', '3.0.0') });
  expectFail(intruder, 'another user publishing an unpublished name', [/code E403/, /403 Forbidden - PUT \S+\/unpub-all/], server);

  const same = await a.npm.run(['publish'], { cwd: a.npm.makePackage('unpub-all', '1.0.0') });
  expectFail(
    same,
    'republishing the same version',
    [/code E403/, /403 Forbidden - PUT \S+\/unpub-all - You cannot publish over the previously published versions: 1\.0\.0\./],
    server,
  );

  await publish(a.npm, 'unpub-all', '2.0.0');
  const doc = await api(url(), '/unpub-all');
  assert.deepEqual(Object.keys(doc.json.versions), ['2.0.0']);
});

// ---------------------------------------------------------------------------------------
// Search

test('npm search finds published packages', T, async () => {
  await corePackages();
  const anon = makeNpm(url());
  const r = await anon.run(['search', '--json', 'hello-tessera']);
  expectOk(r, 'npm search --json', server);
  const results = JSON.parse(r.stdout) as Array<{
    name: string;
    version: string;
    description?: string;
    maintainers: Array<{ username: string }>;
  }>;
  const hit = results.find((p) => p.name === 'hello-tessera');
  assert.ok(hit, `hello-tessera is found: ${r.stdout}`);
  assert.equal(hit.version, '1.0.0');
  assert.equal(hit.description, 'test package hello-tessera');
  assert.deepEqual(hit.maintainers.map((m) => m.username), ['alice']);

  const text = await anon.run(['search', 'hello-tessera']);
  expectOk(text, 'npm search', server);
  assert.match(text.stdout, /^hello-tessera$/m);
  assert.match(text.stdout, /Version 1\.0\.0 published \d{4}-\d\d-\d\d by alice/);

  const none = await anon.run(['search', 'zzz-nothing-matches-this']);
  expectOk(none, 'npm search without hits', server);
  assert.equal(none.stdout, 'No matches found for "zzz-nothing-matches-this"\n');
});

// ---------------------------------------------------------------------------------------
// Logout

test('npm logout revokes the token on the server and removes it locally', T, async () => {
  const a = await alice();
  const session = makeNpm(url());
  expectOk(await session.pty(['login', '--auth-type=legacy'], loginAnswers('alice', PASSWORD)), 'login', server);
  const token = session.token();
  assert.ok(token);
  assert.equal((await api(url(), '/-/whoami', { token })).status, 200);

  const r = await session.run(['logout']);
  expectOk(r, 'npm logout', server);
  assert.equal(session.token(), undefined, 'token removed from the userconfig');

  const revoked = await api(url(), '/-/whoami', { token });
  assert.equal(revoked.status, 401, `the revoked token is refused: ${revoked.text}`);
  // revoking again is harmless (npm aborts a logout on any error status)
  const again = await api(url(), `/-/user/token/${encodeURIComponent(token)}`, { method: 'DELETE', token });
  assert.ok(again.status === 200 || again.status === 204, `a second logout answers 2xx: ${again.status} ${again.text}`);

  // npm itself, handed the revoked token, is told to log in again
  session.setToken(token);
  const stale = await session.run(['whoami']);
  expectFail(stale, 'npm whoami with a revoked token', [/code E401/, /your authentication token seems to be invalid/], server);

  const stillIn = await a.npm.run(['whoami']);
  expectOk(stillIn, 'other sessions stay logged in', server);
  assert.equal(stillIn.stdout, 'alice\n');
});

// ---------------------------------------------------------------------------------------
// Administration

async function expectSignupClosed(closed: RunningServer): Promise<void> {
  const npm = makeNpm(closed.url);
  const r = await npm.pty(['adduser', '--auth-type=legacy'], adduserAnswers('dave', PASSWORD));
  expectFail(
    r,
    'adduser with sign-up closed',
    [
      /code E403/,
      new RegExp(`403 Forbidden - PUT ${re(closed.url)}-/user/org\\.couchdb\\.user:dave - Registration is disabled`),
    ],
    closed,
  );
  assert.equal(npm.token(), undefined);
}

test('npm adduser is refused when sign-up is closed (--signup closed)', T, async () => {
  const closed = await startServer({ args: ['--signup', 'closed'] });
  try {
    await expectSignupClosed(closed);

    // an account made by the administrator can still log in
    const add = await runTessera(['user', 'add', 'erin', '--email', 'erin@example.com', '--data', closed.dataDir], {
      input: `${PASSWORD}\n`,
    });
    assert.equal(add.code, 0, `tessera user add failed\n${add.stdout}\n${add.stderr}`);
    const npm = makeNpm(closed.url);
    expectOk(await npm.pty(['login', '--auth-type=legacy'], loginAnswers('erin', PASSWORD)), 'login with sign-up closed', closed);
    const who = await npm.run(['whoami']);
    assert.equal(who.stdout, 'erin\n');
  } finally {
    assert.equal(await closed.stop(), 0);
  }
});

test('npm adduser is refused when sign-up is closed (TESSERA_SIGNUP=closed)', T, async () => {
  const closed = await startServer({ env: { TESSERA_SIGNUP: 'closed' } });
  try {
    await expectSignupClosed(closed);
  } finally {
    assert.equal(await closed.stop(), 0);
  }
});

test('tessera user add creates an account that can npm login on the running server', T, async () => {
  const add = await runTessera(['user', 'add', 'carol', '--email', 'carol@example.com', '--data', server.dataDir], {
    input: `${PASSWORD}\n`,
  });
  assert.equal(add.code, 0, `tessera user add failed\n${add.stdout}\n${add.stderr}`);

  const npm = makeNpm(url());
  const r = await npm.pty(['login', '--auth-type=legacy'], loginAnswers('carol', PASSWORD));
  expectOk(r, 'npm login carol', server);
  const who = await npm.run(['whoami']);
  expectOk(who, 'npm whoami carol', server);
  assert.equal(who.stdout, 'carol\n');
});

test('the server exits 0 on SIGTERM', T, async () => {
  assert.equal(await server.stop(), 0, server.output());
});

test('packages and sessions survive a restart on another port, and a SIGKILL', T, async () => {
  const a = await corePackages();
  await server.stop();
  server = await startServer({ dataDir: server.dataDir });

  // the stored token still works, and tarball URLs follow the new address
  const who = await api(url(), '/-/whoami', { token: a.npm.token()! });
  assert.equal(who.status, 200, who.text);
  assert.equal(who.json?.username, 'alice');
  const restarted = makeNpm(url());
  restarted.setToken(a.npm.token());
  const doc = await api(url(), '/hello-tessera');
  assert.ok(
    String(doc.json?.versions?.['1.0.0']?.dist?.tarball).startsWith(url()),
    `tarball URL follows the server's current address: ${doc.json?.versions?.['1.0.0']?.dist?.tarball}`,
  );
  const project = restarted.makeProject();
  expectOk(await restarted.run(['install', 'hello-tessera'], { cwd: project }), 'install after a restart', server);
  assert.equal(await nodeEval(`process.stdout.write(require('hello-tessera'))`, project), 'hello-tessera@1.0.0');

  // a publish that was answered survives an immediate SIGKILL
  await publish(restarted, 'hello-tessera', '1.0.1');
  await server.kill9();
  server = await startServer({ dataDir: server.dataDir });
  const afterKill = await api(url(), '/hello-tessera');
  assert.equal(afterKill.status, 200, afterKill.text);
  assert.deepEqual(afterKill.json['dist-tags'], { latest: '1.0.1' });
  const tgz = await fetch(afterKill.json.versions['1.0.1'].dist.tarball);
  assert.equal(tgz.status, 200, 'the tarball of the last publish is there');
});
