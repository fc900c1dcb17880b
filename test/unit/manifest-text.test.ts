// manifestTextProblem (src/core/text.ts) first tests a manifest in one quick pass and walks it
// for the path only on a hit: the two must agree with the per-string rule (controlCharacterIn)
// for every kind of field, nested or not, keys included.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlCharacterIn, manifestTextProblem, type TextKind } from '../../src/core/text.ts';

const ALPHABET = ['a', 'é', ' ', '\t', '\n', '\r', '\r\n', '\v', '\f', '\x1b', '\x00', '\x7f', '\x85', '\x9b', '\u202e', '\u2066', '\u2028', '\u2029', '\u00a0', '😀'];
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const text = () => Array.from({ length: Math.floor(random() * 6) }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');

// [how the string is placed in a manifest, the kind its field has]
const PLACES: Array<[(s: string) => Record<string, unknown>, TextKind]> = [
  [(s) => ({ name: s }), 'line'],
  [(s) => ({ keywords: ['ok', s] }), 'line'],
  [(s) => ({ author: { name: 'x', email: s } }), 'line'],
  [(s) => ({ dependencies: { a: s } }), 'line'],
  [(s) => ({ description: s }), 'text'],
  [(s) => ({ scripts: { test: s } }), 'text'],
  [(s) => ({ custom: [{ deep: [s] }] }), 'text'],
  [(s) => ({ readme: s }), 'document'],
  [(s) => ({ scripts: { [s]: 'x' } }), 'line'], // a key
  [(s) => ({ [`k${s}`]: 'x' }), 'line'], // a top-level key
];

test('the quick pass and the walk agree with controlCharacterIn for every kind of field, key and nesting', () => {
  let refused = 0;
  for (let i = 0; i < 4000; i++) {
    const s = text();
    const [place, kind] = PLACES[i % PLACES.length];
    const expected = controlCharacterIn(place === PLACES[9][0] ? `k${s}` : s, kind) !== null;
    const problem = manifestTextProblem(place(s), 'versions["1.0.0"]');
    assert.equal(problem !== null, expected, `${JSON.stringify(s)} as ${kind} in ${JSON.stringify(place(s))}: ${problem}`);
    if (problem) refused++;
  }
  assert.ok(refused > 500 && refused < 3500, `refused ${refused}`);
});

test('a clean manifest with readme line ends, CRLF and tabs passes; depth over 64 is still refused', () => {
  const m = { name: 'p', description: 'a\tb\r\nc\n', readme: '# t\r\n\fpage\v\n', scripts: { build: 'a &&\n b' } };
  assert.equal(manifestTextProblem(m, 'm'), null);
  let deep: unknown = 'x';
  for (let i = 0; i < 70; i++) deep = { d: deep };
  assert.match(manifestTextProblem({ custom: deep }, 'm') ?? '', /nested more than 64 levels/);
  assert.match(manifestTextProblem({ description: 'a\rb' }, 'm') ?? '', /U\+000D/);
});
