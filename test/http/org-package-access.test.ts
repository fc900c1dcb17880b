// Organisation packages (issue #18 item 3): who reads and writes them (org roles and team
// grants), npm access grant / revoke / list in libnpmaccess's shapes, npm owner on them, the
// org's 2FA requirement on writes, and tokens limited with --orgs (item 5).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Org } from '../../src/core/orgs/model.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let acme: Org;
const tok: Record<string, string> = {};
const ids: Record<string, number> = {};
const json = { 'content-type': 'application/json' };

const enc = (name: string) => name.replace('/', '%2f');
function publish(token: string, name: string, version: string, access: 'public' | 'restricted' | null = null) {
  return t.request({ method: 'PUT', url: `/${enc(name)}`, token, payload: publishBody(name, version, { access }), headers: json });
}
function grant(token: string | undefined, team: string, pkg: unknown, permissions: unknown = 'read-write', otp?: string) {
  return t.request({ method: 'PUT', url: `/-/team/acme/${team}/package`, token, payload: { package: pkg, permissions }, headers: { ...json, ...(otp ? { 'npm-otp': otp } : {}) } });
}
function revoke(token: string | undefined, team: string, pkg: unknown) {
  return t.request({ method: 'DELETE', url: `/-/team/acme/${team}/package`, token, payload: { package: pkg }, headers: json });
}
const get = (url: string, token?: string) => t.request({ url, token });
function assertError(res: { statusCode: number; body: string }, status: number, pattern: RegExp) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(JSON.parse(res.body).error, pattern);
}

/** A member of acme through the invitation flow's store methods (what `npm org set` and acceptance do). */
async function join(name: string, role: 'owner' | 'admin' | 'developer') {
  await t.deps.store.orgs.invite(acme.id, ids[name], role, ids.alice);
  await t.deps.store.orgs.acceptInvitation(acme.id, ids[name]);
}

before(async () => {
  t = await startApp({ 'max-tokens': '1000' }, clock);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
    tok[name] = await t.signUp(name);
    ids[name] = (await t.deps.store.users.findByName(name))!.id;
  }
  acme = await t.deps.store.orgs.create('acme', ids.alice);
  await join('bob', 'developer');
  await join('carol', 'developer');
  await join('erin', 'admin');
  await join('frank', 'developer');
  const readers = await t.deps.store.orgs.createTeam(acme.id, 'readers', null);
  await t.deps.store.orgs.addTeamMember(readers.id, ids.carol);
  // carol is in readers only: out of developers.
  const devs = (await t.deps.store.orgs.team(acme.id, 'developers'))!;
  await t.deps.store.orgs.removeTeamMember(devs.id, ids.carol);
});
after(() => t.close());

test('a member publishes a new package in the org scope; the developers team gets read-write on it; outsiders may not', async () => {
  assert.equal((await publish(tok.bob, '@acme/lib', '1.0.0')).statusCode, 201);
  assert.deepEqual((await get('/-/team/acme/developers/package', tok.bob)).json(), { '@acme/lib': 'write' });
  assertError(await publish(tok.dave, '@acme/other', '1.0.0'), 403, /organization acme.*not a member/);
  // The scope is the org's, never claimed by its first publisher.
  assert.equal(await t.deps.store.packages.scopeOwner('acme'), null);
});

test('writes need read-write through a team or the owner/admin role; the maintainers are who may write', async () => {
  assert.equal((await publish(tok.alice, '@acme/tool', '1.0.0')).statusCode, 201);
  assert.equal((await publish(tok.erin, '@acme/tool', '1.1.0')).statusCode, 201, 'admin');
  assert.equal((await publish(tok.bob, '@acme/tool', '1.2.0')).statusCode, 201, 'developers team');
  // carol's team has no access: a public package answers 403, saying why.
  assertError(await publish(tok.carol, '@acme/tool', '1.3.0'), 403, /read-write access through one of its teams/);
  assertError(await publish(tok.dave, '@acme/tool', '1.3.0'), 403, /organization acme/);
  const doc = (await get('/@acme%2ftool')).json();
  assert.deepEqual(doc.maintainers.map((m: { name: string }) => m.name), ['alice', 'bob', 'erin', 'frank']);
  assert.deepEqual((await get('/-/package/@acme%2ftool/collaborators', tok.dave)).json(), { alice: 'write', bob: 'write', erin: 'write', frank: 'write' });
  // npm owner add/rm: refused, pointing at npm access and npm team.
  const add = await t.request({ method: 'PUT', url: `/@acme%2ftool/-rev/${doc._rev}`, token: tok.alice, headers: json, payload: { _id: '@acme/tool', _rev: doc._rev, maintainers: [...doc.maintainers, { name: 'dave' }] } });
  assertError(add, 403, /belongs to the organization acme.*npm access grant/);
  assert.equal((await get('/@acme%2ftool')).json()._rev, doc._rev);
});

test('grant and revoke: owners and admins only, npm’s body, every bad input a 4xx that changes nothing', async () => {
  assert.equal((await publish(tok.alice, '@acme/secret', '1.0.0', 'restricted')).statusCode, 201);
  // Everyone but carol and dave reads it (developers got read-write).
  assert.equal((await get('/@acme%2fsecret', tok.bob)).statusCode, 200);
  assert.equal((await get('/@acme%2fsecret', tok.carol)).statusCode, 404);
  assert.equal((await get('/@acme%2fsecret', tok.dave)).statusCode, 404);
  assert.equal((await get('/@acme%2fsecret')).statusCode, 404);

  // Refusals: nothing changes.
  assertError(await grant(tok.bob, 'readers', '@acme/secret', 'read-only'), 403, /owners and admins/);
  assertError(await grant(tok.dave, 'readers', '@acme/secret', 'read-only'), 403, /not a member/);
  assertError(await grant(undefined, 'readers', '@acme/secret', 'read-only'), 401, /logged in/);
  assertError(await grant(tok.alice, 'readers', '@acme/secret', 'admin'), 400, /permissions/);
  assertError(await grant(tok.alice, 'readers', 42, 'read-only'), 400, /"package"/);
  assertError(await grant(tok.alice, 'readers', '@other/x', 'read-only'), 400, /not a package of the organization acme/);
  assertError(await grant(tok.alice, 'readers', '@acme/missing', 'read-only'), 404, /not found/);
  assertError(await grant(tok.alice, 'nosuch', '@acme/secret', 'read-only'), 404, /no team/);
  assertError(await t.request({ method: 'PUT', url: '/-/team/nosuchorg/readers/package', token: tok.alice, payload: { package: '@acme/secret', permissions: 'read-only' }, headers: json }), 404, /no organization/);
  assertError(await revoke(tok.alice, 'readers', '@acme/secret'), 404, /has no access/);
  assert.deepEqual((await get('/-/team/acme/readers/package', tok.alice)).json(), {});

  // The grant: carol reads, cannot write.
  assert.equal((await grant(tok.erin, 'readers', '@acme/secret', 'read-only')).statusCode, 201);
  assert.deepEqual((await get('/-/team/acme/readers/package', tok.carol)).json(), { '@acme/secret': 'read' });
  assert.equal((await get('/@acme%2fsecret', tok.carol)).statusCode, 200);
  assertError(await publish(tok.carol, '@acme/secret', '1.1.0'), 403, /read-write access/);
  assert.deepEqual((await get('/-/package/@acme%2fsecret/collaborators', tok.carol)).json(), { alice: 'write', bob: 'write', carol: 'read', erin: 'write', frank: 'write' });
  // The developers lose it: bob no longer reads the restricted package (404, as if missing).
  assert.equal((await revoke(tok.alice, 'developers', '@acme/secret')).statusCode, 200);
  assert.equal((await get('/@acme%2fsecret', tok.bob)).statusCode, 404);
  assertError(await publish(tok.bob, '@acme/secret', '1.1.0'), 404, /not found/);
  // Read-write for readers: carol writes.
  assert.equal((await grant(tok.alice, 'readers', '@acme/secret', 'read-write')).statusCode, 201);
  assert.equal((await publish(tok.carol, '@acme/secret', '1.1.0')).statusCode, 201);
  const log = await t.deps.store.orgs.events(acme.id, { limit: 10 });
  assert.ok(log.some((e) => e.type === 'package-access-granted' && e.detail?.team === 'readers' && e.detail?.package === '@acme/secret'));
  assert.ok(log.some((e) => e.type === 'package-access-revoked' && e.detail?.team === 'developers'));
});

test('npm access list packages: for a team, an org (what the caller may do) and a user; restricted ones only for who may read them', async () => {
  const asAlice = (await get('/-/org/acme/package', tok.alice)).json();
  assert.equal(asAlice['@acme/secret'], 'write');
  assert.equal(asAlice['@acme/lib'], 'write');
  const asDave = (await get('/-/org/acme/package', tok.dave)).json();
  assert.equal(asDave['@acme/secret'], undefined);
  assert.equal(asDave['@acme/lib'], 'read');
  assertError(await get('/-/org/nosuchorg/package', tok.alice), 404, /no organization/);
  // npm falls back to /-/user/NAME/package: a user's own packages and the org packages their teams reach.
  assert.equal((await publish(tok.carol, 'carols-own', '1.0.0')).statusCode, 201);
  assert.deepEqual((await get('/-/user/carol/package', tok.carol)).json(), { '@acme/secret': 'write', 'carols-own': 'write' });
  assert.deepEqual((await get('/-/user/carol/package', tok.dave)).json(), { 'carols-own': 'write' });
  assertError(await get('/-/user/nobody-here/package', tok.dave), 404, /no user or organization/);
  assertError(await get('/-/team/acme/readers/package', tok.dave), 403, /not a member/);
});

test('a removed member loses write access to a package they published; the org 2FA requirement blocks writes of members without 2FA', async () => {
  assert.equal((await publish(tok.frank, '@acme/franks', '1.0.0')).statusCode, 201);
  await t.deps.store.orgs.removeMember(acme.id, ids.frank);
  assertError(await publish(tok.frank, '@acme/franks', '1.1.0'), 403, /organization acme/);
  assert.ok(!(await get('/@acme%2ffranks')).json().maintainers.some((m: { name: string }) => m.name === 'frank'));

  await t.deps.store.orgs.updateSettings(acme.id, { requireTfa: true });
  try {
    assertError(await publish(tok.bob, '@acme/lib', '1.1.0'), 403, /requires its members to use two-factor authentication/);
    assertError(await publish(tok.bob, '@acme/new-under-tfa', '1.0.0'), 403, /two-factor/);
    assertError(await grant(tok.erin, 'readers', '@acme/lib', 'read-only'), 403, /two-factor/);
    // With 2FA on, bob writes again (an OTP, as his own 2FA asks).
    const { secret } = await enrol(t, tok.bob, clock);
    clock.advanceSeconds(30);
    const res = await t.request({ method: 'PUT', url: '/@acme%2flib', token: tok.bob, payload: publishBody('@acme/lib', '1.1.0'), headers: { ...json, 'npm-otp': codeAt(secret, clock) } });
    assert.equal(res.statusCode, 201, res.body);
  } finally {
    await t.deps.store.orgs.updateSettings(acme.id, { requireTfa: false });
  }
});

test('tokens limited with --orgs: another org’s token has no access to acme’s teams, a read-only one only reads, packages limits still apply', async () => {
  const make = async (body: object) => {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: tok.alice, payload: { name: null, password: PASSWORD, ...body }, headers: json });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  await t.deps.store.orgs.create('globex', ids.alice);
  const other = await make({ orgs: ['globex'], orgs_permission: 'read-write' });
  assert.equal(other.packages_and_scopes_permission, 'no-access');
  assert.deepEqual(other.orgs, ['globex']);
  assertError(await get('/-/team/acme/readers/package', other.token), 403, /no access to the organization acme/);
  assertError(await grant(other.token, 'readers', '@acme/lib', 'read-only'), 403, /no access to the organization acme/);
  // Without orgs, a package token has no access to any org's teams.
  const pkgOnly = await make({ packages_all: true, packages_and_scopes_permission: 'read-write' });
  assertError(await get('/-/team/acme/readers/package', pkgOnly.token), 403, /no access to the organization acme/);
  const ro = await make({ orgs: ['acme'], orgs_permission: 'read-only' });
  assert.equal((await get('/-/team/acme/readers/package', ro.token)).statusCode, 200);
  assertError(await grant(ro.token, 'readers', '@acme/lib', 'read-only'), 403, /only read/);
  // An org-only token covers no package: no writes, no restricted reads.
  assertError(await publish(other.token, '@acme/lib', '9.0.0'), 403, /read-only/);
  assert.equal((await get('/@acme%2fsecret', ro.token)).statusCode, 404);
  assert.deepEqual((await get('/-/team/acme/readers/package', tok.alice)).json(), { '@acme/secret': 'write' });
});

test('the read fast path and the packument cache decide as the routes: a team member reads a restricted org package, others and a revoked team get 404', async () => {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const read = async (path: string, token?: string) => (await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
  assert.equal((await publish(tok.alice, '@acme/cached', '1.0.0', 'restricted')).statusCode, 201);
  const devs = (await t.deps.store.orgs.team(acme.id, 'developers'))!;
  const tarball = '/@acme/cached/-/cached-1.0.0.tgz';
  // Twice each: the second answer comes from the cache, through the fast path.
  for (let i = 0; i < 2; i++) {
    assert.equal(await read('/@acme%2fcached', tok.erin), 200, 'admin');
    assert.equal(await read(tarball, tok.erin), 200, 'admin, tarball');
    assert.equal(await read('/@acme%2fcached', tok.carol), 404, 'readers have no grant');
    assert.equal(await read(tarball, tok.dave), 404, 'outsider, tarball');
    assert.equal(await read('/@acme%2fcached'), 404, 'anonymous');
  }
  // A developer reads while the developers team has access, and not once it is revoked.
  const developer = await t.signUp('gina');
  ids.gina = (await t.deps.store.users.findByName('gina'))!.id;
  await join('gina', 'developer');
  assert.equal(await read('/@acme%2fcached', developer), 200);
  assert.equal(await read(tarball, developer), 200);
  assert.equal((await revoke(tok.alice, 'developers', '@acme/cached')).statusCode, 200);
  assert.equal(await read('/@acme%2fcached', developer), 404);
  assert.equal(await read(tarball, developer), 404);
  // A member removed from the team (no change to the package) loses access at once too.
  assert.equal((await grant(tok.alice, 'developers', '@acme/cached', 'read-only')).statusCode, 201);
  assert.equal(await read('/@acme%2fcached', developer), 200);
  await t.deps.store.orgs.removeTeamMember(devs.id, ids.gina);
  assert.equal(await read('/@acme%2fcached', developer), 404);
  assert.equal(await read(tarball, developer), 404);
});
