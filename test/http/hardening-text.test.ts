// Nothing a registry serves can drive a terminal: control characters in client-set text are
// refused at the edge (400 naming the field, never echoing it), the whitespace real packages
// hold is kept, user agents are stored escaped, and `tessera user log` prints controls escaped.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { webBrowser } from '../support/web-browser.ts';
import { PASSWORD, startApp, type TestApp } from '../support/app.ts';
import { publishBody } from '../support/tarball.ts';
import { controlCharacterIn, escapeControls, manifestTextProblem } from '../../src/core/text.ts';

let t: TestApp;
let alice: string;
const ESC = '\u001b';
before(async () => {
  t = await startApp({});
  alice = await t.signUp('alice');
  const res = await t.request({ method: 'PUT', url: '/good-pkg', token: alice, payload: publishBody('good-pkg', '1.0.0') });
  assert.equal(res.statusCode, 201, res.body);
});
after(() => t.close());

const errorOf = (res: LightMyRequestResponse) => (JSON.parse(res.body) as { error: string }).error;

test('the kinds of text: line, text and document hold only the whitespace they allow', () => {
  assert.equal(controlCharacterIn('plain text é ✓', 'line'), null);
  assert.deepEqual(controlCharacterIn('a\tb', 'line'), { index: 1, codePoint: 'U+0009' });
  assert.equal(controlCharacterIn('a\tb\r\nc', 'text'), null);
  assert.deepEqual(controlCharacterIn('a\fb', 'text'), { index: 1, codePoint: 'U+000C' });
  assert.equal(controlCharacterIn('a\fb\vc\r\n\t', 'document'), null);
  for (const c of ['\u0000', '\u0007', '\u001b', '\u007f', '\u0080', '\u009b', '\u009d', '\u009f']) {
    assert.ok(controlCharacterIn(`x${c}`, 'document'), `U+${c.charCodeAt(0).toString(16)}`);
  }
  assert.equal(escapeControls(`a${ESC}[2J\u009b31m\u0007\n`), 'a\\x1b[2J\\x9b31m\\x07\\n');
  assert.match(manifestTextProblem({ author: { email: `a${ESC}@x.y` } }, 'm') ?? '', /^m\.author\.email holds the control character U\+001B/);
  assert.match(manifestTextProblem({ bin: { [`x${ESC}`]: 'a.js' } }, 'm') ?? '', /^the key m\.bin\["x\\\\x1b"\]/);
  assert.match(manifestTextProblem({ keywords: ['a', 'b\n'] }, 'm') ?? '', /^m\.keywords\[1\]/);
  assert.equal(manifestTextProblem({ description: 'two\nlines', scripts: { build: 'a &&\nb' }, readme: 'x\r\n\f\t' }, 'm'), null);
});

test('a lone carriage return and the reordering characters are refused (the second outside attack\'s siblings)', () => {
  // A lone CR makes npm view print the rest over the start of the line: only CRLF is a line end.
  assert.deepEqual(controlCharacterIn('harmless\rEVIL', 'text'), { index: 8, codePoint: 'U+000D' });
  assert.deepEqual(controlCharacterIn('ok\r\nok\r', 'document'), { index: 6, codePoint: 'U+000D' });
  assert.equal(controlCharacterIn('ok\r\nok', 'text'), null);
  // Bidirectional overrides and isolates, line and paragraph separators: in every field but the readme.
  for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u2028', '\u2029']) {
    assert.ok(controlCharacterIn(`a${c}b`, 'line'), `line U+${c.charCodeAt(0).toString(16)}`);
    assert.ok(controlCharacterIn(`a${c}b`, 'text'), `text U+${c.charCodeAt(0).toString(16)}`);
    assert.equal(controlCharacterIn(`a${c}b`, 'document'), null);
  }
  assert.match(manifestTextProblem({ description: 'harmless\rEVIL' }, 'm') ?? '', /^m\.description holds the control character U\+000D/);
  assert.match(manifestTextProblem({ scripts: { test: 'echo "\u202egnp.exe"' } }, 'm') ?? '', /^m\.scripts\.test holds the formatting character U\+202E/);
  assert.equal(escapeControls('a\u202eb\u2028'), 'a\\u202eb\\u2028');
  // Right-to-left text itself, and the marks that real RTL text uses, stay fine.
  assert.equal(controlCharacterIn('שלום \u200f عربي', 'line'), null);
});

test('real packages publish: CRLF, tabs and form feeds in the readme, line feeds in scripts and descriptions', async () => {
  const manifest = {
    readme: '# Title\r\n\r\n\tindented\r\n\fNext page\r\n',
    description: 'first line\nsecond line',
    scripts: { 'asbuild:base64': 'echo "/** @internal */\nexport const BINARY = 1;" > x.ts' },
    keywords: ['ünïcödé', 'emoji ✓'],
    release: { message: 'chore(release): ${nextRelease.version}\n\n${nextRelease.notes}' },
  };
  const res = await t.request({ method: 'PUT', url: '/real-pkg', token: alice, payload: publishBody('real-pkg', '1.0.0', { manifest }) });
  assert.equal(res.statusCode, 201, res.body);
  const doc = JSON.parse((await t.request({ url: '/real-pkg' })).body);
  assert.equal(doc.versions['1.0.0'].scripts['asbuild:base64'], manifest.scripts['asbuild:base64']);
  assert.equal(doc.readme, manifest.readme);
});

test('the reviewer\'s publish (OSC 8 link in the description, CSI in a keyword) is refused, naming the field', async () => {
  for (const [manifest, field] of [
    [{ description: `nice ${ESC}]8;;https://evil.example/${ESC}\\CLICK${ESC}]8;;${ESC}\\ ${ESC}[31mRED` }, 'versions["1.0.0"].description'],
    [{ keywords: [`k${ESC}[32mGREEN`] }, 'versions["1.0.0"].keywords[0]'],
    [{ author: { name: 'Ann', email: `a\u009b2J@x.y` } }, 'versions["1.0.0"].author.email'],
  ] as const) {
    const res = await t.request({ method: 'PUT', url: '/esc-pkg', token: alice, payload: publishBody('esc-pkg', '1.0.0', { manifest }) });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(JSON.parse(res.body).code, 'INVALID_PUBLISH');
    assert.ok(errorOf(res).startsWith(`${field} holds the control character`), errorOf(res));
    assert.ok(!/\p{Cc}/u.test(errorOf(res)));
  }
  assert.equal((await t.request({ url: '/esc-pkg' })).statusCode, 404);
});

test('deprecations with escape sequences are refused in npm\'s form (the whole document) and pnpm\'s; plain ones work', async () => {
  const doc = JSON.parse((await t.request({ url: '/good-pkg?write=true', token: alice })).body);
  const send = (message: string) => {
    const body = structuredClone(doc);
    body.versions['1.0.0'].deprecated = message;
    return t.request({ method: 'PUT', url: `/good-pkg/-rev/${doc._rev}`, token: alice, payload: body });
  };
  for (const bad of [`old ${ESC}[31mRED${ESC}[0m ${ESC}]0;TITLE\u0007`, 'old \u009b2J', 'line one\nnpm warn fake line']) {
    const res = await send(bad);
    assert.equal(res.statusCode, 400, res.body);
    assert.match(errorOf(res), /^"deprecated" holds the control character/);
    const partial = await t.request({ method: 'PUT', url: '/good-pkg', token: alice, payload: { versions: { '1.0.0': { deprecated: bad } } } });
    assert.equal(partial.statusCode, 400, partial.body);
  }
  assert.equal((await send('use other-pkg — it is faster')).statusCode, 200);
  assert.equal(JSON.parse((await t.request({ url: '/good-pkg' })).body).versions['1.0.0'].deprecated, 'use other-pkg — it is faster');
});

test('e-mails, profile fields, token names and descriptions refuse control characters; plain ones work', async () => {
  const signup = await t.request({ method: 'PUT', url: '/-/user/org.couchdb.user:bob', payload: { name: 'bob', password: PASSWORD, email: `x${ESC}]0;OWNER-TITLE\u0007${ESC}[2J@evil.example` } });
  assert.equal(signup.statusCode, 400, signup.body);
  for (const body of [{ email: `x${ESC}]0;T\u0007@evil.example` }, { email: 'x\u009d0;T@evil.example' }, { fullname: 'Ada\u009b2J' }, { github: `a${ESC}` }]) {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: alice, payload: body });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(!/\p{Cc}/u.test(errorOf(res)));
  }
  const token = { password: PASSWORD, packages_all: true, packages_and_scopes_permission: 'read-only' };
  for (const body of [{ ...token, name: `${ESC}]0;PWNED-TITLE\u0007${ESC}[2J` }, { ...token, name: 'tab\tname' }, { ...token, name: null, description: `d${ESC}[2J` }]) {
    const res = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: alice, payload: body });
    assert.equal(res.statusCode, 400, res.body);
  }
  const ok = await t.request({ method: 'POST', url: '/-/npm/v1/tokens', token: alice, payload: { ...token, name: 'CI — déploiement', description: 'line one\nline two' } });
  assert.equal(ok.statusCode, 201, ok.body);
  const fine = await t.request({ method: 'POST', url: '/-/npm/v1/user', token: alice, payload: { fullname: 'Ada Lovelace-Byron', email: 'ada+npm@example.com' } });
  assert.equal(fine.statusCode, 200, fine.body);
});

test('the web forms (profile, tokens, sign-up) refuse control characters too', async () => {
  const { get, post } = webBrowser(t);
  await get('/-/web/signup');
  const signup = await post('/-/web/signup', { name: 'webby', email: `w${ESC}[2J@example.com`, password: PASSWORD, password2: PASSWORD });
  assert.equal(signup.statusCode, 400, signup.body);
  await get('/-/web/login');
  assert.equal((await post('/-/web/login', { name: 'alice', password: PASSWORD, next: '/-/web/' })).statusCode, 303);
  await get('/-/web/profile');
  const profile = await post('/-/web/profile', { fullname: `Ada${ESC}]0;T\u0007` });
  assert.equal(profile.statusCode, 400);
  assert.match(profile.body, /control character/);
  await get('/-/web/tokens');
  const tok = await post('/-/web/tokens', { name: `n${ESC}[2J`, password: PASSWORD, permission: 'read-only', coverage: 'all' });
  assert.equal(tok.statusCode, 400);
  assert.match(tok.body, /control character/);
});

test('user agents are stored escaped (Node lets C1 through as latin1), and tessera user log prints no raw control character', async () => {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as { port: number }).port;
  const body = JSON.stringify({ name: 'alice', password: 'wrong password, wrong' });
  const request = Buffer.concat([
    Buffer.from(`PUT /-/user/org.couchdb.user:alice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\nUser-Agent: npm/11 `, 'latin1'),
    Buffer.from([0x9b, 0x32, 0x4a, 0x9d, 0x30, 0x3b, 0x54, 0x9c]),
    Buffer.from(`\r\n\r\n${body}`),
  ]);
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 401/);
  const log = JSON.parse((await t.request({ url: '/-/tessera/v1/security-log', token: alice })).body);
  const failed = log.objects.find((e: { type: string }) => e.type === 'login-failed');
  assert.equal(failed.user_agent, 'npm/11 \\x9b2J\\x9d0;T\\x9c');

  // Rows written before the fix (or by another writer) hold raw controls: the CLI escapes them.
  const db = new Database(join(t.dataDir, 'tessera.db'));
  db.prepare("UPDATE security_events SET user_agent = ?, detail = ? WHERE type = 'login-failed'").run(`npm/11 \u009b2J${ESC}[31m`, JSON.stringify({ reason: 'x\u009d0;T\u0007' }));
  db.close();
  for (const json of [[], ['--json']]) {
    const out = execFileSync(process.execPath, ['bin/tessera.js', 'user', 'log', 'alice', '--data', t.dataDir, ...json], { encoding: 'utf8' });
    assert.match(out, /login-failed/);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(out), JSON.stringify(out));
    if (json.length) assert.ok(JSON.parse(out).some((e: { userAgent: string }) => e.userAgent === `npm/11 \u009b2J${ESC}[31m`));
    else assert.match(out, /npm\/11 \\x9b2J\\x1b\[31m/);
  }
});
