import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateTotpSecret,
  hotpCode,
  matchTotp,
  otpauthUrl,
  totpCode,
  totpStep,
  type HotpAlgorithm,
} from '../../src/core/accounts/totp.ts';

// RFC 6238 Appendix B seeds (ASCII). The RFC's table names only the 20-byte seed; its Appendix A
// reference code repeats the digits to 32 and 64 bytes for SHA-256 and SHA-512, and only those
// reproduce the table.
const SEED_SHA1 = Buffer.from('12345678901234567890', 'ascii');
const SEED_SHA256 = Buffer.from('12345678901234567890123456789012', 'ascii');
const SEED_SHA512 = Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii');
// Base32 of SEED_SHA1 (RFC 4648).
const SEED_SHA1_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

const RFC6238_VECTORS: ReadonlyArray<readonly [number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

const RFC4226_VECTORS = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

const AT = (step: number): number => step * 30_000 + 12_345; // a time inside `step`

test('HOTP reproduces the ten RFC 4226 Appendix D codes', () => {
  RFC4226_VECTORS.forEach((expected, counter) => {
    assert.equal(hotpCode(SEED_SHA1, BigInt(counter)), expected, `counter ${counter}`);
  });
});

test('TOTP reproduces all eighteen RFC 6238 Appendix B 8-digit codes', () => {
  const seeds: ReadonlyArray<readonly [HotpAlgorithm, Buffer]> = [
    ['sha1', SEED_SHA1],
    ['sha256', SEED_SHA256],
    ['sha512', SEED_SHA512],
  ];
  for (const [seconds, ...codes] of RFC6238_VECTORS) {
    const step = BigInt(totpStep(seconds * 1000));
    seeds.forEach(([algorithm, seed], i) => {
      assert.equal(hotpCode(seed, step, 8, algorithm), codes[i], `${algorithm} at ${seconds}`);
    });
  }
});

test('the 6-digit SHA-1 code is the last six digits of the RFC 6238 vector, including T beyond 2^32', () => {
  for (const [seconds, sha1] of RFC6238_VECTORS) {
    assert.equal(totpCode(SEED_SHA1_BASE32, totpStep(seconds * 1000)), sha1.slice(2), `at ${seconds}`);
  }
  // 20000000000 s gives T = 0x27BC86AA; the 64-bit counter path must be exercised for T > 2^32 too.
  assert.equal(hotpCode(SEED_SHA1, 2n ** 32n + 1n).length, 6);
});

test('the step is floor(seconds / 30) from the Unix epoch', () => {
  assert.equal(totpStep(0), 0);
  assert.equal(totpStep(29_999), 0);
  assert.equal(totpStep(30_000), 1);
  assert.equal(totpStep(59_000), 1);
  assert.equal(totpStep(1111111111_000), 0x023523ed);
});

test('a generated secret is 160 bits of Base32 without padding and differs each time', () => {
  const a = generateTotpSecret();
  const b = generateTotpSecret();
  assert.match(a, /^[A-Z2-7]{32}$/); // 20 bytes = 160 bits = 32 Base32 characters, no '='
  assert.notEqual(a, b);
  assert.match(totpCode(a, 1), /^[0-9]{6}$/);
});

test('a lower-case secret gives the same code as upper case', () => {
  assert.equal(totpCode(SEED_SHA1_BASE32.toLowerCase(), 1), '287082');
});

test('a secret that is not Base32 is refused', () => {
  assert.throws(() => totpCode('NOT-BASE32!', 1), TypeError);
  assert.throws(() => totpCode('', 1), TypeError);
});

test('the current step code is accepted and its step returned', () => {
  const step = 40_000_000;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step), AT(step)), step);
});

test('codes from one step ago and one step ahead are accepted', () => {
  const step = 40_000_000;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step - 1), AT(step)), step - 1);
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step + 1), AT(step)), step + 1);
});

test('a code from two steps ago is refused', () => {
  const step = 40_000_000;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step - 2), AT(step)), null);
});

test('a code from two steps ahead is refused', () => {
  const step = 40_000_000;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step + 2), AT(step)), null);
});

test('the step boundaries are exact: the last millisecond of a step still accepts its neighbours', () => {
  const step = 40_000_000;
  const lastMs = (step + 1) * 30_000 - 1;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step - 1), lastMs), step - 1);
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step - 1), lastMs + 1), null);
});

test('window 0 accepts only the current step', () => {
  const step = 40_000_000;
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step), AT(step), 0), step);
  assert.equal(matchTotp(SEED_SHA1_BASE32, totpCode(SEED_SHA1_BASE32, step - 1), AT(step), 0), null);
});

test('a window wider than one step cannot be requested', () => {
  assert.throws(() => matchTotp(SEED_SHA1_BASE32, '123456', AT(5), 2), RangeError);
  assert.throws(() => matchTotp(SEED_SHA1_BASE32, '123456', AT(5), -1), RangeError);
});

test('a code that is not exactly six ASCII digits is refused', () => {
  const step = 40_000_000;
  const code = totpCode(SEED_SHA1_BASE32, step);
  for (const bad of [code.slice(1), `${code}0`, ` ${code}`, `${code} `, '12345a', '', '١٢٣٤٥٦', `00${code}`]) {
    assert.equal(matchTotp(SEED_SHA1_BASE32, bad, AT(step)), null, JSON.stringify(bad));
  }
});

test('a wrong code is refused', () => {
  const step = 40_000_000;
  const valid = new Set([step - 1, step, step + 1].map((s) => totpCode(SEED_SHA1_BASE32, s)));
  const wrong = ['000000', '111111', '999999', '123456'].find((c) => !valid.has(c));
  assert.ok(wrong !== undefined);
  assert.equal(matchTotp(SEED_SHA1_BASE32, wrong, AT(step)), null);
});

test('at the epoch, step -1 is not checked', () => {
  assert.equal(matchTotp(SEED_SHA1_BASE32, '755224', 0), 0); // RFC 4226 counter 0
  assert.equal(matchTotp(SEED_SHA1_BASE32, '287082', 0), 1); // counter 1 (step +1)
});

test('a negative or non-finite server time is refused', () => {
  assert.throws(() => matchTotp(SEED_SHA1_BASE32, '123456', -1), RangeError);
  assert.throws(() => matchTotp(SEED_SHA1_BASE32, '123456', Number.NaN), RangeError);
});

test('the provisioning URL carries SHA1, 6 digits, period 30 and the issuer prefix', () => {
  const url = otpauthUrl({ issuer: 'Tessera', username: 'alice', secret: 'JBSWY3DPEHPK3PXP' });
  assert.equal(
    url,
    'otpauth://totp/Tessera:alice?secret=JBSWY3DPEHPK3PXP&issuer=Tessera&algorithm=SHA1&digits=6&period=30',
  );
  // npm reads the secret with the WHATWG URL parser.
  assert.equal(new URL(url).searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
});

test('label and issuer are percent-encoded, spaces as %20', () => {
  const url = otpauthUrl({ issuer: 'My Registry & Co', username: 'bob@example.com', secret: 'JBSWY3DPEHPK3PXP' });
  assert.ok(url.startsWith('otpauth://totp/My%20Registry%20%26%20Co:bob%40example.com?'), url);
  const parsed = new URL(url);
  assert.equal(parsed.searchParams.get('issuer'), 'My Registry & Co');
  assert.ok(url.includes('&issuer=My%20Registry%20%26%20Co&'));
  assert.ok(!url.includes('+'));
});

test('a colon in issuer or username, or a padded secret, is refused in the provisioning URL', () => {
  assert.throws(() => otpauthUrl({ issuer: 'a:b', username: 'alice', secret: 'JBSWY3DP' }), TypeError);
  assert.throws(() => otpauthUrl({ issuer: 'Tessera', username: 'al:ice', secret: 'JBSWY3DP' }), TypeError);
  assert.throws(() => otpauthUrl({ issuer: 'Tessera', username: 'alice', secret: 'JBSWY3DPEE======' }), TypeError);
  assert.throws(() => otpauthUrl({ issuer: '', username: 'alice', secret: 'JBSWY3DP' }), TypeError);
});

test('a generated secret round-trips through the provisioning URL', () => {
  const secret = generateTotpSecret();
  const url = new URL(otpauthUrl({ issuer: 'Tessera', username: 'alice', secret }));
  const fromUrl = url.searchParams.get('secret');
  assert.equal(fromUrl, secret);
  const now = 1_700_000_000_000;
  assert.equal(matchTotp(secret, totpCode(fromUrl ?? '', totpStep(now)), now), totpStep(now));
});
