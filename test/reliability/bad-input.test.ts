// A corpus of malformed requests against a real listening server: each gets a 4xx with a
// JSON error, the server stays up, and nothing changes.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { createHash } from 'node:crypto';
import { makeTarball, publishBody, tarArchive } from '../support/tarball.ts';
import { TestClock } from '../support/clock.ts';
import { enrol } from '../support/tfa.ts';
import { attachProvenance, provenanceBundle, purl } from '../support/provenance.ts';

let t: TestApp;
let base: string;
let alice: string;
let tfaUser: string;
const clock = new TestClock(Date.now());
before(async () => {
  t = await startApp({ 'max-body-mb': '2' }, clock);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  alice = await t.signUp('alice');
  await t.request({ method: 'PUT', url: '/good-pkg', token: alice, payload: publishBody('good-pkg', '1.0.0') });
  await t.request({ method: 'PUT', url: '/@alice%2fscoped', token: alice, payload: publishBody('@alice/scoped', '1.0.0') });
  tfaUser = await t.signUp('carol');
  // an org of alice's (docs/orgs.md) for the org and team cases
  assert.equal((await t.request({ method: 'POST', url: '/-/org', token: alice, payload: { name: 'acme' } })).statusCode, 201);
  await enrol(t, tfaUser, clock);
});
after(() => t.close());

function snapshot(): string {
  const db = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
  try {
    const parts = ['users', 'tokens', 'packages', 'versions', 'dist_tags', 'owners', 'burned_versions', 'recovery_codes', 'scopes', 'stars', 'orgs', 'org_members', 'org_invitations', 'teams', 'team_members', 'team_packages', 'org_events', 'trust_configs', 'oidc_exchanges', 'staged_versions'].map(
      (table) => `${table}:${JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all())}`,
    );
    return parts.join('\n').replace(/"last_used_at":"[^"]*"/g, '');
  } finally {
    db.close();
  }
}

interface Case {
  what: string;
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  auth?: boolean;
  /** Sent with the token of an account that has 2FA on. */
  tfa?: boolean;
}

const J = { 'content-type': 'application/json' };
const CONTROLS: Array<[string, string]> = [['ESC', '\u001b'], ['BEL', '\u0007'], ['C1 CSI', '\u009b'], ['C1 OSC', '\u009d'], ['NUL', '\u0000'], ['DEL', '\u007f']];
const valid = () => publishBody('new-pkg', '1.0.0');
const pj = JSON.stringify({ name: 'new-pkg', version: '1.0.0', main: 'index.js' });
/** Replaces the body's tarball (and its checksums) with these bytes. */
const withTarball = (tgz: Buffer) => (b: any) => {
  b._attachments['new-pkg-1.0.0.tgz'] = { data: tgz.toString('base64'), length: tgz.length };
  b.versions['1.0.0'].dist.integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  b.versions['1.0.0'].dist.shasum = createHash('sha1').update(tgz).digest('hex');
};
const str = (x: unknown) => JSON.stringify(x);
/** package/package.json, then an entry "package.json" with GNU magic and the ustar prefix "package" (yarn 1 reads package/package.json). */
const gnuPrefixed = () => {
  const tar = tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package.json', content: pj }]);
  const h = tar.subarray(1024, 1536);
  h.write('ustar  \0', 257, 'latin1');
  h.write('package', 345);
  h.write('        ', 148);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return gzipSync(tar);
};
const tamper = (f: (b: any) => void) => {
  const b = valid();
  f(b);
  return str(b);
};

function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (c: Case) => cases.push(c);
  // Broken JSON on every body-taking endpoint.
  const bodies = ['{', '{"a":', '[1,2', '{"name": "x",}', 'nul', '"unterminated', '{"a":1}}', '\u0000', '{\'single\': 1}', 'NaN'];
  const targets: Array<[string, string]> = [
    ['PUT', '/new-pkg'],
    ['PUT', '/-/user/org.couchdb.user:bob'],
    ['POST', '/-/npm/v1/user'],
    ['POST', '/-/npm/v1/tokens'],
    ['PUT', '/-/package/good-pkg/dist-tags/beta'],
    ['POST', '/-/package/good-pkg/access'],
  ];
  targets.forEach(([method, path], i) => {
    for (const body of bodies.slice(0, 4 + (i % 3) * 2)) add({ what: `broken JSON ${JSON.stringify(body)} to ${method} ${path}`, method, path, body, headers: J, auth: true });
  });
  // Wrong types.
  const wrong: Array<[string, string, unknown]> = [
    ['PUT', '/new-pkg', []],
    ['PUT', '/new-pkg', 'a string'],
    ['PUT', '/new-pkg', 42],
    ['PUT', '/new-pkg', null],
    ['PUT', '/-/user/org.couchdb.user:bob', { name: 'bob', password: 12345678901234567 }],
    ['PUT', '/-/user/org.couchdb.user:bob', { name: ['bob'], password: PASSWORD }],
    ['PUT', '/-/user/org.couchdb.user:bob', { name: 'bob', password: PASSWORD, email: { a: 1 } }],
    ['POST', '/-/npm/v1/user', { fullname: 42 }],
    ['POST', '/-/npm/v1/user', { homepage: ['x'] }],
    ['POST', '/-/npm/v1/user', { password: 'just a string' }],
    ['POST', '/-/npm/v1/user', { tfa: 7 }],
    ['POST', '/-/npm/v1/user', { tfa: { mode: 'auth-only', password: 7 } }],
    ['POST', '/-/npm/v1/tokens', { name: 7, password: PASSWORD }],
    ['POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD, packages: 'a', packages_and_scopes_permission: 'read-write' }],
    ['POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD, packages_all: 'yes', packages_and_scopes_permission: 'read-write' }],
    ['POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write', expires: '7' }],
    // What npm 11 sends for `npm token create --read-only` (it drops the flag): a 400 naming the flags.
    ['POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD }],
    ['PUT', '/-/package/good-pkg/dist-tags/beta', 1],
    ['PUT', '/-/package/good-pkg/dist-tags/beta', { version: '1.0.0' }],
    ['POST', '/-/package/good-pkg/access', { access: true }],
    ['POST', '/-/package/good-pkg/access', { publish_requires_tfa: 'true' }],
    // npm audit bodies of the wrong shape (bulk: {name: [versions]}; quick: an object).
    ['POST', '/-/npm/v1/security/advisories/bulk', []],
    ['POST', '/-/npm/v1/security/advisories/bulk', { lodash: '4.17.21' }],
    ['POST', '/-/npm/v1/security/advisories/bulk', { lodash: [4] }],
    ['POST', '/-/npm/v1/security/advisories/bulk', JSON.parse('{"__proto__": ["1.0.0"], "lodash": [null]}')],
    ['POST', '/-/npm/v1/security/audits/quick', ['lodash']],
    ['POST', '/-/npm/v1/security/audits/quick', 42],
  ];
  for (const [method, path, body] of wrong) add({ what: `wrong type ${str(body).slice(0, 60)} to ${path}`, method, path, body: str(body), headers: J, auth: true });
  // Publish bodies that do not hold together.
  const publishes: Array<[string, (b: any) => void]> = [
    ['versions not an object', (b) => (b.versions = 'x')],
    ['no dist', (b) => delete b.versions['1.0.0'].dist],
    ['integrity not sha512', (b) => (b.versions['1.0.0'].dist.integrity = 'sha1-abc')],
    ['integrity of other bytes', (b) => (b.versions['1.0.0'].dist.integrity = `sha512-${Buffer.alloc(64, 1).toString('base64')}`)],
    ['shasum of other bytes', (b) => (b.versions['1.0.0'].dist.shasum = 'a'.repeat(40))],
    ['shasum not hex', (b) => (b.versions['1.0.0'].dist.shasum = 'z'.repeat(40))],
    ['attachment not gzip', (b) => { const d = Buffer.from('not gzip'); b._attachments['new-pkg-1.0.0.tgz'] = { data: d.toString('base64'), length: d.length }; }],
    ['two attachments', (b) => (b._attachments['other-1.0.0.tgz'] = b._attachments['new-pkg-1.0.0.tgz'])],
    ['attachment named elsewhere', (b) => { b._attachments['../../evil.tgz'] = b._attachments['new-pkg-1.0.0.tgz']; delete b._attachments['new-pkg-1.0.0.tgz']; }],
    ['semver 1.0', (b) => { b.versions = { '1.0': { ...b.versions['1.0.0'], version: '1.0' } }; b['dist-tags'] = { latest: '1.0' }; }],
    ['semver v1.0.0', (b) => { b.versions = { 'v1.0.0': { ...b.versions['1.0.0'], version: 'v1.0.0' } }; b['dist-tags'] = { latest: 'v1.0.0' }; }],
    ['semver with spaces', (b) => { b.versions = { ' 1.0.0 ': { ...b.versions['1.0.0'], version: ' 1.0.0 ' } }; b['dist-tags'] = { latest: ' 1.0.0 ' }; }],
    ['semver overlong', (b) => { const v = `1.0.0-${'a'.repeat(300)}`; b.versions = { [v]: { ...b.versions['1.0.0'], version: v } }; b['dist-tags'] = { latest: v }; }],
    ['semver range', (b) => { b.versions = { '^1.0.0': { ...b.versions['1.0.0'], version: '^1.0.0' } }; b['dist-tags'] = { latest: '^1.0.0' }; }],
    ['manifest name differs', (b) => (b.versions['1.0.0'].name = 'other')],
    ['dist-tags two tags', (b) => (b['dist-tags'] = { latest: '1.0.0', next: '1.0.0' })],
    ['dist-tag NUL', (b) => (b['dist-tags'] = { 'la\u0000test': '1.0.0' })],
    ['base64 with junk', (b) => (b._attachments['new-pkg-1.0.0.tgz'].data += '$$$')],
    ['empty attachment', (b) => (b._attachments['new-pkg-1.0.0.tgz'].data = '')],
    ['length a string', (b) => (b._attachments['new-pkg-1.0.0.tgz'].length = '12')],
    // the manifest must be the tarball's (security review 1, finding 7)
    ['scripts other than the tarball\'s', (b) => (b.versions['1.0.0'].scripts = {})],
    ['dependencies other than the tarball\'s', (b) => (b.versions['1.0.0'].dependencies = { evil: '1.0.0' })],
    ['bin other than the tarball\'s', (b) => (b.versions['1.0.0'].bin = { x: 'index.js' })],
    ['main other than the tarball\'s', (b) => (b.versions['1.0.0'].main = 'evil.js')],
    ['two package.json entries', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package/package.json', content: pj }])))],
    ['package.json a symlink', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: '', type: '2' }])))],
    ['entry path with ..', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package/../../x', content: 'x' }])))],
    // one meaning per tar entry for every extractor (security review 2, publish item 1)
    ['an entry whose ustar prefix only yarn 1 reads', withTarball(gnuPrefixed())],
    ['a file outside the top folder', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'setup.js', content: 'x' }])))],
    ['a second package.json with a backslash', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package\\package.json', content: pj }])))],
    ['a FIFO entry', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package/fifo', type: '6' }])))],
    ['a file named like a folder', withTarball(gzipSync(tarArchive([{ path: 'package/package.json', content: pj }, { path: 'package/lib/', content: 'x' }])))],
    // what people read is the tarball's too (security review 2, publish item 2)
    ['a non-string gitHead', (b) => { b.versions['1.0.0'].gitHead = { x: 1 }; }],
    ['tarball gzipped twice', withTarball(gzipSync(makeTarball({ 'package.json': pj })))],
    ['tarball not tar', withTarball(gzipSync(Buffer.from('plain text, not tar')))],
    ['package.json an array', withTarball(makeTarball({ 'package.json': '[]' }))],
    ['package.json with an invalid version', withTarball(makeTarball({ 'package.json': JSON.stringify({ name: 'new-pkg', version: 'one' }) }))],
    ['package.json with a numeric main', withTarball(makeTarball({ 'package.json': JSON.stringify({ name: 'new-pkg', version: '1.0.0', main: 7 }) }))],
    ['package.json with directories.bin an object', withTarball(makeTarball({ 'package.json': JSON.stringify({ name: 'new-pkg', version: '1.0.0', directories: { bin: {} } }) }))],
  ];
  for (const [what, f] of publishes) add({ what: `publish: ${what}`, method: 'PUT', path: '/new-pkg', body: tamper(f), headers: J, auth: true });
  // Values that String() and template literals cannot turn into text ({"toString": null}), in
  // the fields that error messages quote.
  const untextable = { toString: null };
  const untextables: Array<[string, string, string, unknown]> = [
    ['publish name', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b.name = untextable)))],
    ['manifest name', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b.versions['1.0.0'].name = untextable)))],
    ['manifest version', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b.versions['1.0.0'].version = untextable)))],
    ['attachment length', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b._attachments['new-pkg-1.0.0.tgz'].length = untextable)))],
    ['dist-tag', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b['dist-tags'] = { latest: untextable })))],
    ['access', 'PUT', '/new-pkg', JSON.parse(tamper((b) => (b.access = untextable)))],
    ['login name', 'PUT', '/-/user/org.couchdb.user:bob', { name: untextable, password: PASSWORD }],
    ['login e-mail', 'PUT', '/-/user/org.couchdb.user:bob', { name: 'bob', password: PASSWORD, email: untextable }],
    ['profile field', 'POST', '/-/npm/v1/user', { fullname: untextable }],
    ['2FA mode', 'POST', '/-/npm/v1/user', { tfa: { mode: untextable, password: PASSWORD } }],
    ['token name', 'POST', '/-/npm/v1/tokens', { name: untextable, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' }],
    ['token permission', 'POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: untextable }],
    ['token CIDR', 'POST', '/-/npm/v1/tokens', { name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only', cidr_whitelist: [untextable] }],
    ['dist-tag version', 'PUT', '/-/package/good-pkg/dist-tags/beta', untextable],
    ['access value', 'POST', '/-/package/good-pkg/access', { access: untextable }],
    ['deprecation message', 'PUT', '/good-pkg/-rev/1-0000000000000000', { _id: 'good-pkg', name: 'good-pkg', versions: { '1.0.0': { name: 'good-pkg', version: '1.0.0', deprecated: untextable } } }],
  ];
  for (const [what, method, path, body] of untextables) add({ what: `{"toString": null} as the ${what}`, method, path, body: str(body), headers: J, auth: true });
  // Names: traversal, NUL, unicode tricks, case.
  const names = ['..%2f..%2fetc%2fpasswd', '%2e%2e', 'a%00b', 'Good-Pkg', '%C3%A9t%C3%A9', 'a%E2%80%8Bb', '%EF%BD%81dmin', '%E2%80%AEgp-doog', '@%2e%2e%2fx', '@alice%2f..%2f..%2fx', '@alice%2f', '%40%2fx', 'a%20b', '_private', '.hidden', '-dash', '@-%2fx', '@alice%2f-', '@alice%2fx.', 'con', '@alice%2fnode_modules', 'good_pkg', 'good.pkg', 'goodpkg'];
  for (const n of names) {
    const name = decodeURIComponent(n);
    add({ what: `publish under the name ${JSON.stringify(name)}`, method: 'PUT', path: `/${n}`, body: str(publishBody(name, '1.0.0')), headers: J, auth: true });
  }
  for (const p of ['/good-pkg/-/..%2f..%2ftessera.db', '/good-pkg/-/%2e%2e%2fserver.key', '/good-pkg/-/good-pkg-1.0.0.tgz%00.txt', '/good-pkg/-/..', '/-/package/..%2f..%2f/dist-tags']) {
    add({ what: `traversal GET ${p}`, path: p });
  }
  const users = ['bob%00', 'B0B', '%EF%BD%82ob', 'bob%E2%80%8B', '.bob', "bo'b", 'b%2fob', '-bob', 'alice~', '(alice)', 'alice*', '!x', '_x', 'x.', 'namer_'];
  for (const u of users) {
    const name = decodeURIComponent(u);
    add({ what: `sign up as ${JSON.stringify(name)}`, method: 'PUT', path: `/-/user/org.couchdb.user:${u}`, body: str({ name, password: PASSWORD, email: 'b@example.com' }), headers: J });
  }
  // Bad CIDRs.
  for (const cidr of ['10.0.0.0', '10.0.0.0/33', '::/129', 'localhost/8', '10.0.0.0/8,', '', ' ', ',', 'fe80::1%eth0/64', '::ffff:10.0.0.0/104']) {
    add({ what: `legacy token with only the CIDR ${JSON.stringify(cidr)}`, method: 'POST', path: '/-/npm/v1/tokens', body: str({ password: PASSWORD, cidr_whitelist: [cidr] }), headers: J, auth: true });
    add({ what: `token with CIDR ${cidr}`, method: 'POST', path: '/-/npm/v1/tokens', body: str({ name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only', cidr_whitelist: [cidr, 'x'] }), headers: J, auth: true });
  }
  // OTP headers: malformed or overlong.
  for (const otp of ['12345', 'abcdef', '1'.repeat(129), 'f'.repeat(65), '12 34 5x', '\u0661\u0662\u0663\u0664\u0665\u0666']) {
    add({ what: `npm-otp ${JSON.stringify(otp.slice(0, 20))} on login`, method: 'PUT', path: '/-/user/org.couchdb.user:carol', body: str({ name: 'carol', password: PASSWORD }), headers: { ...J, 'npm-otp': encodeURIComponent(otp) } });
    add({ what: `npm-otp ${JSON.stringify(otp.slice(0, 20))} on a profile change`, method: 'POST', path: '/-/npm/v1/user', body: str({ fullname: 'Carol' }), headers: { ...J, 'npm-otp': encodeURIComponent(otp) }, tfa: true });
  }
  // Browser-approval values never issued (or issued for another request): refused, nothing spent.
  for (const value of [`tsrotp_${'A'.repeat(43)}`, ` tsrotp_${'z'.repeat(43)} `]) {
    add({ what: `npm-otp ${JSON.stringify(value.slice(0, 12))}… on a profile change`, method: 'POST', path: '/-/npm/v1/user', body: str({ fullname: 'Carol' }), headers: { ...J, 'npm-otp': value }, tfa: true });
    add({ what: `npm-otp ${JSON.stringify(value.slice(0, 12))}… on a token creation`, method: 'POST', path: '/-/npm/v1/tokens', body: str({ name: null, password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-write' }), headers: { ...J, 'npm-otp': value }, tfa: true });
  }
  // Approval links and polls with ids that are not ids.
  for (const id of ['x', 'A'.repeat(44), '%00', '..%2F..%2Fetc']) {
    add({ what: `otp-done poll for ${JSON.stringify(id)}`, path: `/-/v1/otp-done?authId=${id}` });
  }
  // Provenance bundles that are not this package's (issue 19), and attestation lookups of nothing.
  const tarballOf = (body: any) => Buffer.from(body._attachments['new-pkg-1.0.0.tgz'].data, 'base64');
  const withBundle = (make: (tb: Buffer) => unknown, data?: string) => tamper((body) => attachProvenance(body, 'new-pkg', '1.0.0', make(tarballOf(body)), data));
  add({ what: 'a provenance bundle that is not JSON', method: 'PUT', path: '/new-pkg', body: withBundle(() => ({}), '{"mediaType":'), headers: J, auth: true });
  add({ what: 'a provenance bundle of another package', method: 'PUT', path: '/new-pkg', body: withBundle((tb) => provenanceBundle('new-pkg', '1.0.0', tb, { subjectName: purl('good-pkg', '1.0.0') })), headers: J, auth: true });
  add({ what: 'a provenance bundle of another tarball', method: 'PUT', path: '/new-pkg', body: withBundle((tb) => provenanceBundle('new-pkg', '1.0.0', tb, { sha512: '0'.repeat(128) })), headers: J, auth: true });
  add({ what: 'a provenance bundle whose payload is not base64 JSON', method: 'PUT', path: '/new-pkg', body: withBundle((tb) => ({ ...provenanceBundle('new-pkg', '1.0.0', tb), dsseEnvelope: { payload: '!!', payloadType: 'application/vnd.in-toto+json', signatures: [] } })), headers: J, auth: true });
  for (const spec of ['good-pkg', '@1.0.0', 'good-pkg@', 'good-pkg@9.9.9', '..%2F..%2Fetc@1', '%00@1.0.0']) {
    add({ what: `attestations of ${JSON.stringify(spec)}`, path: `/-/npm/v1/attestations/${spec}` });
  }
  // Basic auth.
  for (const h of ['Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':nouser').toString('base64')}`]) {
    add({ what: `Authorization: ${h}`, path: '/-/npm/v1/user', headers: { authorization: h } });
  }
  // Basic credentials that are wrong, or a password alone for a 2FA account (a login: needs the OTP).
  const basicOf = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  add({ what: 'Basic x:y on a user document', path: '/-/user/org.couchdb.user:alice', headers: { authorization: basicOf('x', 'y') } });
  add({ what: 'Basic with an overlong password', path: '/-/user/org.couchdb.user:alice', headers: { authorization: basicOf('alice', 'p'.repeat(1100)) } });
  add({ what: 'Basic password alone of a 2FA account, profile read', path: '/-/npm/v1/user', headers: { authorization: basicOf('carol', PASSWORD) } });
  add({ what: 'Basic password alone of a 2FA account, profile change', method: 'POST', path: '/-/npm/v1/user', body: str({ fullname: 'pwned' }), headers: { ...J, authorization: basicOf('carol', PASSWORD) } });
  add({ what: 'Basic password alone of a 2FA account, token create', method: 'POST', path: '/-/npm/v1/tokens', body: str({ password: PASSWORD, readonly: true, cidr_whitelist: [] }), headers: { ...J, authorization: basicOf('carol', PASSWORD) } });
  // Bodies over the limit.
  const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
  add({ what: 'publish body over the limit', method: 'PUT', path: '/new-pkg', body: Buffer.concat([Buffer.from('{"a":"'), big, Buffer.from('"}')]), headers: J, auth: true });
  // Bodies without a valid credential on writes (refused before they are read), and compressed
  // bodies: unknown codings, corrupt gzip, bombs past the limit.
  add({ what: 'anonymous publish body', method: 'PUT', path: '/new-pkg', body: str(valid()), headers: J });
  add({ what: 'publish body with a dead token', method: 'PUT', path: '/new-pkg', body: str(valid()), headers: { ...J, authorization: `Bearer tsr_${'0'.repeat(36)}` } });
  add({ what: 'anonymous dist-tag body', method: 'PUT', path: '/-/package/good-pkg/dist-tags/beta', body: '"1.0.0"', headers: J });
  for (const coding of ['compress', 'zstd', 'gzip, br', 'bogus']) {
    add({ what: `Content-Encoding ${coding}`, method: 'PUT', path: '/-/user/org.couchdb.user:bob', body: str({ name: 'bob', password: PASSWORD }), headers: { ...J, 'content-encoding': coding } });
  }
  add({ what: 'corrupt gzip body', method: 'POST', path: '/-/npm/v1/tokens', body: Buffer.from('not gzip at all'), headers: { ...J, 'content-encoding': 'gzip' }, auth: true });
  add({ what: 'gzip bomb on the audit endpoint', method: 'POST', path: '/-/npm/v1/security/advisories/bulk', body: gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), headers: { ...J, 'content-encoding': 'gzip' } });
  add({ what: 'gzip bomb on the publish route', method: 'PUT', path: '/new-pkg', body: gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20)), headers: { ...J, 'content-encoding': 'gzip' }, auth: true });
  // Under the route's limit (2 MiB here) but inflating past 10x the bytes sent (review 2, edge item 1).
  const ratioBomb = Buffer.concat([Buffer.from('{"name":"new-pkg","pad":"'), Buffer.alloc(1.8 * 1024 * 1024, 0x41), Buffer.from('"}')]);
  add({ what: 'gzip body over 10x its compressed size', method: 'PUT', path: '/new-pkg', body: gzipSync(ratioBomb), headers: { ...J, 'content-encoding': 'gzip' }, auth: true });
  add({ what: 'br body over 10x its compressed size', method: 'PUT', path: '/new-pkg', body: brotliCompressSync(ratioBomb), headers: { ...J, 'content-encoding': 'br' }, auth: true });
  add({ what: 'login body over 1 MiB', method: 'PUT', path: '/-/user/org.couchdb.user:bob', body: Buffer.concat([Buffer.from('{"a":"'), big.subarray(0, 1.5 * 1024 * 1024), Buffer.from('"}')]), headers: J });
  // Web login asked for by a client that did not ask for it (npm 6-8 POST /-/v1/login on every login).
  for (const h of [{}, { 'npm-auth-type': 'legacy' }, { 'npm-auth-type': 'saml' }] as Array<Record<string, string>>) {
    add({ what: `web login start with ${JSON.stringify(h)}`, method: 'POST', path: '/-/v1/login', body: str({ create: true, hostname: 'x' }), headers: { ...J, ...h } });
  }
  // Queries.
  for (const q of ['size=abc', 'size=-1', 'from=1.5', `text=${'x'.repeat(300)}`]) add({ what: `search ${q.slice(0, 20)}`, path: `/-/v1/search?${q}` });
  for (const q of ['page=x', 'perPage=0', 'perPage=99999']) add({ what: `token list ${q}`, path: `/-/npm/v1/tokens?${q}`, auth: true });
  add({ what: 'security log limit=0', path: '/-/tessera/v1/security-log?limit=0', auth: true });
  add({ what: 'a dist-tag that is a range', method: 'PUT', path: '/-/package/good-pkg/dist-tags/%3E%3D1', body: '"1.0.0"', headers: J, auth: true });
  add({ what: 'unknown access setting', method: 'POST', path: '/-/package/good-pkg/access', body: str({ visibility: 'public' }), headers: J, auth: true });
  add({ what: 'restricting an unscoped package', method: 'POST', path: '/-/package/good-pkg/access', body: str({ access: 'restricted' }), headers: J, auth: true });
  add({ what: 'a PUT that rewrites dist', method: 'PUT', path: '/good-pkg', body: str({ name: 'good-pkg', versions: { '1.0.0': { name: 'good-pkg', version: '1.0.0', dist: { shasum: '0'.repeat(40) } } } }), headers: J, auth: true });
  // A version or tag spec that names nothing, prototype members included (one row read, a 404).
  for (const spec of ['9.9.9', 'constructor', '__proto__', 'toString', '%00', 'x'.repeat(300)]) {
    add({ what: `unknown version ${spec.slice(0, 20)}`, path: `/good-pkg/${spec}` });
  }
  add({ what: 'an unknown version of a restricted package, anonymously', path: '/@alice%2fscoped/9.9.9' });
  // Dist-tags named after Object.prototype members that were never set.
  for (const tag of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    add({ what: `removing the never-set dist-tag ${tag}`, method: 'DELETE', path: `/-/package/good-pkg/dist-tags/${tag}`, auth: true });
  }
  // npm star bodies that do not hold together; npm stars with a key that is not a JSON string.
  for (const users of [[], null, 'alice', { alice: 'yes' }, { alice: false }]) {
    add({ what: `star with users ${str(users)}`, method: 'PUT', path: '/good-pkg', body: str({ _id: 'good-pkg', users }), headers: J, auth: true });
  }
  add({ what: 'star with another _id', method: 'PUT', path: '/good-pkg', body: str({ _id: 'other', users: { alice: true } }), headers: J, auth: true });
  add({ what: 'anonymous star', method: 'PUT', path: '/good-pkg', body: str({ _id: 'good-pkg', users: { alice: true } }), headers: J });
  for (const key of ['alice', '', '{}', '"']) add({ what: `npm stars key=${key}`, path: `/-/_view/starredByUser?key=${encodeURIComponent(key)}` });
  // Control characters (ESC, BEL, C1 CSI and OSC, NUL, DEL) in every text a client sets: npm
  // prints these fields raw into terminals (src/core/text.ts).
  for (const [cname, c] of CONTROLS) {
    const sneaky = `ok ${c}]0;TITLE${c}[2J`;
    const manifests: Array<[string, Record<string, unknown>]> = [
      ['description', { description: sneaky }],
      ['readme', { readme: `# Title\n${sneaky}` }],
      ['keywords', { keywords: ['fine', sneaky] }],
      ['author string', { author: `Ann ${sneaky} <a@example.com>` }],
      ['author.name', { author: { name: sneaky } }],
      ['author.email', { author: { name: 'Ann', email: `a${c}@example.com` } }],
      ['contributors', { contributors: [{ name: 'Bo', url: `https://example.com/${c}` }] }],
      ['maintainers', { maintainers: [{ name: 'alice', email: `a${c}@example.com` }] }],
      ['license', { license: `MIT${c}` }],
      ['homepage', { homepage: `https://example.com/${c}` }],
      ['repository', { repository: { type: 'git', url: `git+https://example.com/${c}.git` } }],
      ['bugs', { bugs: { url: `https://example.com/${c}` } }],
      ['funding', { funding: `https://example.com/${c}` }],
      ['bin key', { bin: { [`cmd${c}`]: 'cli.js' } }],
      ['bin value', { bin: { cmd: `cli${c}.js` } }],
      ['dependency name', { dependencies: { [`dep${c}`]: '^1.0.0' } }],
      ['dependency spec', { dependencies: { dep: `^1.0.0${c}` } }],
      ['script name', { scripts: { [`t${c}`]: 'node x' } }],
      ['script', { scripts: { test: `node x ${sneaky}` } }],
      ['a field of its own', { config: { nested: [{ text: sneaky }] } }],
    ];
    for (const [what, manifest] of manifests) {
      add({ what: `publish: ${cname} in ${what}`, method: 'PUT', path: '/new-pkg', body: str(publishBody('new-pkg', '1.0.0', { manifest })), headers: J, auth: true });
    }
    add({ what: `publish: ${cname} in the dist-tag`, method: 'PUT', path: '/new-pkg', body: str(publishBody('new-pkg', '1.0.0', { tag: `next${c}` })), headers: J, auth: true });
    add({ what: `deprecation with ${cname}`, method: 'PUT', path: '/good-pkg', body: str({ versions: { '1.0.0': { deprecated: `old ${sneaky}` } } }), headers: J, auth: true });
    add({ what: `dist-tag add with ${cname}`, method: 'PUT', path: `/-/package/good-pkg/dist-tags/${encodeURIComponent(`beta${c}`)}`, body: '"1.0.0"', headers: J, auth: true });
    add({ what: `sign-up e-mail with ${cname}`, method: 'PUT', path: '/-/user/org.couchdb.user:bob', body: str({ name: 'bob', password: PASSWORD, email: `bob${c}@example.com` }), headers: J });
    for (const field of ['fullname', 'twitter', 'github', 'freenode']) {
      add({ what: `profile ${field} with ${cname}`, method: 'POST', path: '/-/npm/v1/user', body: str({ [field]: sneaky }), headers: J, auth: true });
    }
    add({ what: `profile homepage with ${cname}`, method: 'POST', path: '/-/npm/v1/user', body: str({ homepage: `https://example.com/${c}` }), headers: J, auth: true });
    add({ what: `profile e-mail with ${cname}`, method: 'POST', path: '/-/npm/v1/user', body: str({ email: `x${c}@example.com` }), headers: J, auth: true });
    const token = { password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' };
    add({ what: `token name with ${cname}`, method: 'POST', path: '/-/npm/v1/tokens', body: str({ ...token, name: sneaky }), headers: J, auth: true });
    add({ what: `token description with ${cname}`, method: 'POST', path: '/-/npm/v1/tokens', body: str({ ...token, name: null, description: sneaky }), headers: J, auth: true });
  }
  // Organisations and teams (docs/orgs.md).
  for (const [method, path] of [['PUT', '/-/org/acme/user'], ['PUT', '/-/org/acme/team'], ['POST', '/-/org/acme/settings'], ['PUT', '/-/team/acme/developers/user'], ['POST', '/-/org']]) {
    for (const body of bodies.slice(0, 3)) add({ what: `broken JSON ${JSON.stringify(body)} to ${method} ${path}`, method, path, body, headers: J, auth: true });
  }
  const orgCases: Array<[string, string, string, unknown]> = [
    ['org set without a user', 'PUT', '/-/org/acme/user', { role: 'developer' }],
    ['org set with a numeric user', 'PUT', '/-/org/acme/user', { user: 7, role: 'developer' }],
    ['org set with an unknown role', 'PUT', '/-/org/acme/user', { user: 'bob', role: 'boss' }],
    ['org set with a role array', 'PUT', '/-/org/acme/user', { user: 'bob', role: ['owner'] }],
    ['org set as an array body', 'PUT', '/-/org/acme/user', ['bob']],
    ['org rm without a user', 'DELETE', '/-/org/acme/user', {}],
    ['org rm of the last owner', 'DELETE', '/-/org/acme/user', { user: 'alice' }],
    ['org set demoting the last owner', 'PUT', '/-/org/acme/user', { user: 'alice', role: 'developer' }],
    ['org ls of an invalid org name', 'GET', '/-/org/Not%20An%20Org/user', undefined],
    ['org ls of an org that does not exist', 'GET', '/-/org/no-such-org/user', undefined],
    ['team create without a name', 'PUT', '/-/org/acme/team', { description: 'x' }],
    ['team create with an invalid name', 'PUT', '/-/org/acme/team', { name: 'Bad:Team' }],
    ['team create with a long name', 'PUT', '/-/org/acme/team', { name: 'a'.repeat(51) }],
    ['team create with a numeric description', 'PUT', '/-/org/acme/team', { name: 'ok', description: 5 }],
    ['team create of the developers team again', 'PUT', '/-/org/acme/team', { name: 'developers' }],
    ['team destroy of the developers team', 'DELETE', '/-/team/acme/developers', undefined],
    ['team add of a non-member', 'PUT', '/-/team/acme/developers/user', { user: 'carol' }],
    ['team add without a user', 'PUT', '/-/team/acme/developers/user', { user: '' }],
    ['team rm of someone not in it', 'DELETE', '/-/team/acme/developers/user', { user: 'carol' }],
    ['team ls of a missing team', 'GET', '/-/team/acme/nobody/user', undefined],
    ['org settings with require_tfa "yes"', 'POST', '/-/org/acme/settings', { require_tfa: 'yes' }],
    ['org settings with an unknown key', 'POST', '/-/org/acme/settings', { billing: true }],
    ['org settings changing nothing', 'POST', '/-/org/acme/settings', {}],
    ['org settings with a bad developers access', 'POST', '/-/org/acme/settings', { developers_access: 'admin' }],
    ['org settings: 2FA required by an owner without 2FA', 'POST', '/-/org/acme/settings', { require_tfa: true }],
    ['org create with an invalid name', 'POST', '/-/org', { name: '-acme' }],
    ['org create with a user\'s name', 'POST', '/-/org', { name: 'carol' }],
    ['org create with a taken name', 'POST', '/-/org', { name: 'acme' }],
    ['org create without a name', 'POST', '/-/org', {}],
    ['invitation accepted with none pending', 'POST', '/-/org/acme/invitation', undefined],
    ['org log with a bad limit', 'GET', '/-/org/acme/log?limit=0', undefined],
    // npm access grant / revoke / list on org packages (core/orgs/package-access.ts)
    ['access grant with an unknown permission', 'PUT', '/-/team/acme/developers/package', { package: '@acme/none', permissions: 'admin' }],
    ['access grant without permissions', 'PUT', '/-/team/acme/developers/package', { package: '@acme/none' }],
    ['access grant with a numeric package', 'PUT', '/-/team/acme/developers/package', { package: 7, permissions: 'read-only' }],
    ['access grant with an invalid package name', 'PUT', '/-/team/acme/developers/package', { package: '..%2f', permissions: 'read-only' }],
    ['access grant of a package outside the org', 'PUT', '/-/team/acme/developers/package', { package: 'good-pkg', permissions: 'read-only' }],
    ['access grant of a missing package', 'PUT', '/-/team/acme/developers/package', { package: '@acme/none', permissions: 'read-only' }],
    ['access grant to a missing team', 'PUT', '/-/team/acme/nobody/package', { package: '@acme/none', permissions: 'read-only' }],
    ['access grant in a missing org', 'PUT', '/-/team/nobody-org/developers/package', { package: '@acme/none', permissions: 'read-only' }],
    ['access grant as an array body', 'PUT', '/-/team/acme/developers/package', ['@acme/none']],
    ['access revoke without a package', 'DELETE', '/-/team/acme/developers/package', {}],
    ['access revoke of a grant that is not there', 'DELETE', '/-/team/acme/developers/package', { package: '@acme/none' }],
    ['access list packages of a missing team', 'GET', '/-/team/acme/nobody/package', undefined],
    ['access list packages of a missing org', 'GET', '/-/org/nobody-org/package', undefined],
    ['access list packages of a missing user', 'GET', '/-/user/nobody-user/package', undefined],
  ];
  for (const [what, method, path, body] of orgCases) add({ what, method, path, ...(body !== undefined ? { body: str(body), headers: J } : {}), auth: true });
  // Trusted publishing: identity tokens that are no such thing, and npm trust bodies.
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const exchange = '/-/npm/v1/oidc/token/exchange/package/good-pkg';
  for (const [what, bearer] of [
    ['no bearer', null],
    ['a Tessera token', alice],
    ['garbage', 'not.a.jwt!'],
    ['alg none', `${b64({ alg: 'none' })}.${b64({ iss: 'https://token.actions.githubusercontent.com', aud: 'npm:registry.test' })}.`],
    ['an untrusted issuer', `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss: 'https://evil.example', aud: 'npm:registry.test', jti: 'j' })}.c2ln`],
    ['a payload that is not JSON', `${b64({ alg: 'RS256' })}.${Buffer.from('{oops').toString('base64url')}.c2ln`],
    ['a bearer of 20,000 characters', `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}.c`],
  ] as const) {
    add({ what: `OIDC exchange with ${what}`, method: 'POST', path: exchange, headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
  }
  add({ what: 'OIDC exchange for a name that is no package name', method: 'POST', path: '/-/npm/v1/oidc/token/exchange/package/..%2f..', headers: { authorization: 'Bearer x.y.z' } });
  add({ what: 'trust add: not an array of objects', method: 'POST', path: '/-/package/good-pkg/trust', body: '"github"', headers: J, auth: true });
  add({ what: 'trust add: invalid JSON', method: 'POST', path: '/-/package/good-pkg/trust', body: '[{', headers: J, auth: true });
  add({ what: 'trust add: a package that does not exist', method: 'POST', path: '/-/package/no-such-pkg/trust', body: '[]', headers: J, auth: true });
  add({ what: 'trust add without a credential', method: 'POST', path: '/-/package/good-pkg/trust', body: '[]', headers: J });
  add({ what: 'trust list of a package that does not exist', path: '/-/package/no-such-pkg/trust', auth: true });
  add({ what: 'trust revoke of an id that is no UUID', method: 'DELETE', path: '/-/package/good-pkg/trust/..%2f..%2fx', auth: true });
  add({ what: 'owners with a non-array', method: 'PUT', path: '/good-pkg/-rev/1-0000000000000000', body: str({ _id: 'good-pkg', maintainers: 'alice' }), headers: J, auth: true });
  // npm stage publish takes the publish body through the same checks: every bad publish body
  // above (broken JSON, wrong types, tarball and manifest problems, control characters) staged.
  for (const c of cases.filter((x) => x.method === 'PUT' && x.path === '/new-pkg')) add({ ...c, what: `stage: ${c.what}`, method: 'POST', path: '/-/stage/package/new-pkg' });
  add({ what: 'stage: a name npm refuses', method: 'POST', path: '/-/stage/package/New-Pkg', body: str(publishBody('New-Pkg', '1.0.0')), headers: J, auth: true });
  add({ what: 'stage: a body for another package', method: 'POST', path: '/-/stage/package/new-pkg', body: str(publishBody('other-pkg', '1.0.0')), headers: J, auth: true });
  add({ what: 'stage: over a published version', method: 'POST', path: '/-/stage/package/good-pkg', body: str(publishBody('good-pkg', '1.0.0')), headers: J, auth: true });
  add({ what: 'stage: anonymous', method: 'POST', path: '/-/stage/package/new-pkg', body: str(valid()), headers: J });
  // npm stage list / view / download / approve / reject: their own inputs.
  for (const q of ['page=-1', 'page=abc', 'page=1.5', 'page=99999999', 'perPage=0', 'perPage=101', 'perPage=', 'package=', `package=${'a'.repeat(215)}`, 'page=0&page=1']) {
    add({ what: `stage list ?${q}`, path: `/-/stage?${q}`, auth: true });
  }
  add({ what: 'stage list, anonymous', path: '/-/stage' });
  for (const id of ['not-a-uuid', '1234', '00000000-0000-4000-8000-00000000000g', `${'a'.repeat(300)}`, '%00']) {
    add({ what: `stage view ${id.slice(0, 20)}`, path: `/-/stage/${id}`, auth: true });
    add({ what: `stage download ${id.slice(0, 20)}`, path: `/-/stage/${id}/tarball`, auth: true });
    add({ what: `stage approve ${id.slice(0, 20)}`, method: 'POST', path: `/-/stage/${id}/approve`, auth: true, tfa: true });
    add({ what: `stage reject ${id.slice(0, 20)}`, method: 'DELETE', path: `/-/stage/${id}`, auth: true, tfa: true });
  }
  const missing = '00000000-0000-4000-8000-000000000000';
  add({ what: 'stage view of no stage', path: `/-/stage/${missing}`, auth: true });
  add({ what: 'stage approve of no stage', method: 'POST', path: `/-/stage/${missing}/approve`, tfa: true });
  add({ what: 'stage reject of no stage', method: 'DELETE', path: `/-/stage/${missing}`, tfa: true });
  add({ what: 'stage approve with a body of broken JSON', method: 'POST', path: `/-/stage/${missing}/approve`, body: '{', headers: J, tfa: true });
  return cases;
}

test('a corpus of over 100 malformed requests: each a 4xx with a JSON error, nothing changes, the server stays up', async () => {
  const cases = corpus();
  assert.ok(cases.length >= 100, `only ${cases.length} cases`);
  const before = snapshot();
  for (const c of cases) {
    const res = await fetch(`${base}${c.path}`, {
      method: c.method ?? 'GET',
      body: c.body,
      headers: { ...c.headers, ...(c.auth ? { authorization: `Bearer ${alice}` } : {}), ...(c.tfa ? { authorization: `Bearer ${tfaUser}` } : {}) },
    });
    const text = await res.text();
    assert.ok(res.status >= 400 && res.status < 500, `${c.what}: status ${res.status} ${text.slice(0, 200)}`);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      assert.fail(`${c.what}: not JSON: ${text.slice(0, 200)}`);
    }
    assert.equal(typeof body.error, 'string', c.what);
    assert.ok(body.error.length > 5 && !/\n\s+at /.test(body.error), `${c.what}: ${body.error}`);
    assert.ok(!/\p{Cc}/u.test(body.error), `${c.what}: an error message with a raw control character: ${JSON.stringify(body.error)}`);
    assert.equal((await fetch(`${base}/-/ping`)).status, 200, `server down after ${c.what}`);
  }
  assert.equal(snapshot(), before);
});

function raw(request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(base);
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

test('requests the HTTP parser refuses get a JSON error too', async () => {
  const overlong = await raw(`GET /-/ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
  assert.match(overlong, /^HTTP\/1\.1 431/);
  assert.match(overlong, /"error":"The request headers are too large\."/);
  const garbage = await raw('NONSENSE\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400/);
  assert.match(garbage, /"error":/);
  assert.equal((await fetch(`${base}/-/ping`)).status, 200);
});

test('bad answers from an upstream registry: each a 502 JSON error naming the upstream, nothing cached, the server stays up', async () => {
  const { startUpstream } = await import('../support/upstream.ts');
  const up = await startUpstream();
  const proxied = await startApp({ upstream: up.url, 'max-packument-mb': '1' });
  try {
    const json = { 'content-type': 'application/json' };
    const doc = (name: string, extra: Record<string, unknown>) => JSON.stringify({ name, ...extra });
    const cases: Array<[string, (name: string) => { status?: number; headers?: Record<string, string>; body?: string | Buffer }]> = [
      ['not JSON', () => ({ headers: json, body: '{"name":' })],
      ['a JSON array', () => ({ headers: json, body: '[]' })],
      ['a JSON string', () => ({ headers: json, body: '"hello"' })],
      ['another name', () => ({ headers: json, body: doc('someone-else', {}) })],
      ['no name', () => ({ headers: json, body: JSON.stringify({ versions: {} }) })],
      ['a __proto__ name', () => ({ headers: json, body: '{"name":"x","__proto__":{"name":"y"}}' })],
      ['versions an array', (n) => ({ headers: json, body: doc(n, { versions: [] }) })],
      ['a version a string', (n) => ({ headers: json, body: doc(n, { versions: { '1.0.0': 'x' } }) })],
      ['a version without dist', (n) => ({ headers: json, body: doc(n, { versions: { '1.0.0': { name: n } } }) })],
      ['a tarball URL that is not http', (n) => ({ headers: json, body: doc(n, { versions: { '1.0.0': { dist: { tarball: 'file:///etc/passwd', integrity: 'sha512-x' } } } }) })],
      ['no checksum', (n) => ({ headers: json, body: doc(n, { versions: { '1.0.0': { dist: { tarball: 'http://127.0.0.1/a.tgz' } } } }) })],
      ['dist-tags not strings', (n) => ({ headers: json, body: doc(n, { 'dist-tags': { latest: 1 } }) })],
      ['text/html', (n) => ({ headers: { 'content-type': 'text/html' }, body: doc(n, {}) })],
      ['no content type', (n) => ({ body: doc(n, {}) })],
      ['a redirect', () => ({ status: 301, headers: { location: 'http://198.51.100.7/x' } })],
      ['a server error', () => ({ status: 500, body: 'boom' })],
      ['a 401', () => ({ status: 401, body: '{}' })],
      ['over maxPackumentMb', (n) => ({ headers: json, body: doc(n, { readme: 'r'.repeat(1_200_000) }) })],
      ['a corrupt gzip body', () => ({ headers: { ...json, 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') })],
      ['a gzip bomb', (n) => ({ headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(doc(n, { readme: ' '.repeat(20_000_000) }))) })],
    ];
    for (const [i, [what, answer]] of cases.entries()) {
      const name = `upstream-bad-${i}`;
      up.overrides.set(`/${name}`, answer(name));
      const res = await proxied.request({ method: 'GET', url: `/${name}`, headers: { accept: 'application/vnd.npm.install-v1+json' } });
      assert.equal(res.statusCode, 502, `${what}: ${res.body}`);
      assert.match(res.json().error, /upstream default/, what);
      assert.equal(await proxied.deps.store.proxy.getPackument(name, 'abbreviated'), null, `${what}: nothing cached`);
    }
    assert.equal((await proxied.request({ method: 'GET', url: '/-/ping' })).statusCode, 200);
  } finally {
    await proxied.close();
    await up.close();
  }
});
