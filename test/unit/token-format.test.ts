// Token secrets' shape and the Authorization header's bearer token (src/core/tokens/format.ts,
// src/http/context.ts bearerFrom): the loop that replaced the regular expression on the read
// fast path accepts and refuses exactly what the expression did.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateTokenSecret, hasTokenShape, isWellFormedToken } from '../../src/core/tokens/format.ts';
import { bearerFrom } from '../../src/http/context.ts';

const SHAPE = /^tsr_[0-9A-Za-z]{36}$/;

describe('token shape', () => {
  it('accepts generated secrets, whose checksum is right too', () => {
    for (let i = 0; i < 200; i++) {
      const s = generateTokenSecret();
      assert.ok(hasTokenShape(s), s);
      assert.ok(isWellFormedToken(s), s);
    }
  });

  it('agrees with the regular expression on look-alikes', () => {
    const good = generateTokenSecret();
    const cases = [
      good,
      good.slice(0, -1),
      `${good}a`,
      `TSR_${good.slice(4)}`,
      `tsr-${good.slice(4)}`,
      `${good.slice(0, 10)}_${good.slice(11)}`,
      `${good.slice(0, 10)} ${good.slice(11)}`,
      `${good.slice(0, 10)}é${good.slice(11)}`,
      `${good.slice(0, 10)}\u0660${good.slice(11)}`,
      `${good.slice(0, 39)}\n`,
      `${good.slice(0, 39)}/`,
      `${good.slice(0, 39)}:`,
      `${good.slice(0, 39)}@`,
      `${good.slice(0, 39)}[`,
      `${good.slice(0, 39)}\``,
      `${good.slice(0, 39)}{`,
      '',
      'tsr_',
    ];
    for (const c of cases) {
      assert.equal(hasTokenShape(c), SHAPE.test(c), JSON.stringify(c));
      // In place, inside the header, as bearerFrom asks.
      assert.equal(hasTokenShape(`Bearer ${c}`, 7), SHAPE.test(c), `Bearer ${JSON.stringify(c)}`);
    }
  });
});

describe('bearer token of an Authorization header', () => {
  const token = generateTokenSecret();
  it('reads what npm sends, and the other spellings RFC 6750 allows', () => {
    assert.equal(bearerFrom(`Bearer ${token}`), token);
    assert.equal(bearerFrom(`bearer ${token}`), token);
    assert.equal(bearerFrom(`BEARER  ${token} `), token);
    assert.equal(bearerFrom(`Bearer\t${token}`), token);
    assert.equal(bearerFrom('Bearer not-our-shape'), 'not-our-shape');
  });

  it('is null for no header, another scheme, or more than one word', () => {
    assert.equal(bearerFrom(undefined), null);
    assert.equal(bearerFrom(''), null);
    assert.equal(bearerFrom(`Basic ${token}`), null);
    assert.equal(bearerFrom('Bearer '), null);
    assert.equal(bearerFrom(`Bearer ${token} extra`), null);
    assert.equal(bearerFrom(`Bearer${token}`), null);
  });
});
