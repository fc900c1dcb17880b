// Property-based tests (fast-check) of the validation at the edge of the registry.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseOtp } from '../../src/core/accounts/otp-input.ts';
import { matchTotp, totpCode } from '../../src/core/accounts/totp.ts';
import { emailProblem, usernameProblem } from '../../src/core/accounts/names.ts';
import { isDomainError } from '../../src/core/errors.ts';
import { isPlausiblePackageName, newPackageNameProblem, parsePackageName } from '../../src/core/packages/names.ts';
import { validatePublishBody, verifyPublishTarball } from '../../src/core/packages/publish-body.ts';
import { publishBody } from '../support/tarball.ts';

const MAX = 10 * 1024 * 1024;

/** Runs a validator: it either accepts or throws a 4xx domain error, never anything else. */
function onlyDomainErrors(f: () => unknown): 'ok' | 'refused' {
  try {
    f();
    return 'ok';
  } catch (e) {
    assert.ok(isDomainError(e), `threw a non-domain error: ${String(e)}`);
    assert.ok(['bad-input', 'forbidden', 'too-large'].includes(e.kind), e.kind);
    return 'refused';
  }
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const paths = ['name', '_id', 'versions', 'dist-tags', 'access', '_attachments', 'versions.1.0.0', 'versions.1.0.0.name', 'versions.1.0.0.version', 'versions.1.0.0.dist', 'versions.1.0.0.dist.integrity', 'versions.1.0.0.dist.shasum', '_attachments.prop-pkg-1.0.0.tgz', '_attachments.prop-pkg-1.0.0.tgz.data', '_attachments.prop-pkg-1.0.0.tgz.length'];

function setPath(obj: any, path: string, value: unknown) {
  const keys = path === 'versions.1.0.0' ? ['versions', '1.0.0'] : path.startsWith('versions.1.0.0.') ? ['versions', '1.0.0', ...path.slice(15).split('.')] : path.startsWith('_attachments.prop-pkg-1.0.0.tgz') ? ['_attachments', 'prop-pkg-1.0.0.tgz', ...path.slice(32).split('.').filter(Boolean)] : path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) return;
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

test('property: a valid publish body is accepted, and any one corrupted field is refused with a 4xx (never a crash)', () => {
  const good = publishBody('prop-pkg', '1.0.0');
  assert.equal(onlyDomainErrors(() => validatePublishBody('prop-pkg', structuredClone(good), MAX)), 'ok');
  fc.assert(
    fc.property(fc.constantFrom(...paths), jsonValue, (path, value) => {
      const body = structuredClone(good);
      setPath(body, path, value);
      onlyDomainErrors(() => validatePublishBody('prop-pkg', body, MAX));
    }),
    { numRuns: 400 },
  );
});

test('property: flipping any byte of the tarball is caught by the integrity check', async () => {
  const good = publishBody('prop-pkg', '1.0.0');
  const bytes = Buffer.from(good._attachments['prop-pkg-1.0.0.tgz'].data, 'base64');
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
      const body = structuredClone(good);
      const copy = Buffer.from(bytes);
      copy[at] ^= xor;
      body._attachments['prop-pkg-1.0.0.tgz'].data = copy.toString('base64');
      const request = validatePublishBody('prop-pkg', body, MAX);
      const outcome = await verifyPublishTarball('prop-pkg', request, { maxUnpackedBytes: MAX }).then(
        () => 'ok',
        (e: unknown) => (isDomainError(e) && e.kind === 'bad-input' ? 'refused' : `threw ${String(e)}`),
      );
      assert.equal(outcome, 'refused');
    }),
  );
});

test('property: package names accepted for new packages are lower case, URL-safe and parse', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^(@[a-z0-9._~-]{1,10}\/)?[a-zA-Z0-9._~!*'()-]{1,20}$/)), (name) => {
      const problem = newPackageNameProblem(name);
      if (problem !== null) return;
      assert.equal(name, name.toLowerCase());
      const parsed = parsePackageName(name);
      assert.ok(parsed);
      assert.equal(encodeURIComponent(parsed.bare), parsed.bare);
      assert.ok(isPlausiblePackageName(name));
      assert.ok(!name.startsWith('.') && !name.startsWith('_'));
    }),
    { numRuns: 2000 },
  );
});

test('property: user names and e-mails never crash the validators; accepted names are URL-safe', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      if (usernameProblem(s) === null) {
        assert.equal(encodeURIComponent(s), s);
        assert.equal(s, s.toLowerCase());
      }
      void emailProblem(s);
    }),
  );
});

test('property: the OTP parser classifies every input as none, totp, recovery or invalid', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[0-9 ]{6,8}$/), fc.stringMatching(/^[0-9a-fA-F]{64}$/)), (s) => {
      const p = parseOtp(s);
      if (p.kind === 'totp') assert.match(p.code, /^\d{6}$/);
      if (p.kind === 'recovery') assert.match(p.code, /^[0-9a-f]{64}$/);
      if (s.replace(/\s/g, '').length === 0) assert.equal(p.kind, 'none');
    }),
  );
});

test('property: a TOTP code matches only its own step and the steps next to it', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  fc.assert(
    fc.property(fc.integer({ min: 10, max: 2 ** 31 }), fc.integer({ min: -5, max: 5 }), (step, offset) => {
      const code = totpCode(secret, step + offset);
      const matched = matchTotp(secret, code, step * 30_000 + 15_000);
      // Two steps share a code about once in 10^6: then the nearer step is the match.
      if (Math.abs(offset) <= 1) assert.ok(matched !== null && Math.abs(matched - step) <= 1, `${step}+${offset}`);
      if (matched !== null) {
        assert.equal(totpCode(secret, matched), code);
        assert.ok(Math.abs(matched - step) <= 1);
      }
    }),
  );
});

test('property: random 6-digit guesses almost never match', () => {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  let hits = 0;
  fc.assert(
    fc.property(fc.stringMatching(/^\d{6}$/), (guess) => {
      if (matchTotp(secret, guess, 1_700_000_000_000) !== null) hits++;
    }),
    { numRuns: 3000 },
  );
  assert.ok(hits <= 2, `${hits} random guesses matched`);
});

test('property: any well-formed archive reads whole with the right counts; anything after its end-of-archive marker is refused', async () => {
  const { readTarball } = await import('../../src/core/packages/tarball.ts');
  const { tarArchive } = await import('../support/tarball.ts');
  const { gzipSync } = await import('node:zlib');
  // contents made of runs of zero and non-zero blocks, so zero blocks fall anywhere
  const content = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 1100 })), { maxLength: 4 }).map((runs) =>
    Buffer.concat(runs.map(([zero, n]) => (zero ? Buffer.alloc(n) : Buffer.alloc(n, 7)))),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(content, { maxLength: 5 }), fc.integer({ min: 0, max: 20 }), async (files, padBlocks) => {
      const entries = [{ path: 'package/package.json', content: '{}' }, ...files.map((c, i) => ({ path: `package/f${i}`, content: c }))];
      const archive = tarArchive(entries);
      const ok = await readTarball(gzipSync(Buffer.concat([archive, Buffer.alloc(padBlocks * 512)])), { maxUnpackedBytes: MAX });
      assert.equal(ok.fileCount, entries.length);
      assert.equal(ok.unpackedSize, 2 + files.reduce((n, c) => n + c.length, 0));
      const extra = tarArchive([{ path: 'package/late', content: 'x' }]);
      const late = await readTarball(gzipSync(Buffer.concat([archive, Buffer.alloc(padBlocks * 512), extra])), { maxUnpackedBytes: MAX }).then(
        () => 'accepted',
        (e: unknown) => (isDomainError(e) ? 'refused' : String(e)),
      );
      assert.equal(late, 'refused');
    }),
    { numRuns: 150 },
  );
});
