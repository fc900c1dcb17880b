// The relying party of a public URL (W3C WebAuthn L3 5.1.3): a host name is the RP ID and the
// origin is scheme, host and port; an IP address cannot be an RP ID, so passkeys are off.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relyingPartyOf } from '../../src/core/accounts/passkey-policy.ts';
import { parsePasskeyResponse, passkeyBinding } from '../../src/core/accounts/passkey-assertion.ts';
import { isDomainError } from '../../src/core/errors.ts';

test('a host name is the RP ID, the origin keeps scheme and port; a path does not matter', () => {
  assert.deepEqual(relyingPartyOf('http://localhost:4873/', 'Tessera'), { rpId: 'localhost', origin: 'http://localhost:4873', name: 'Tessera' });
  assert.deepEqual(relyingPartyOf('https://npm.example.com/registry/', 'Acme'), { rpId: 'npm.example.com', origin: 'https://npm.example.com', name: 'Acme' });
});

test('an IP address (IPv4 or IPv6) cannot be an RP ID: passkeys are off', () => {
  for (const url of ['http://127.0.0.1:4873/', 'http://[::1]:4873/', 'https://10.0.0.8/', 'http://[2001:db8::1]/']) assert.equal(relyingPartyOf(url, 'T'), null, url);
});

test('a challenge binding depends on the holder and the action', () => {
  assert.notEqual(passkeyBinding('session-a', 'sign-in'), passkeyBinding('session-b', 'sign-in'));
  assert.notEqual(passkeyBinding('session-a', 'sign-in'), passkeyBinding('session-a', 'remove:x'));
  assert.equal(passkeyBinding('s', 'a'), passkeyBinding('s', 'a'));
});

test('a browser answer is read only when well formed; anything else is BAD_REQUEST naming the problem', () => {
  const client = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');
  const ok = parsePasskeyResponse(JSON.stringify({ id: 'abc_-', type: 'public-key', response: { clientDataJSON: client({ challenge: 'Q2hhbA' }) } }));
  assert.equal(ok.id, 'abc_-');
  assert.equal(ok.challenge, 'Q2hhbA');
  const bad: Array<[unknown, RegExp]> = [
    [undefined, /missing/],
    ['{', /not JSON/],
    ['"x"', /not an object/],
    [JSON.stringify({ id: 'a b', type: 'public-key' }), /"id"/],
    [JSON.stringify({ id: 'a', type: 'password' }), /"type"/],
    [JSON.stringify({ id: 'a', type: 'public-key', response: {} }), /clientDataJSON/],
    [JSON.stringify({ id: 'a', type: 'public-key', response: { clientDataJSON: 'bm90IGpzb24' } }), /base64url JSON/],
    [JSON.stringify({ id: 'a', type: 'public-key', response: { clientDataJSON: client({ challenge: 5 }) } }), /no challenge/],
    ['x'.repeat(40_000), /longer than/],
  ];
  for (const [input, why] of bad) {
    assert.throws(() => parsePasskeyResponse(input), (e: unknown) => isDomainError(e) && e.code === 'BAD_REQUEST' && why.test(e.message), String(input).slice(0, 40));
  }
});
