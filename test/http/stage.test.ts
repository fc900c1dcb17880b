// npm stage, in process: staging with a token and no OTP, invisibility, the shared version
// index, list/view/download, approval and rejection behind 2FA and an OTP, expiry.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { attachProvenance, provenanceBundle, SLSA_V1 } from '../support/provenance.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol } from '../support/tfa.ts';

const clock = new TestClock();
let t: TestApp;
let owner: string; // the owner's login session (2FA auth-and-writes)
let secret: string;
let ci: string; // a classic read-write token of the owner, as a CI job holds
let plain: string; // an account without 2FA
let other: string;

function otp(): string {
  clock.advanceSeconds(30);
  return codeAt(secret, clock);
}
const path = (name: string) => name.replace('/', '%2f');
const stage = (token: string | undefined, name: string, version: string, opts: Parameters<typeof publishBody>[2] = {}) =>
  t.request({ method: 'POST', url: `/-/stage/package/${path(name)}`, token, payload: publishBody(name, version, opts) });
const publish = (token: string, name: string, version: string, code?: string, opts: Parameters<typeof publishBody>[2] = {}) =>
  t.request({ method: 'PUT', url: `/${path(name)}`, token, payload: publishBody(name, version, opts), headers: code ? { 'npm-otp': code } : {} });
const approve = (token: string, id: string, code?: string) => t.request({ method: 'POST', url: `/-/stage/${id}/approve`, token, headers: code ? { 'npm-otp': code } : {} });
const reject = (token: string, id: string, code?: string) => t.request({ method: 'DELETE', url: `/-/stage/${id}`, token, headers: code ? { 'npm-otp': code } : {} });

async function tokenOf(session: string, body: object, code?: string): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: session, payload: { name: null, password: PASSWORD, ...body }, headers: code ? { 'npm-otp': code } : {} });
  assert.ok(res.statusCode < 300, res.body);
  return res.json().token;
}

async function staged(token: string, name: string, version: string, opts: Parameters<typeof publishBody>[2] = {}): Promise<string> {
  const res = await stage(token, name, version, opts);
  assert.equal(res.statusCode, 201, res.body);
  const id = res.json().stageId as string;
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return id;
}

before(async () => {
  t = await startApp({ 'staged-version-days': '14', 'session-hours': '2000', 'token-write-days': '100' }, clock);
  owner = await t.signUp('stowner');
  ({ secret } = await enrol(t, owner, clock));
  ci = await tokenOf(owner, { packages_all: true, packages_and_scopes_permission: 'read-write' }, otp());
  plain = await t.signUp('stplain');
  other = await t.signUp('stother');
  assert.equal((await publish(owner, 'st-pkg', '1.0.0', otp())).statusCode, 201);
});
after(() => t.close());

test('a CI token stages without an OTP; the staged version is in no packument, version document, tarball URL or search', async () => {
  const id = await staged(ci, 'st-pkg', '1.1.0', { manifest: { description: 'staged one' } });
  for (const token of [undefined, owner]) {
    const doc = (await t.request({ url: '/st-pkg', token })).json();
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0']);
    assert.equal(doc['dist-tags'].latest, '1.0.0');
    assert.equal((await t.request({ url: '/st-pkg', token, headers: { accept: 'application/vnd.npm.install-v1+json' } })).json().versions['1.1.0'], undefined);
    assert.equal((await t.request({ url: '/st-pkg/1.1.0', token })).statusCode, 404);
    assert.equal((await t.request({ url: '/st-pkg/-/st-pkg-1.1.0.tgz', token })).statusCode, 404);
  }
  const hits = (await t.request({ url: '/-/v1/search?text=st-pkg' })).json().objects;
  assert.equal(hits[0].package.version, '1.0.0');
  // the staging account's security log
  const log = await t.deps.store.events.list((await t.deps.store.users.findByName('stowner'))!.id, { limit: 5 });
  assert.ok(log.some((e) => e.type === 'stage-publish' && e.detail?.version === '1.1.0'));
  assert.equal((await reject(owner, id, otp())).statusCode, 200);
});

test('a staged version blocks publishing and staging that version, and a published one blocks staging it', async () => {
  const id = await staged(ci, 'st-pkg', '1.2.0');
  const pub = await publish(owner, 'st-pkg', '1.2.0', otp());
  assert.equal(pub.statusCode, 403);
  assert.match(pub.json().error, /st-pkg@1\.2\.0 is staged/);
  const again = await stage(ci, 'st-pkg', '1.2.0');
  assert.equal(again.statusCode, 403);
  assert.match(again.json().error, /is staged/);
  const old = await stage(ci, 'st-pkg', '1.0.0');
  assert.equal(old.statusCode, 403);
  assert.match(old.json().error, /previously published versions: 1\.0\.0/);
  assert.equal((await reject(owner, id, otp())).statusCode, 200);
});

test('list, view and download show a staged version to its writers only', async () => {
  const id = await staged(ci, 'st-pkg', '1.3.0', { tag: 'next' });
  const list = await t.request({ url: '/-/stage?page=0&perPage=100&package=st-pkg', token: ci });
  assert.equal(list.statusCode, 200, list.body);
  const body = list.json();
  assert.equal(body.total, 1);
  assert.equal(body.page, 0);
  assert.equal(body.perPage, 100);
  const item = body.items[0];
  assert.equal(item.id, id);
  assert.equal(item.packageName, 'st-pkg');
  assert.equal(item.version, '1.3.0');
  assert.equal(item.tag, 'next');
  assert.equal(item.actor, 'stowner');
  assert.equal(item.actorType, 'token');
  assert.match(item.shasum, /^[0-9a-f]{40}$/);
  assert.equal(item.createdAt, clock.iso());
  assert.equal(item.expiresAt, new Date(clock.ms + 14 * 86_400_000).toISOString());
  assert.deepEqual((await t.request({ url: `/-/stage/${id}`, token: owner })).json(), item);
  const tgz = await t.request({ url: `/-/stage/${id}/tarball`, token: owner });
  assert.equal(tgz.statusCode, 200);
  assert.equal(tgz.headers['content-type'], 'application/octet-stream');
  assert.equal(tgz.rawPayload[0], 0x1f);
  // others: nothing listed, and the same 404 as a missing stage
  assert.equal((await t.request({ url: '/-/stage', token: other })).json().total, 0);
  for (const url of [`/-/stage/${id}`, `/-/stage/${id}/tarball`]) {
    const res = await t.request({ url, token: other });
    assert.equal(res.statusCode, 404);
    assert.match(res.json().error, /No staged version/);
  }
  assert.equal((await t.request({ url: `/-/stage/${id}` })).statusCode, 401);
  // pages, oldest first
  clock.advanceSeconds(1);
  const id2 = await staged(ci, 'st-pkg', '1.3.1', { tag: 'next' });
  const p0 = (await t.request({ url: '/-/stage?page=0&perPage=1', token: owner })).json();
  const p1 = (await t.request({ url: '/-/stage?page=1&perPage=1', token: owner })).json();
  assert.equal(p0.total, 2);
  assert.deepEqual([p0.items[0].id, p1.items[0].id], [id, id2]);
  for (const s of [id, id2]) assert.equal((await reject(owner, s, otp())).statusCode, 200);
});

test('approve needs 2FA and an OTP, then publishes with the staged tag', async () => {
  const id = await staged(ci, 'st-pkg', '2.0.0-beta.1', { tag: 'beta' });
  const noOtp = await approve(owner, id);
  assert.equal(noOtp.statusCode, 401);
  assert.equal(noOtp.headers['www-authenticate'], 'otp');
  // the bypass-2FA waiver is for publishes, not for this proof of presence
  const bypass = await tokenOf(owner, { packages_all: true, packages_and_scopes_permission: 'read-write', bypass_2fa: true }, otp());
  assert.equal((await approve(bypass, id)).statusCode, 401);
  const res = await approve(owner, id, otp());
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { ok: true, id: 'st-pkg', version: '2.0.0-beta.1', tag: 'beta' });
  const doc = (await t.request({ url: '/st-pkg' })).json();
  assert.equal(doc['dist-tags'].beta, '2.0.0-beta.1');
  assert.equal(doc['dist-tags'].latest, '1.0.0');
  assert.equal(doc.versions['2.0.0-beta.1']._npmUser.name, 'stowner');
  assert.ok(doc.versions['2.0.0-beta.1'].dist.signatures?.length, 'signed by the registry at approval');
  assert.equal((await t.request({ url: '/st-pkg/-/st-pkg-2.0.0-beta.1.tgz' })).statusCode, 200);
  // gone from the stage, and its number is taken for good
  assert.equal((await approve(owner, id, otp())).statusCode, 404);
  assert.equal((await stage(ci, 'st-pkg', '2.0.0-beta.1')).statusCode, 403);
  const log = await t.deps.store.events.list((await t.deps.store.users.findByName('stowner'))!.id, { limit: 5 });
  assert.ok(log.some((e) => e.type === 'stage-approve' && e.detail?.version === '2.0.0-beta.1' && e.detail?.tag === 'beta'));
});

test('approve and reject are refused without 2FA on the account (403 saying so)', async () => {
  assert.equal((await publish(plain, 'st-plain', '1.0.0')).statusCode, 201);
  const id = await staged(plain, 'st-plain', '1.1.0');
  for (const res of [await approve(plain, id), await reject(plain, id)]) {
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'TFA_REQUIRED');
    assert.match(res.json().error, /two-factor authentication/);
  }
  assert.equal((await t.request({ url: `/-/stage/${id}`, token: plain })).statusCode, 200);
});

test('reject frees the version number; a non-writer cannot approve or reject', async () => {
  const id = await staged(ci, 'st-pkg', '3.0.0');
  assert.equal((await approve(other, id)).statusCode, 404);
  assert.equal((await reject(other, id)).statusCode, 404);
  assert.equal((await reject(owner, id)).statusCode, 401);
  assert.equal((await reject(owner, id, otp())).statusCode, 200);
  assert.equal((await t.request({ url: `/-/stage/${id}`, token: owner })).statusCode, 404);
  const log = await t.deps.store.events.list((await t.deps.store.users.findByName('stowner'))!.id, { limit: 5 });
  assert.ok(log.some((e) => e.type === 'stage-reject' && e.detail?.version === '3.0.0'));
  // the number is free: staged again, then published directly after a second rejection
  const again = await staged(ci, 'st-pkg', '3.0.0');
  assert.equal((await reject(owner, again, otp())).statusCode, 200);
  assert.equal((await publish(owner, 'st-pkg', '3.0.0', otp())).statusCode, 201);
});

test('a staged version expires after stagedVersionDays: invisible, its number free, logged', async () => {
  const id = await staged(ci, 'st-pkg', '4.0.0');
  clock.advanceMs(14 * 86_400_000 - 60_000);
  assert.equal((await t.request({ url: `/-/stage/${id}`, token: owner })).statusCode, 200);
  clock.advanceMs(60_000);
  assert.equal((await t.request({ url: `/-/stage/${id}`, token: owner })).statusCode, 404);
  assert.equal((await approve(owner, id, otp())).statusCode, 404);
  assert.equal((await t.request({ url: '/-/stage?package=st-pkg', token: owner })).json().total, 0);
  const log = await t.deps.store.events.list((await t.deps.store.users.findByName('stowner'))!.id, { limit: 5 });
  assert.ok(log.some((e) => e.type === 'stage-expire' && e.detail?.version === '4.0.0'));
  assert.equal((await publish(owner, 'st-pkg', '4.0.0', otp())).statusCode, 201);
});

test('the first stage of a new name follows the creation rules; only its stager sees and approves it', async () => {
  const bad = await stage(ci, 'St-Bad', '1.0.0');
  assert.equal(bad.statusCode, 400);
  const foreign = await stage(ci, '@stplain/thing', '1.0.0');
  assert.equal(foreign.statusCode, 403);
  const id = await staged(ci, 'st-brand-new', '1.0.0');
  assert.equal((await t.request({ url: '/st-brand-new' })).statusCode, 404);
  assert.equal((await t.request({ url: `/-/stage/${id}`, token: other })).statusCode, 404);
  assert.equal((await approve(owner, id, otp())).statusCode, 200);
  const doc = (await t.request({ url: '/st-brand-new' })).json();
  assert.deepEqual(doc.maintainers.map((m: { name: string }) => m.name), ['stowner']);
  assert.equal(doc['dist-tags'].latest, '1.0.0');
  // in search once approved, as after a publish
  const hits = (await t.request({ url: '/-/v1/search?text=st-brand-new' })).json().objects;
  assert.deepEqual(hits.map((h: { package: { name: string; version: string } }) => [h.package.name, h.package.version]), [['st-brand-new', '1.0.0']]);
});

test('a stage of a new name by one account does not keep anyone else from publishing that name', async () => {
  const squat = await staged(other, 'st-squat', '1.0.0');
  assert.equal((await publish(owner, 'st-squat', '1.0.0', otp())).statusCode, 201);
  assert.equal((await t.request({ url: `/-/stage/${squat}`, token: other })).statusCode, 404);
});

test('a provenance bundle staged with the version is kept and served once approved', async () => {
  const body = publishBody('st-pkg', '5.0.0');
  const bundle = provenanceBundle('st-pkg', '5.0.0', Buffer.from(body._attachments['st-pkg-5.0.0.tgz'].data, 'base64'));
  attachProvenance(body, 'st-pkg', '5.0.0', bundle);
  const res = await t.request({ method: 'POST', url: '/-/stage/package/st-pkg', token: ci, payload: body });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal((await t.request({ url: '/-/npm/v1/attestations/st-pkg@5.0.0' })).statusCode, 404);
  assert.equal((await approve(owner, res.json().stageId, otp())).statusCode, 200);
  const v = (await t.request({ url: '/st-pkg' })).json().versions['5.0.0'];
  assert.deepEqual(v.dist.attestations.provenance, { predicateType: SLSA_V1 });
  const att = await t.request({ url: '/-/npm/v1/attestations/st-pkg@5.0.0' });
  assert.equal(att.statusCode, 200);
  assert.deepEqual(att.json(), { attestations: [{ predicateType: SLSA_V1, bundle }] });
});

test('under mfa=publish tokens cannot publish but may still stage; approval needs the OTP', async () => {
  assert.equal((await publish(owner, 'st-strict', '1.0.0', otp())).statusCode, 201);
  const set = await t.request({ method: 'POST', url: '/-/package/st-strict/access', token: owner, payload: { publish_requires_tfa: true }, headers: { 'npm-otp': otp() } });
  assert.equal(set.statusCode, 200, set.body);
  const bypass = await tokenOf(owner, { packages: ['st-strict'], packages_and_scopes_permission: 'read-write', bypass_2fa: true }, otp());
  assert.equal((await publish(bypass, 'st-strict', '1.1.0')).statusCode, 401);
  const id = await staged(bypass, 'st-strict', '1.1.0');
  assert.equal((await approve(owner, id, otp())).statusCode, 200);
  // a granular read-write token covering the package (no bypass) stages too
  const granular = await tokenOf(owner, { packages: ['st-strict'], packages_and_scopes_permission: 'read-write' }, otp());
  assert.equal((await publish(granular, 'st-strict', '1.1.1')).statusCode, 401);
  const g = await staged(granular, 'st-strict', '1.1.1');
  assert.equal((await reject(owner, g, otp())).statusCode, 200);
  // a granular token limited to another package may not stage here
  const elsewhere = await tokenOf(owner, { packages: ['st-pkg'], packages_and_scopes_permission: 'read-write' }, otp());
  assert.equal((await stage(elsewhere, 'st-strict', '1.2.0')).statusCode, 403);
  const readOnly = await tokenOf(owner, { packages_all: true, packages_and_scopes_permission: 'read-only' }, otp());
  assert.equal((await stage(readOnly, 'st-strict', '1.2.0')).statusCode, 403);
});
