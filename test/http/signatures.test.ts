// Registry signatures and provenance over HTTP (issue 19): /-/npm/v1/keys in npmjs's shape,
// dist.signatures in every packument form, rotation on a running server, and provenance bundles
// stored at publish and served unchanged at /-/npm/v1/attestations.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { rotateKeyFile } from '../../src/adapters/signing-keys.ts';
import { verifyVersion } from '../../src/core/packages/signatures.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { attachProvenance, provenanceBundle, purl, SLSA_V1 } from '../support/provenance.ts';

let t: TestApp;
let alice: string;
before(async () => {
  t = await startApp();
  alice = await t.signUp('alice');
});
after(() => t.close());

const path = (name: string) => `/${name.replace('/', '%2f')}`;
const put = (name: string, body: unknown) => t.request({ method: 'PUT', url: path(name), payload: body as object, token: alice });
const keys = async () => (await t.request({ url: '/-/npm/v1/keys' })).json().keys as Array<Record<string, string | null>>;
const tarballOf = (body: Record<string, any>, name: string, version: string) => Buffer.from(body._attachments[`${name}-${version}.tgz`].data, 'base64');

function verifies(keyList: Array<Record<string, string | null>>, name: string, version: string, dist: { integrity: string; signatures: Array<{ keyid: string; sig: string }> }): boolean {
  return dist.signatures.every((s) => {
    const k = keyList.find((x) => x.keyid === s.keyid);
    return !!k && verifyVersion(createPublicKey({ key: Buffer.from(k.key!, 'base64'), format: 'der', type: 'spki' }), name, version, dist.integrity, s.sig);
  });
}

test('GET /-/npm/v1/keys answers npmjs\'s shape: one current P-256 key, base64 DER SPKI, SHA256: keyid', async () => {
  const res = await t.request({ url: '/-/npm/v1/keys' });
  assert.equal(res.statusCode, 200);
  const list = res.json().keys;
  assert.equal(list.length, 1);
  assert.deepEqual(Object.keys(list[0]).sort(), ['expires', 'key', 'keyid', 'keytype', 'scheme']);
  assert.equal(list[0].expires, null);
  assert.equal(list[0].keytype, 'ecdsa-sha2-nistp256');
  assert.equal(list[0].scheme, 'ecdsa-sha2-nistp256');
  assert.match(list[0].keyid, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.match(list[0].key, /^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]+=*$/);
});

test('published versions, scoped and unscoped, carry dist.signatures in the full and abbreviated packuments and the version document, verifying with the listed key', async () => {
  for (const name of ['signed-lib', '@sig/scoped-lib']) {
    assert.equal((await put(name, publishBody(name, '1.0.0'))).statusCode, 201);
    const list = await keys();
    const fullDoc = (await t.request({ url: path(name) })).json().versions['1.0.0'];
    const abbr = (await t.request({ url: path(name), headers: { accept: 'application/vnd.npm.install-v1+json' } })).json().versions['1.0.0'];
    const one = (await t.request({ url: `${path(name)}/1.0.0` })).json();
    for (const doc of [fullDoc, abbr, one]) {
      assert.equal(doc.dist.signatures.length, 1, name);
      assert.deepEqual(doc.dist.signatures, fullDoc.dist.signatures, 'stored once, the same in every form');
      assert.ok(verifies(list, name, '1.0.0', doc.dist), `${name}: the signature verifies`);
    }
  }
});

test('signatures are stored, not made per read: two reads give the same bytes (ECDSA signatures are randomised)', async () => {
  const a = (await t.request({ url: '/signed-lib' })).json().versions['1.0.0'].dist.signatures;
  t.deps.packageChanged('signed-lib'); // drop the cached packument: the next read is built again from the store
  const b = (await t.request({ url: '/signed-lib' })).json().versions['1.0.0'].dist.signatures;
  assert.deepEqual(a, b);
});

test('rotation on a running server: the next publish is signed with the new key, the old key stays listed with its expiry, and old versions still verify', async () => {
  const before = (await keys())[0];
  const rotated = rotateKeyFile(t.dataDir, new Date());
  const list = await keys();
  assert.equal(list.length, 2);
  assert.deepEqual([list[0].keyid, list[0].expires], [rotated[0].keyid, null]);
  assert.deepEqual([list[1].keyid, list[1].expires], [before.keyid, rotated[1].expires]);
  assert.equal((await put('signed-lib', publishBody('signed-lib', '1.1.0'))).statusCode, 201);
  const doc = (await t.request({ url: '/signed-lib' })).json();
  assert.equal(doc.versions['1.1.0'].dist.signatures[0].keyid, rotated[0].keyid);
  assert.equal(doc.versions['1.0.0'].dist.signatures[0].keyid, before.keyid);
  assert.ok(verifies(list, 'signed-lib', '1.1.0', doc.versions['1.1.0'].dist));
  assert.ok(verifies(list, 'signed-lib', '1.0.0', doc.versions['1.0.0'].dist));
  // npm's rule (pacote lib/registry.js): the old key is valid for versions published before it expired.
  assert.ok(Date.parse(doc.time['1.0.0']) < Date.parse(list[1].expires!));
});

test('a provenance bundle in the publish body comes back unchanged from the attestations endpoint, scoped and unscoped', async () => {
  for (const name of ['proven-lib', '@sig/proven']) {
    const body = publishBody(name, '2.0.0');
    const bundle = provenanceBundle(name, '2.0.0', tarballOf(body, name, '2.0.0'));
    attachProvenance(body, name, '2.0.0', bundle);
    assert.equal((await put(name, body)).statusCode, 201);
    const doc = (await t.request({ url: path(name) })).json();
    const v = doc.versions['2.0.0'];
    const url = `http://registry.test/-/npm/v1/attestations/${name.replace('/', '%2f')}@2.0.0`;
    assert.deepEqual(v.dist.attestations, { url, provenance: { predicateType: SLSA_V1 } });
    assert.ok(!JSON.stringify(doc).includes('dsseEnvelope'), 'the bundle is not in the packument');
    const abbr = (await t.request({ url: path(name), headers: { accept: 'application/vnd.npm.install-v1+json' } })).json();
    assert.deepEqual(abbr.versions['2.0.0'].dist.attestations, v.dist.attestations);
    for (const u of [new URL(url).pathname, `/-/npm/v1/attestations/${name}@2.0.0`, `/-/npm/v1/attestations/${encodeURIComponent(name)}@2.0.0`]) {
      const res = await t.request({ url: u });
      assert.equal(res.statusCode, 200, `${u}: ${res.body}`);
      assert.deepEqual(res.json(), { attestations: [{ predicateType: SLSA_V1, bundle }] });
    }
  }
});

test('attestations: a version without a bundle, a missing version or package, and a restricted package seen anonymously answer 404 JSON', async () => {
  assert.equal((await put('@sig/hidden', publishBody('@sig/hidden', '1.0.0', { access: 'restricted' }))).statusCode, 201);
  const body = publishBody('@sig/hidden', '1.0.1', { access: 'restricted' });
  attachProvenance(body, '@sig/hidden', '1.0.1', provenanceBundle('@sig/hidden', '1.0.1', tarballOf(body, '@sig/hidden', '1.0.1')));
  assert.equal((await put('@sig/hidden', body)).statusCode, 200 + 1);
  for (const [url, token] of [
    ['/-/npm/v1/attestations/signed-lib@1.0.0', undefined], ['/-/npm/v1/attestations/proven-lib@9.9.9', undefined],
    ['/-/npm/v1/attestations/no-such-lib@1.0.0', undefined], ['/-/npm/v1/attestations/@sig%2fhidden@1.0.1', undefined],
    ['/-/npm/v1/attestations/proven-lib', undefined],
  ] as const) {
    const res = await t.request({ url, token });
    assert.equal(res.statusCode, 404, url);
    assert.equal(typeof res.json().error, 'string');
  }
  assert.equal((await t.request({ url: '/-/npm/v1/attestations/@sig%2fhidden@1.0.1', token: alice })).statusCode, 200, 'the owner sees it');
});

test('bad provenance attachments are refused with 400 naming the problem, and nothing is published', async () => {
  const name = 'bad-proof';
  const cases: Array<[string, (body: Record<string, any>, tarball: Buffer) => void, RegExp]> = [
    ['not JSON', (b) => { b._attachments[`${name}-1.0.0.sigstore`] = { data: '{nope' }; }, /not JSON/],
    ['no DSSE envelope', (b, tb) => attachProvenance(b, name, '1.0.0', { ...provenanceBundle(name, '1.0.0', tb), dsseEnvelope: null }), /DSSE/],
    ['another package', (b, tb) => attachProvenance(b, name, '1.0.0', provenanceBundle(name, '1.0.0', tb, { subjectName: purl('other-lib', '1.0.0') })), /subject .* is not bad-proof@1\.0\.0/],
    ['another tarball', (b, tb) => attachProvenance(b, name, '1.0.0', provenanceBundle(name, '1.0.0', tb, { sha512: 'ab'.repeat(64) })), /digest is not the tarball/],
    ['wrong file name', (b, tb) => { attachProvenance(b, name, '1.0.0', provenanceBundle(name, '1.0.0', tb)); b._attachments['x.sigstore'] = b._attachments[`${name}-1.0.0.sigstore`]; delete b._attachments[`${name}-1.0.0.sigstore`]; }, /must be the one attachment/],
    ['too large', (b, tb) => attachProvenance(b, name, '1.0.0', provenanceBundle(name, '1.0.0', tb), JSON.stringify({ ...provenanceBundle(name, '1.0.0', tb), pad: 'x'.repeat(300_000) })), /larger than/],
  ];
  for (const [what, tamper, message] of cases) {
    const body = publishBody(name, '1.0.0');
    tamper(body, tarballOf(body, name, '1.0.0'));
    const res = await put(name, body);
    assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
    assert.equal(res.json().code, 'INVALID_PUBLISH', what);
    assert.match(res.json().error, message, what);
    assert.equal((await t.request({ url: `/${name}` })).statusCode, 404, `${what}: nothing was published`);
  }
});

test('a tarball whose package.json carries the bundle key cannot plant provenance', async () => {
  const name = 'planted-proof';
  const body = publishBody(name, '1.0.0', { manifest: { _provenanceBundle: { mediaType: 'x' } } });
  assert.equal((await put(name, body)).statusCode, 201);
  assert.equal((await t.request({ url: `/-/npm/v1/attestations/${name}@1.0.0` })).statusCode, 404);
  assert.equal((await t.request({ url: `/${name}` })).json().versions['1.0.0'].dist.attestations, undefined);
});

test('the package page shows the latest version\'s signature keyid and whether it has provenance', async () => {
  const signed = await t.request({ url: '/-/web/package/signed-lib' });
  assert.equal(signed.statusCode, 200);
  const keyid = (await t.request({ url: '/signed-lib' })).json().versions['1.1.0'].dist.signatures[0].keyid;
  assert.ok(signed.body.includes(`<code>${keyid}</code>`), 'the keyid is shown');
  assert.match(signed.body, /<dt>Provenance<\/dt><dd>None<\/dd>/);
  const proven = await t.request({ url: '/-/web/package/proven-lib' });
  assert.match(proven.body, /<dt>Provenance<\/dt><dd>Attested at publish \(<code>https:\/\/slsa\.dev\/provenance\/v1<\/code>/);
});
