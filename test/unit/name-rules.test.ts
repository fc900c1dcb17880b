// The rules for new package names, user names, similar names and CIDR entries, as functions.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usernameProblem } from '../../src/core/accounts/names.ts';
import { isUrlSafe, newPackageNameProblem, packageNameProblem, similarNameKey } from '../../src/core/packages/names.ts';
import { cidrProblem, parseCidr } from '../../src/core/tokens/cidr.ts';

test('new package names: the reviewer\'s list and siblings are refused', () => {
  for (const name of [
    '-dash', '-', '--x', '@-/x', '@-x/y', '@namer/-', '@namer/-x', '@namer/x.', 'x.', 'my-pkg.', '@namer/..x',
    '@namer/node_modules', '@namer/favicon.ico', 'node_modules', 'favicon.ico',
    'con', 'nul', 'aux', 'prn', 'com1', 'lpt9', 'con.js', '@namer/con', '@namer/aux.txt',
    '.x', '_x', '@_x/y', '@.x/y', 'x~', '(x)', 'x*', "x'", 'x!', 'Upper', 'a b', '', 'http', 'fs',
  ]) {
    assert.notEqual(newPackageNameProblem(name), null, name);
  }
});

test('new package names: ordinary names pass', () => {
  for (const name of ['my-pkg', 'my_pkg', 'my.pkg', 'mypkg', 'a', '0x', 'x-', 'x_', '@namer/x', '@namer/x.y', '@a-b/c_d', 'lodash.merge', 'console-x', 'conx', 'com10']) {
    assert.equal(newPackageNameProblem(name), null, name);
  }
});

test('an existing scope stays usable for new packages whatever it looks like; a new one must start with a letter or digit', () => {
  assert.notEqual(newPackageNameProblem('@-legacy/x'), null);
  assert.equal(newPackageNameProblem('@-legacy/x', { scopeExists: true }), null);
  assert.notEqual(newPackageNameProblem('@-legacy/-x', { scopeExists: true }), null, 'the bare name is still checked');
});

test('names that may already exist (token limits) follow only the old rules', () => {
  for (const name of ['-dash', 'x.', '@-/x', '@namer/-', 'con']) assert.equal(packageNameProblem(name), null, name);
  for (const name of ['', 'Upper', '.x', '_x', 'a b', 'node_modules']) assert.notEqual(packageNameProblem(name), null, name);
});

test('isUrlSafe answers as encodeURIComponent(x) === x, for every UTF-16 code unit and some strings', () => {
  for (let c = 0; c < 0x10000; c++) {
    const x = String.fromCharCode(c);
    let same: boolean;
    try {
      same = encodeURIComponent(x) === x;
    } catch {
      same = false; // a lone surrogate: encodeURIComponent throws, and it is not URL-safe
    }
    assert.equal(isUrlSafe(x), same, `U+${c.toString(16)}`);
  }
  for (const x of ['', 'lodash', 'a-b.c_d~e', "it's(ok)!*", 'a b', 'a/b', 'a%20b', 'é', '😀']) {
    assert.equal(isUrlSafe(x), encodeURIComponent(x) === x, x);
  }
});

test('a lone surrogate in a name is a problem named, not a URIError', () => {
  for (const name of ['x\ud800', '@scope/x\udc00', '@s\ud800/x']) {
    assert.match(newPackageNameProblem(name) ?? '', /URL-safe/, JSON.stringify(name));
    assert.match(packageNameProblem(name) ?? '', /URL-safe/, JSON.stringify(name));
  }
});

test('similar-name keys: punctuation and case removed, the scope kept', () => {
  for (const name of ['my-pkg', 'my_pkg', 'my.pkg', 'mypkg', 'MyPkg', 'm.y-p_k.g']) assert.equal(similarNameKey(name), 'mypkg', name);
  assert.equal(similarNameKey('@namer/my-pkg'), '@namer/mypkg');
  assert.equal(similarNameKey('@na-mer/my_pkg'), '@na-mer/mypkg');
  assert.notEqual(similarNameKey('@namer/mypkg'), similarNameKey('mypkg'));
});

test('user names must be usable as a scope: the anchored subset', () => {
  for (const name of ['alice~', '(alice)', 'alice*', '!x', '_x', 'x.', 'namer.', 'namer_', 'namer-', '-x', '.x', 'a b', 'Alice', "o'neil", 'a/b', '@a', '', 'a%20']) {
    assert.notEqual(usernameProblem(name), null, name);
  }
  for (const name of ['alice', 'a', '0', 'a.b', 'a-b', 'a_b', 'x1', 'constructor']) assert.equal(usernameProblem(name), null, name);
  for (const name of ['alice', 'a.b', 'a-b', 'a_b']) assert.equal(newPackageNameProblem(`@${name}/x`), null, `@${name}/x`);
});

test('CIDR entries that can never match a client are named', () => {
  assert.match(cidrProblem('')!, /blank/);
  assert.match(cidrProblem(' ')!, /blank/);
  assert.match(cidrProblem(7)!, /not a string/);
  assert.match(cidrProblem('fe80::1%eth0/64')!, /zone id/);
  assert.match(cidrProblem('::ffff:192.0.2.0/120')!, /write 192\.0\.2\.0\/24/);
  assert.match(cidrProblem('10.0.0.0')!, /not a CIDR range/);
  assert.equal(cidrProblem('10.1.2.3/8'), null, 'host bits are cleared, not refused');
  assert.equal(cidrProblem('::/0'), null);
  assert.equal(cidrProblem('::ffff:0:0/95'), null, 'a range wider than the mapped block still matches IPv6 clients');
  assert.equal(parseCidr('::ffff:10.0.0.0/104'), null, 'stored mapped ranges are not ranges (they match nobody)');
  assert.equal(parseCidr('fe80::1%eth0/64'), null);
});
