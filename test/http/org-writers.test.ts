// What lists say about the writers of an org package while the org requires 2FA (issue #18
// item 4): the packument's maintainers (npm owner ls), the web package page, npm access list
// collaborators / packages, and npm search hits agree with who may write (permissions.ts): a
// member the requirement locks out is left out of maintainers and search, and shown read-only
// by npm access. Each list changes at once when the member turns 2FA on or the org toggles its
// requirement (the packument cache is dropped).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Org } from '../../src/core/orgs/model.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let acme: Org;
const tok: Record<string, string> = {};
const ids: Record<string, number> = {};
const secrets: Record<string, string> = {};
const json = { 'content-type': 'application/json' };

/** alice's next OTP (each write consumes its step). */
function aliceOtp(): string {
  clock.advanceSeconds(30);
  return codeAt(secrets.alice, clock);
}

async function join(name: string, role: 'owner' | 'admin' | 'developer') {
  await t.deps.store.orgs.invite(acme.id, ids[name], role, ids.alice);
  await t.deps.store.orgs.acceptInvitation(acme.id, ids[name]);
}

async function setRequirement(on: boolean) {
  const res = await t.request({ method: 'POST', url: '/-/org/acme/settings', token: tok.alice, payload: { require_tfa: on, confirm: true }, headers: { ...json, 'npm-otp': aliceOtp() } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().applied, true);
}

/** What every list says about @acme/lib's writers, as npm reads each. */
async function lists() {
  const packument = await t.request({ url: '/@acme%2flib' });
  assert.equal(packument.statusCode, 200, packument.body);
  const doc = packument.json();
  const page = await t.request({ url: '/-/web/package/@acme/lib' });
  assert.equal(page.statusCode, 200);
  const owners = /<dt>Owners<\/dt><dd>([^<]*)<\/dd>/.exec(page.body)?.[1];
  const search = (await t.request({ url: '/-/v1/search?text=acme-writers-lib' })).json();
  const hit = search.objects.find((o: { package: { name: string } }) => o.package.name === '@acme/lib').package;
  return {
    maintainers: doc.maintainers.map((m: { name: string }) => m.name),
    versionMaintainers: doc.versions['1.0.0'].maintainers.map((m: { name: string }) => m.name),
    page: owners,
    collaborators: (await t.request({ url: '/-/package/@acme%2flib/collaborators', token: tok.carol })).json(),
    bobsOrgList: (await t.request({ url: '/-/org/acme/package', token: tok.bob })).json(),
    bobsUserList: (await t.request({ url: '/-/user/bob/package', token: tok.carol })).json(),
    daveUserList: (await t.request({ url: '/-/user/dave/package', token: tok.carol })).json(),
    search: hit.maintainers.map((m: { username: string }) => m.username),
    publisher: hit.publisher?.username,
  };
}

before(async () => {
  t = await startApp({ 'max-tokens': '1000' }, clock);
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    tok[name] = await t.signUp(name);
    ids[name] = (await t.deps.store.users.findByName(name))!.id;
  }
  acme = await t.deps.store.orgs.create('acme', ids.alice);
  await join('bob', 'developer');
  await join('carol', 'developer');
  await join('dave', 'developer');
  await join('erin', 'admin');
  // dave writes through another team's grant, not through developers.
  const devs = (await t.deps.store.orgs.team(acme.id, 'developers'))!;
  await t.deps.store.orgs.removeTeamMember(devs.id, ids.dave);
  const writers = await t.deps.store.orgs.createTeam(acme.id, 'writers', null);
  await t.deps.store.orgs.addTeamMember(writers.id, ids.dave);
  secrets.alice = (await enrol(t, tok.alice, clock, 'auth-only')).secret;
  secrets.carol = (await enrol(t, tok.carol, clock, 'auth-only')).secret;
  const pub = await t.request({ method: 'PUT', url: '/@acme%2flib', token: tok.alice, payload: publishBody('@acme/lib', '1.0.0', { manifest: { description: 'acme-writers-lib' } }), headers: json });
  assert.equal(pub.statusCode, 201, pub.body);
  const grant = await t.request({ method: 'PUT', url: '/-/team/acme/writers/package', token: tok.alice, payload: { package: '@acme/lib', permissions: 'read-write' }, headers: { ...json, 'npm-otp': aliceOtp() } });
  assert.equal(grant.statusCode, 201, grant.body);
});
after(() => t.close());

const everyone = ['alice', 'bob', 'carol', 'dave', 'erin'];

test('without the requirement every writer is listed as one', async () => {
  const l = await lists();
  assert.deepEqual(l.maintainers, everyone);
  assert.deepEqual(l.versionMaintainers, everyone);
  assert.equal(l.page, everyone.join(', '));
  assert.deepEqual(l.collaborators, { alice: 'write', bob: 'write', carol: 'write', dave: 'write', erin: 'write' });
  assert.deepEqual(l.bobsOrgList, { '@acme/lib': 'write' });
  assert.deepEqual(l.bobsUserList, { '@acme/lib': 'write' });
  assert.deepEqual(l.daveUserList, { '@acme/lib': 'write' });
  assert.deepEqual(l.search, everyone);
  assert.equal(l.publisher, 'alice');
});

test('the org requiring 2FA: members without it leave maintainers and search at once, and npm access shows them read-only', async () => {
  await lists(); // the packument is cached before the change
  await setRequirement(true);
  const l = await lists();
  assert.deepEqual(l.maintainers, ['alice', 'carol']);
  assert.deepEqual(l.versionMaintainers, ['alice', 'carol']);
  assert.equal(l.page, 'alice, carol');
  // bob (developers team), dave (writers team) and erin (admin) may still read: read-only.
  assert.deepEqual(l.collaborators, { alice: 'write', bob: 'read', carol: 'write', dave: 'read', erin: 'read' });
  assert.deepEqual(l.bobsOrgList, { '@acme/lib': 'read' });
  assert.deepEqual(l.bobsUserList, { '@acme/lib': 'read' });
  assert.deepEqual(l.daveUserList, { '@acme/lib': 'read' });
  assert.deepEqual(l.search, ['alice', 'carol']);
  // The lists agree with the refusal of a write.
  const res = await t.request({ method: 'PUT', url: '/@acme%2flib', token: tok.bob, payload: publishBody('@acme/lib', '1.1.0'), headers: json });
  assert.equal(res.statusCode, 403, res.body);
  assert.match(res.json().error, /requires its members to use two-factor authentication/);
});

test('a locked-out member turning 2FA on is a writer again in every list at once; turning it off locks them out again', async () => {
  await lists();
  const { secret } = await enrol(t, tok.bob, clock, 'auth-only');
  let l = await lists();
  assert.deepEqual(l.maintainers, ['alice', 'bob', 'carol']);
  assert.deepEqual(l.collaborators, { alice: 'write', bob: 'write', carol: 'write', dave: 'read', erin: 'read' });
  assert.deepEqual(l.bobsOrgList, { '@acme/lib': 'write' });
  assert.deepEqual(l.bobsUserList, { '@acme/lib': 'write' });
  assert.deepEqual(l.search, ['alice', 'bob', 'carol']);

  // npm profile disable-2fa (password and OTP).
  clock.advanceSeconds(30);
  const off = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: tok.bob, payload: { tfa: { mode: 'disable', password: 'violet kettle orbit 42' } }, headers: { 'npm-otp': codeAt(secret, clock) } });
  assert.equal(off.statusCode, 200, off.body);
  l = await lists();
  assert.deepEqual(l.maintainers, ['alice', 'carol']);
  assert.deepEqual(l.collaborators, { alice: 'write', bob: 'read', carol: 'write', dave: 'read', erin: 'read' });
  assert.deepEqual(l.search, ['alice', 'carol']);
});

test('the org dropping the requirement lists every writer again at once', async () => {
  await lists();
  await setRequirement(false);
  const l = await lists();
  assert.deepEqual(l.maintainers, everyone);
  assert.deepEqual(l.collaborators, { alice: 'write', bob: 'write', carol: 'write', dave: 'write', erin: 'write' });
  assert.deepEqual(l.bobsOrgList, { '@acme/lib': 'write' });
  assert.deepEqual(l.search, everyone);
});

test('a member leaving a team or the org leaves the cached maintainers at once; joining a team adds them', async () => {
  await lists();
  const otp = () => ({ ...json, 'npm-otp': aliceOtp() });
  let res = await t.request({ method: 'DELETE', url: '/-/team/acme/writers/user', token: tok.alice, payload: { user: 'dave' }, headers: otp() });
  assert.ok(res.statusCode < 300, res.body);
  let l = await lists();
  assert.deepEqual(l.maintainers, ['alice', 'bob', 'carol', 'erin']);
  assert.deepEqual(l.search, ['alice', 'bob', 'carol', 'erin']);
  res = await t.request({ method: 'PUT', url: '/-/team/acme/writers/user', token: tok.alice, payload: { user: 'dave' }, headers: otp() });
  assert.ok(res.statusCode < 300, res.body);
  assert.deepEqual((await lists()).maintainers, everyone);
  res = await t.request({ method: 'DELETE', url: '/-/org/acme/user', token: tok.alice, payload: { user: 'erin' }, headers: otp() });
  assert.ok(res.statusCode < 300, res.body);
  l = await lists();
  assert.deepEqual(l.maintainers, ['alice', 'bob', 'carol', 'dave']);
  assert.equal(l.collaborators.erin, undefined);
});

test('a writer of an org package who is no stored owner changing their e-mail shows in the cached packument at once', async () => {
  const before = (await t.request({ url: '/@acme%2flib' })).json();
  assert.equal(before.maintainers.find((m: { name: string }) => m.name === 'dave')?.email, 'dave@example.com', 'dave (a writer through a team) is listed');
  const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: tok.dave, payload: { email: 'dave@new.example' }, headers: json });
  assert.equal(res.statusCode, 200, res.body);
  const after = (await t.request({ url: '/@acme%2flib' })).json();
  assert.equal(after.maintainers.find((m: { name: string }) => m.name === 'dave')?.email, 'dave@new.example');
});
