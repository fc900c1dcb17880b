// Admin → Packages (docs/admin.md, "Packages"): every package page by page (or the orphaned
// ones), find a package, see its owners; unpublish a
// version or the package (with a reason) and add an owner, each behind the administrator's
// second factor and recorded in the instance log.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { disableUser, setAdmin } from '../../src/core/accounts/admin.ts';
import { createOrgAsAdmin } from '../../src/core/orgs/manage-org.ts';
import { listPackagesPage } from '../../src/core/packages/admin.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { codeAt, enrol, TestClock } from '../support/tfa.ts';
import { webBrowser, type WebBrowser } from '../support/web-browser.ts';

let t: TestApp;
let clock: TestClock;
let adminSecret: string;
let admin: WebBrowser;
const sessions = new Map<string, string>();

function nextCode(): string {
  clock.advanceSeconds(30);
  return codeAt(adminSecret, clock);
}

async function act(action: string, fields: Record<string, string>) {
  await admin.get(`/-/web/admin/packages?name=${encodeURIComponent(fields.name ?? '')}`);
  return admin.post(`/-/web/admin/packages/${action}`, fields);
}

before(async () => {
  clock = new TestClock();
  t = await startApp({}, clock);
  const token = await t.signUp('root');
  await setAdmin(t.deps, 'root', true);
  adminSecret = (await enrol(t, token, clock)).secret;
  admin = webBrowser(t);
  await admin.get('/-/web/login');
  let res = await admin.post('/-/web/login', { name: 'root', password: PASSWORD, next: '/-/web/' });
  if (res.headers.location === '/-/web/login/otp') {
    await admin.get('/-/web/login/otp');
    res = await admin.post('/-/web/login/otp', { otp: codeAt(adminSecret, clock) });
  }
  assert.equal(res.statusCode, 303, res.body);
  for (const u of ['owner1', 'helper']) sessions.set(u, await t.signUp(u));
  for (const v of ['1.0.0', '1.0.1']) {
    const r = await t.request({ method: 'PUT', url: '/orphan', token: sessions.get('owner1'), payload: publishBody('orphan', v) });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => t.close());

test('Admin → Packages finds a package and shows its owners with their status; others get 403', async () => {
  await disableUser(t.deps, 'owner1');
  const page = await admin.get('/-/web/admin/packages?name=orphan');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<dd id="owners"><a href="\/-\/web\/admin\/users\/owner1">owner1<\/a> \(disabled\)<\/dd>/);
  assert.match(page.body, /<dd id="versions">1\.0\.0, 1\.0\.1<\/dd>/);
  assert.match(page.body, /id="form-unpublish"/);
  const missing = await admin.get('/-/web/admin/packages?name=nothing-here');
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /There is no package named nothing-here\./);
  assert.match((await admin.get('/-/web/admin')).body, /href="\/-\/web\/admin\/packages">Packages<\/a>/);

  const b = webBrowser(t);
  await b.get('/-/web/login');
  await b.post('/-/web/login', { name: 'helper', password: PASSWORD, next: '/-/web/' });
  assert.equal((await b.get('/-/web/admin/packages?name=orphan')).statusCode, 403);
});

test('Admin → Packages without a name lists every package a page at a time, or only those without an active owner', async () => {
  const r = await t.request({ method: 'PUT', url: '/kept', token: sessions.get('helper'), payload: publishBody('kept', '2.0.0') });
  assert.equal(r.statusCode, 201, r.body);
  const all = await admin.get('/-/web/admin/packages');
  assert.equal(all.statusCode, 200);
  assert.match(all.body, /<h2 id="all-packages">Every package<\/h2>/);
  assert.match(all.body, /<tr><td data-label="Package"><a href="\/-\/web\/admin\/packages\?name=kept">kept<\/a><\/td><td data-label="Versions">1<\/td><td data-label="Status">public<\/td><td data-label="Last publish">[^<]+<\/td><td data-label="Owners"><a href="\/-\/web\/admin\/users\/helper">helper<\/a><\/td><\/tr>/);
  assert.match(all.body, /<a href="\/-\/web\/admin\/packages\?name=orphan">orphan<\/a><\/td><td data-label="Versions">2<\/td>.*<a href="\/-\/web\/admin\/users\/owner1">owner1<\/a> \(disabled\)<\/td>/);
  assert.ok(all.body.indexOf('>kept<') < all.body.indexOf('>orphan<'), 'sorted by name');
  assert.doesNotMatch(all.body, /id="packages-more"/, 'one page holds both');

  const orphaned = await admin.get('/-/web/admin/packages?orphaned=1');
  assert.match(orphaned.body, /<h2 id="all-packages">Packages without an active owner<\/h2>/);
  assert.match(orphaned.body, />orphan<\/a>/);
  assert.doesNotMatch(orphaned.body, />kept<\/a>/, 'kept has an active owner');

  const later = await admin.get('/-/web/admin/packages?after=kept');
  assert.match(later.body, />orphan<\/a>/);
  assert.doesNotMatch(later.body, />kept<\/a>/);
  assert.match(later.body, /<h2 id="all-packages">Every package, after kept<\/h2>/);
  assert.match(later.body, /<a href="\/-\/web\/admin\/packages" id="packages-first">First page<\/a>/);
  assert.doesNotMatch(all.body, /id="packages-first"/, 'the first page has no link to itself');
  assert.match((await admin.get('/-/web/admin/packages?after=orphan')).body, /<p id="packages-none">No packages after these\.<\/p>/);
  const tooLong = await admin.get(`/-/web/admin/packages?after=${'a'.repeat(215)}`);
  assert.equal(tooLong.statusCode, 400, 'a cursor that cannot be a package name is refused, not ignored');
  assert.match(tooLong.body, /after: a package name to list the packages after \(at most 214 characters\)\./);

  // Pages, as the web page asks for them (100 a page there): each ends with the name to go on after.
  assert.deepEqual(await pages({ limit: 1 }), [['kept'], ['orphan']]);
  assert.deepEqual(await pages({ limit: 1, orphaned: true }), [['orphan']]);
  assert.deepEqual(await pages({ limit: 5 }), [['kept', 'orphan']]);

  // An organization's package: its teams decide who writes it, so it is never "orphaned" (no
  // administrator can add an owner to it), even when its only writer is disabled.
  sessions.set('orgowner', await t.signUp('orgowner'));
  await createOrgAsAdmin(t.deps, 'acme', 'orgowner');
  const o = await t.request({ method: 'PUT', url: '/@acme%2flib', token: sessions.get('orgowner'), payload: publishBody('@acme/lib', '1.0.0') });
  assert.equal(o.statusCode, 201, o.body);
  await disableUser(t.deps, 'orgowner');
  assert.match((await admin.get('/-/web/admin/packages')).body, />@acme\/lib<\/a><\/td><td data-label="Versions">1<\/td><td data-label="Status">public<\/td><td data-label="Last publish">[^<]+<\/td><td data-label="Owners">the organization acme<\/td>/);
  assert.doesNotMatch((await admin.get('/-/web/admin/packages?orphaned=1')).body, />@acme\/lib<\/a>/);
  assert.deepEqual(await pages({ limit: 10, orphaned: true }), [['orphan']]);

  const b = webBrowser(t);
  await b.get('/-/web/login');
  await b.post('/-/web/login', { name: 'helper', password: PASSWORD, next: '/-/web/' });
  assert.equal((await b.get('/-/web/admin/packages')).statusCode, 403);
});

/** listPackagesPage followed page by page: the names of each page. */
async function pages(options: { limit: number; orphaned?: boolean }): Promise<string[][]> {
  const out: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await listPackagesPage(t.deps, { ...options, after });
    out.push(page.packages.map((p) => p.name));
    if (page.next === null) return out;
    after = page.next;
  }
}

test('Add owner: needs the code; refuses an unknown user; rescues the package', async () => {
  let res = await act('owner-add', { name: 'orphan', user: 'helper' });
  assert.equal(res.statusCode, 401, 'no code');
  assert.equal((await t.deps.store.packages.head('orphan'))!.owners.length, 1, 'nothing changed');
  res = await act('owner-add', { name: 'orphan', user: 'nobody', otp: nextCode() });
  assert.equal(res.statusCode, 404);
  assert.match(res.body, /There is no user named nobody\./);
  res = await act('owner-add', { name: 'orphan', user: 'owner1', otp: nextCode() });
  assert.equal(res.statusCode, 403);
  assert.match(res.body, /owner1 is disabled/);
  res = await act('owner-add', { name: 'orphan', user: 'helper', otp: nextCode() });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal(res.headers.location, '/-/web/admin/packages?name=orphan&done=owner-added');
  assert.deepEqual((await t.deps.store.packages.head('orphan'))!.owners.map((o) => o.name), ['owner1', 'helper']);
  res = await act('owner-add', { name: 'orphan', user: 'helper', otp: nextCode() });
  assert.equal(res.headers.location, '/-/web/admin/packages?name=orphan&done=owner-already', 'a repeated add says nothing changed');
  const r = await t.request({ method: 'PUT', url: '/orphan', token: sessions.get('helper'), payload: publishBody('orphan', '1.1.0') });
  assert.equal(r.statusCode, 201, r.body);
});

test('Unpublish: needs a reason and the code; takes one version down, then the package; the instance log shows it', async () => {
  let res = await act('unpublish', { name: 'orphan', version: '1.0.1', reason: '', otp: nextCode() });
  assert.equal(res.statusCode, 400);
  assert.match(res.body, /A reason is required/);
  res = await act('unpublish', { name: 'orphan', version: '1.0.1', reason: 'malware' });
  assert.equal(res.statusCode, 401, 'no code');
  assert.equal((await t.request({ url: '/orphan/1.0.1' })).statusCode, 200, 'nothing changed');
  res = await act('unpublish', { name: 'orphan', version: '1.0.1', reason: 'malware in postinstall', otp: nextCode() });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal((await t.request({ url: '/orphan/1.0.1' })).statusCode, 404);
  assert.equal((await t.request({ url: '/orphan/1.0.0' })).statusCode, 200);
  res = await act('unpublish', { name: 'orphan', version: '', reason: 'the whole thing', otp: nextCode() });
  assert.equal(res.statusCode, 303, res.body);
  assert.equal((await t.request({ url: '/orphan' })).statusCode, 404);
  assert.match((await admin.get('/-/web/admin/packages?name=orphan')).body, /<dt>Status<\/dt><dd>unpublished<\/dd>/);
  const log = (await admin.get('/-/web/admin/events')).body;
  assert.match(log, /<code>admin-unpublished<\/code><\/td><td data-label="Address">[^<]*<\/td><td data-label="Details">package: orphan; version: 1\.0\.1; reason: malware in postinstall; by: root/);
  assert.match(log, /<code>admin-owner-added<\/code>/);
});
