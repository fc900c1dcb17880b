// Registry signatures and attestations of proxied packages (issue 19, item 3) against an
// upstream of the test's own that signs with its own key: the upstream's signatures are kept as
// they are and Tessera adds its own (stored with the copy, never per read); /-/npm/v1/keys lists
// the upstream's keys beside Tessera's (kept, served when the upstream is down); attestations of
// proxied versions are fetched once and kept.

import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, test } from 'node:test';
import { generateSigningKey, publicKeyEntry, signingKeyFromBase64, signVersion, verifyVersion } from '../../src/core/packages/signatures.ts';
import { startApp, type TestApp } from '../support/app.ts';
import { TestClock } from '../support/clock.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const upstreamKey = signingKeyFromBase64(generateSigningKey(), null);
const UPSTREAM_KEYS = { keys: [publicKeyEntry(upstreamKey.publicKey, null)] };
const ATTESTATIONS = { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: { mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: { payload: 'e30=', payloadType: 'application/vnd.in-toto+json', signatures: [] } } }] };

let up: TestUpstream;
let t: TestApp;
const clock = new TestClock();

before(async () => {
  up = await startUpstream();
  up.overrides.set('/-/npm/v1/keys', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(UPSTREAM_KEYS) });
  for (const [name, path] of [['up-lib', '/-/npm/v1/attestations/up-lib@1.0.0'], ['@up/scoped', '/-/npm/v1/attestations/@up%2Fscoped@1.0.0']]) {
    up.overrides.set(path, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(ATTESTATIONS) });
    const dist = up.addVersion(name, '1.0.0', Buffer.from(`${name} bytes`)) as Record<string, unknown>;
    // The upstream signs as npmjs does.
    dist.signatures = [signVersion(upstreamKey, name, '1.0.0', dist.integrity as string)];
  }
  t = await startApp({ upstream: up.url, 'proxy-fresh-seconds': '120' }, clock);
});

after(async () => {
  await t.close();
  await up.close();
});

type Key = { keyid: string; key: string; expires: string | null };
const keys = async () => (await t.request({ url: '/-/npm/v1/keys' })).json().keys as Key[];
const verifies = (list: Key[], name: string, version: string, integrity: string, s: { keyid: string; sig: string }) => {
  const k = list.find((x) => x.keyid === s.keyid);
  return !!k && verifyVersion(createPublicKey({ key: Buffer.from(k.key, 'base64'), format: 'der', type: 'spki' }), name, version, integrity, s.sig);
};

test('/-/npm/v1/keys lists Tessera\'s key first and the upstream\'s beside it', async () => {
  const list = await keys();
  assert.deepEqual(list.map((k) => k.keyid), [t.deps.signing!.current().keyid, upstreamKey.keyid]);
  assert.deepEqual(list[1], UPSTREAM_KEYS.keys[0]);
});

test('a proxied version keeps the upstream\'s signature and carries Tessera\'s, both verifying, in both forms, stored not made per read', async () => {
  const list = await keys();
  for (const name of ['up-lib', '@up/scoped']) {
    const path = `/${name.replace('/', '%2f')}`;
    for (const accept of [ABBREVIATED, 'application/json']) {
      const v = (await t.request({ url: path, headers: { accept } })).json().versions['1.0.0'];
      const sigs = v.dist.signatures as Array<{ keyid: string; sig: string }>;
      assert.deepEqual(sigs.map((s) => s.keyid), [upstreamKey.keyid, t.deps.signing!.current().keyid], `${name} ${accept}`);
      for (const s of sigs) assert.ok(verifies(list, name, '1.0.0', v.dist.integrity, s), `${name} ${s.keyid}`);
    }
  }
  const a = (await t.request({ url: '/up-lib' })).json().versions['1.0.0'].dist.signatures;
  t.deps.packageChanged('up-lib'); // the packument cache rebuilds from the kept copy
  const b = (await t.request({ url: '/up-lib' })).json().versions['1.0.0'].dist.signatures;
  assert.deepEqual(a, b);
});

test('attestations of a proxied version come from its upstream once, then from the kept copy', async () => {
  for (const [url, asked] of [['/-/npm/v1/attestations/up-lib@1.0.0', '/-/npm/v1/attestations/up-lib@1.0.0'], ['/-/npm/v1/attestations/@up%2fscoped@1.0.0', '/-/npm/v1/attestations/@up%2Fscoped@1.0.0']]) {
    for (let i = 0; i < 2; i++) {
      const res = await t.request({ url });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), ATTESTATIONS);
    }
    assert.equal(up.requests.filter((r) => r.url === asked).length, 1, url);
  }
  const none = await t.request({ url: '/-/npm/v1/attestations/up-lib@9.9.9' });
  assert.equal(none.statusCode, 404);
});

test('the upstream rotates its key: a packument signed by a key the kept list lacks makes the next key list ask again, within the list\'s hour', async () => {
  assert.ok((await keys()).some((k) => k.keyid === upstreamKey.keyid), 'the old list is kept');
  const newKey = signingKeyFromBase64(generateSigningKey(), null);
  up.overrides.set('/-/npm/v1/keys', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys: [publicKeyEntry(upstreamKey.publicKey, new Date().toISOString()), publicKeyEntry(newKey.publicKey, null)] }) });
  const dist = up.addVersion('rotated-lib', '1.0.0', Buffer.from('rotated bytes')) as Record<string, unknown>;
  dist.signatures = [signVersion(newKey, 'rotated-lib', '1.0.0', dist.integrity as string)];
  assert.equal((await t.request({ url: '/rotated-lib', headers: { accept: ABBREVIATED } })).statusCode, 200);
  const list = await keys();
  assert.ok(list.some((k) => k.keyid === newKey.keyid), 'the new upstream key is listed at once');
  assert.ok(list.find((k) => k.keyid === upstreamKey.keyid)?.expires, 'the old one with its expiry');
});

test('with the upstream down, its kept keys are still listed and kept attestations served', async () => {
  clock.advanceMs(2 * 3600_000);
  await up.close();
  const kept = (await keys()).map((k) => k.keyid);
  assert.equal(kept[0], t.deps.signing!.current().keyid);
  assert.ok(kept.includes(upstreamKey.keyid) && kept.length === 3, 'the kept list (after the rotation above: both upstream keys)');
  assert.equal((await t.request({ url: '/-/npm/v1/attestations/up-lib@1.0.0' })).statusCode, 200);
  const res = await t.request({ url: '/-/npm/v1/attestations/never-seen@1.0.0' });
  assert.ok(res.statusCode === 502 || res.statusCode === 504, `${res.statusCode} ${res.body}`);
});
