// The authorisation matrix of organisations (issue #18): org roles and team permissions as
// callers against the writes of an org's package, its team grants and a read of a restricted
// one (test/reliability/matrix.ts, orgExpected). Every refused cell must change nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Org } from '../../src/core/orgs/model.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { codeAt, enrol } from '../support/tfa.ts';
import { type OrgCaller, orgCallers, type OrgEndpoint, orgEndpoints, orgExpected, orgMatrixMarkdown } from './matrix.ts';

const clock = new TestClock();
let t: TestApp;
let org: Org;
let tfaOrg: Org;
let tfaSecret: string;
const tok: Record<string, string> = {};
const ids: Record<string, number> = {};
let otherOrgToken: string;
const json = { 'content-type': 'application/json' };

const enc = (name: string) => name.replace('/', '%2f');
function freshOtp(): string {
  clock.advanceSeconds(30);
  return codeAt(tfaSecret, clock);
}
async function call(method: string, url: string, token: string | undefined, payload?: unknown, otp?: string) {
  return t.request({ method: method as 'PUT', url, token, payload: payload as object, headers: { ...json, ...(otp ? { 'npm-otp': otp } : {}) } });
}
async function mustSucceed(res: Awaited<ReturnType<typeof call>>) {
  assert.ok(res.statusCode < 300, `setup failed: ${res.statusCode} ${res.body}`);
  return res;
}

/** Makes a user a member of an org with a role (the invitation and its acceptance). */
async function join(o: Org, name: string, role: 'owner' | 'admin' | 'developer' = 'developer') {
  await t.deps.store.orgs.invite(o.id, ids[name], role, null);
  await t.deps.store.orgs.acceptInvitation(o.id, ids[name]);
}

const is2fa = (caller: OrgCaller) => caller === 'member without 2FA, org requires 2FA';

let n = 0;
/** A fresh package of the caller's org (two versions), by its owner; readers get read-only on it. */
async function freshPackage(caller: OrgCaller, restricted: boolean): Promise<string> {
  const o = is2fa(caller) ? tfaOrg : org;
  const name = `@${o.name}/mx-${++n}`;
  for (const v of ['1.0.0', '1.1.0']) {
    const body = publishBody(name, v, { access: restricted ? 'restricted' : 'public' });
    if (is2fa(caller)) await mustSucceed(await call('PUT', `/${enc(name)}`, tok.mxtfaboss, body, freshOtp()));
    else await mustSucceed(await call('PUT', `/${enc(name)}`, tok.mxboss, body));
  }
  const readers = (await t.deps.store.orgs.team(o.id, 'readers'))!;
  await t.deps.store.orgs.grant(readers.id, name, 'read-only');
  return name;
}

function credential(caller: OrgCaller): string | undefined {
  switch (caller) {
    case 'anonymous':
      return undefined;
    case 'org owner':
      return tok.mxboss;
    case 'org admin':
      return tok.mxadmin;
    case 'developer, read-write team':
      return tok.mxdev;
    case 'developer without write access':
      return tok.mxnowrite;
    case 'read-only team member':
      return tok.mxreader;
    case 'removed member':
      return tok.mxgone;
    case 'outsider':
      return tok.mxoutsider;
    case 'member without 2FA, org requires 2FA':
      return tok.mxnotfa;
    case 'token limited to another org':
      return otherOrgToken;
  }
}

/** What a refusal must leave as it was: the package, its versions and tags, and its team grants. */
async function state(name: string): Promise<string> {
  const pkg = await t.deps.store.packages.get(name);
  return JSON.stringify({ pkg: pkg && { rev: pkg.rev, access: pkg.access, tags: pkg.distTags, versions: pkg.versions.map((v) => [v.version, v.deprecated]), org: pkg.org } });
}

async function run(endpoint: OrgEndpoint, caller: OrgCaller): Promise<{ res: Awaited<ReturnType<typeof call>>; before: string; after: () => Promise<string> }> {
  const token = credential(caller);
  const o = is2fa(caller) ? tfaOrg : org;
  if (endpoint === 'publish a new package in the scope') {
    const name = `@${o.name}/mx-new-${++n}`;
    const before = await state(name);
    return { res: await call('PUT', `/${enc(name)}`, token, publishBody(name, '1.0.0')), before, after: () => state(name) };
  }
  const p = await freshPackage(caller, endpoint === 'publish to a restricted package' || endpoint === 'read a restricted package');
  const before = await state(p);
  const owner = is2fa(caller) ? tok.mxtfaboss : tok.mxboss;
  const doc = async () => (await t.request({ url: `/${enc(p)}?write=true`, token: owner })).json();
  let res;
  switch (endpoint) {
    case 'publish a new version':
    case 'publish to a restricted package':
      res = await call('PUT', `/${enc(p)}`, token, publishBody(p, '2.0.0'));
      break;
    case 'dist-tag add':
      res = await call('PUT', `/-/package/${enc(p)}/dist-tags/beta`, token, '"1.0.0"');
      break;
    case 'deprecate': {
      const d = await doc();
      d.versions['1.0.0'].deprecated = 'old';
      res = await call('PUT', `/${enc(p)}`, token, d);
      break;
    }
    case 'unpublish a version': {
      const d = await doc();
      delete d.versions['1.1.0'];
      res = await call('PUT', `/${enc(p)}/-rev/${d._rev}`, token, d);
      break;
    }
    case 'access set status':
      res = await call('POST', `/-/package/${enc(p)}/access`, token, { access: 'restricted' });
      break;
    case 'access grant':
      res = await call('PUT', `/-/team/${o.name}/readers/package`, token, { package: p, permissions: 'read-write' });
      break;
    case 'access revoke':
      res = await call('DELETE', `/-/team/${o.name}/developers/package`, token, { package: p });
      break;
    case 'owner add': {
      const d = await doc();
      res = await call('PUT', `/${enc(p)}/-rev/${d._rev}`, token, { _id: p, _rev: d._rev, maintainers: [...d.maintainers, { name: 'mxoutsider' }] });
      break;
    }
    case 'read a restricted package':
      res = await call('GET', `/${enc(p)}`, token);
      break;
  }
  return { res: res!, before, after: () => state(p) };
}

function outcome(res: Awaited<ReturnType<typeof call>>): string {
  if (res.statusCode < 300) return '2xx';
  if (res.statusCode === 401 && res.headers['www-authenticate'] === 'otp') return '401*';
  return String(res.statusCode);
}

before(async () => {
  t = await startApp({ 'max-tokens': '1000' }, clock);
  for (const name of ['mxboss', 'mxadmin', 'mxdev', 'mxnowrite', 'mxreader', 'mxgone', 'mxoutsider', 'mxnotfa', 'mxtfaboss']) {
    tok[name] = await t.signUp(name);
    ids[name] = (await t.deps.store.users.findByName(name))!.id;
  }
  org = await t.deps.store.orgs.create('mxorg', ids.mxboss);
  await join(org, 'mxadmin', 'admin');
  await join(org, 'mxdev');
  await join(org, 'mxnowrite');
  await join(org, 'mxreader');
  await join(org, 'mxgone');
  const devs = (await t.deps.store.orgs.team(org.id, 'developers'))!;
  const readers = await t.deps.store.orgs.createTeam(org.id, 'readers', null);
  await t.deps.store.orgs.removeTeamMember(devs.id, ids.mxnowrite);
  await t.deps.store.orgs.removeTeamMember(devs.id, ids.mxreader);
  await t.deps.store.orgs.addTeamMember(readers.id, ids.mxreader);
  await t.deps.store.orgs.removeMember(org.id, ids.mxgone);
  // The 2FA column's org: its owner has 2FA, its developer mxnotfa has not.
  ({ secret: tfaSecret } = await enrol(t, tok.mxtfaboss, clock));
  tfaOrg = await t.deps.store.orgs.create('mxtfa', ids.mxtfaboss);
  await join(tfaOrg, 'mxnotfa');
  await t.deps.store.orgs.createTeam(tfaOrg.id, 'readers', null);
  await t.deps.store.orgs.updateSettings(tfaOrg.id, { requireTfa: true });
  // The owner's granular token for another org only (npm token create --orgs mxother).
  await t.deps.store.orgs.create('mxother', ids.mxboss);
  const made = await mustSucceed(await call('POST', '/-/npm/v1/tokens', tok.mxboss, { name: null, password: PASSWORD, orgs: ['mxother'], orgs_permission: 'read-write' }));
  otherOrgToken = made.json().token;
});
after(() => t.close());

for (const endpoint of orgEndpoints) {
  test(`authorisation matrix (orgs): ${endpoint}`, async () => {
    const seen: Record<string, string> = {};
    for (const caller of orgCallers) {
      const want = orgExpected[endpoint][caller];
      const { res, before, after } = await run(endpoint, caller);
      seen[caller] = outcome(res);
      // A refusal leaves the cell's package (or the absence of a new one) as it was.
      if (want !== '2xx') assert.equal(await after(), before, `${endpoint} / ${caller}: a refused call changed something`);
    }
    assert.deepEqual(seen, orgExpected[endpoint]);
  });
}

test('docs/security.md shows the same org authorisation matrix', () => {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(orgMatrixMarkdown()), 'the org matrix in docs/security.md differs from test/reliability/matrix.ts');
});
