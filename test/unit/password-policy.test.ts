import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  checkNewPassword,
  normalizePassword,
} from '../../src/core/accounts/password-policy.ts';

const ctx = { username: 'alice', email: 'alice.smith@example.com' };
const GOOD = 'violet kettle orbit 42';

test('a long, uncommon passphrase is accepted', () => {
  assert.equal(checkNewPassword(GOOD, ctx), null);
});

test('fewer than 15 characters is refused, 15 is accepted', () => {
  assert.equal(PASSWORD_MIN_LENGTH, 15);
  assert.match(checkNewPassword('kq8#Lm2!vX9@pR', ctx) ?? '', /at least 15/);
  assert.equal(checkNewPassword('kq8#Lm2!vX9@pRz', ctx), null);
});

test('length counts Unicode code points, so 15 emoji are enough', () => {
  const emoji = '🦊🐢🌵🍋🚲🎲🧲🪁🛶🌋🦉🍄🧊🎻🪐';
  assert.equal([...emoji].length, 15);
  assert.ok(emoji.length > 15);
  assert.equal(checkNewPassword(emoji, ctx), null);
  assert.match(checkNewPassword(emoji.slice(0, -2), ctx) ?? '', /at least 15/);
});

test('up to 128 characters is accepted, 129 is refused', () => {
  assert.equal(PASSWORD_MAX_LENGTH, 128);
  const base = 'violet kettle orbit 42 ';
  const long = base.repeat(6).slice(0, 128);
  assert.equal(checkNewPassword(long, ctx), null);
  assert.match(checkNewPassword(`${long}x`, ctx) ?? '', /at most 128/);
});

test('64 characters (the minimum maximum required) is accepted', () => {
  assert.equal(checkNewPassword('correct-horse-battery-staple-in-a-very-long-sentence-of-words-42'.slice(0, 64), ctx), null);
});

test('spaces, punctuation and non-Latin letters are accepted without composition rules', () => {
  assert.equal(checkNewPassword('все лошади едят овёс', ctx), null);
  assert.equal(checkNewPassword('only lowercase letters here', ctx), null);
});

test('control characters are refused', () => {
  assert.match(checkNewPassword('violet kettle\u0000orbit 42', ctx) ?? '', /control characters/);
  assert.match(checkNewPassword('violet kettle\norbit 42', ctx) ?? '', /control characters/);
});

test('an unpaired surrogate is refused', () => {
  assert.match(checkNewPassword('violet kettle orbit \ud800 42', ctx) ?? '', /invalid Unicode/);
});

test('the username, in any case, is refused', () => {
  const user = { username: 'alexandria-the-great' };
  assert.match(checkNewPassword('alexandria-the-great', user) ?? '', /username/);
  assert.match(checkNewPassword('ALEXANDRIA-THE-GREAT', user) ?? '', /username/);
});

test('the username with only digits or symbols added is refused', () => {
  assert.match(checkNewPassword('alice2024!!!!!!!!', ctx) ?? '', /username/);
  assert.match(checkNewPassword('AliceAliceAlice1', ctx) ?? '', /username/);
});

test('the e-mail address and its local part are refused', () => {
  assert.match(checkNewPassword('alice.smith@example.com', ctx) ?? '', /e-mail/);
  assert.match(checkNewPassword('alice.smith1234567', ctx) ?? '', /e-mail/);
});

test('the product name with digits is refused', () => {
  assert.match(checkNewPassword('Tessera123456789', ctx) ?? '', /registry name/);
  assert.match(checkNewPassword('npm-npm-npm-npm-2024', ctx) ?? '', /registry name/);
});

test('extra context words supplied by the caller are refused', () => {
  const withName = { ...ctx, extraWords: ['Acme Packages'] };
  assert.match(checkNewPassword('acmepackages2025!', withName) ?? '', /registry name/);
});

test('a passphrase that merely contains the username is accepted', () => {
  assert.equal(checkNewPassword('alice likes violet kettles', ctx), null);
});

test('a very common long password is refused, whatever its case and spacing', () => {
  for (const pw of ['passwordpassword', 'PasswordPassword', '1q2w3e4r5t6y7u8i', 'correct horse battery staple']) {
    assert.match(checkNewPassword(pw, ctx) ?? '', /too common/, pw);
  }
});

test('a caller-supplied blocklist is honoured', () => {
  const blocklist = new Set(['violetkettleorbit42']);
  assert.match(checkNewPassword(GOOD, { ...ctx, blocklist }) ?? '', /too common/);
});

test('one repeated character, a short repeated unit, or a plain sequence is refused', () => {
  for (const pw of ['zzzzzzzzzzzzzzzz', '               ', 'abcabcabcabcabcabc', 'x1x1x1x1x1x1x1x1', 'ab12ab12ab12ab12']) {
    assert.match(checkNewPassword(pw, ctx) ?? '', /repeated or sequential/, JSON.stringify(pw));
  }
  assert.match(checkNewPassword('lmnopqrstuvwxyz', ctx) ?? '', /sequential/);
  assert.match(checkNewPassword('ZYXWVUTSRQPONMLK', ctx) ?? '', /sequential/);
});

test('the password is NFKC-normalised for length and blocklist checks', () => {
  assert.equal(normalizePassword('ﬁ'), 'fi');
  assert.equal(normalizePassword('Ａｌｉｃｅ'), 'Alice');
  // Fullwidth letters normalise to the username.
  assert.match(checkNewPassword('Ａｌｉｃｅ１２３４５６７８９０', ctx) ?? '', /username/);
});
