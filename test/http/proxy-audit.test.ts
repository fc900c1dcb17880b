// npm audit through the proxy (issue 15 item 6): proxied names are forwarded to their upstream
// and its advisories returned unchanged; local names (published here, `@user` scopes, claimed
// scopes, local-only rules) never reach any upstream; an upstream that is down gives 503 and
// one that answers garbage 502, each a JSON error naming it. Real upstream servers (node:http)
// record exactly what they receive.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startApp, type TestApp } from '../support/app.ts';
import { ADVISORIES, type AuditUpstream, deadPort, quickReport, startAuditUpstream } from '../support/audit-upstream.ts';
import { publishBody } from '../support/tarball.ts';

const BULK = '/-/npm/v1/security/advisories/bulk';
const QUICK = '/-/npm/v1/security/audits/quick';
const LOCAL_NAMES = ['private-lib', '@alice/scoped', '@alice/never-published', '@team/tool', '@team/other', '@corp/secret', 'corp-only'];

let npmjs: AuditUpstream;
let mirror: AuditUpstream;
let t: TestApp;
let alice: string;

/** Tessera with two upstreams: `@mirror/*` from `mirror`, `@corp/*` and `corp-only` local only, everything else from `npmjs` (with a token). */
async function appWith(extra: Record<string, unknown> = {}, flags: Record<string, string> = {}): Promise<TestApp> {
  const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'tessera-audit-cfg-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      upstreams: [
        { name: 'npmjs', url: npmjs.url, token: 'upstream-secret-token', timeoutSeconds: 1 },
        { name: 'mirror', url: mirror.url, timeoutSeconds: 1 },
      ],
      proxyRules: [
        { pattern: '@corp/*', upstream: 'none' },
        { pattern: 'corp-only', upstream: 'none' },
        { pattern: '@mirror/*', upstream: 'mirror' },
        { pattern: '*', upstream: 'npmjs' },
      ],
      ...extra,
    }),
  );
  // `upstream` must not be `none` (the test default) for the upstreams above to be used.
  return startApp({ config: file, upstream: 'http://127.0.0.1:9/', ...flags });
}

before(async () => {
  npmjs = await startAuditUpstream();
  mirror = await startAuditUpstream();
  t = await appWith();
  alice = await t.signUp('alice');
  for (const name of ['private-lib', '@alice/scoped', '@team/tool']) {
    const res = await t.request({ method: 'PUT', url: `/${name.replace('/', '%2f')}`, token: alice, payload: publishBody(name, '1.0.0') });
    assert.equal(res.statusCode, 201, res.body);
  }
  npmjs.requests.length = 0;
  mirror.requests.length = 0;
});

after(async () => {
  await t?.close();
  await npmjs?.close();
  await mirror?.close();
});

const gz = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));
const post = (app: TestApp, url: string, body: unknown, token?: string) =>
  app.request({ method: 'POST', url, token, headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' }, payload: gz(body) });

/** No recorded request of either upstream, in any part, mentions a local name. */
function assertNoLocalNameSent() {
  for (const r of [...npmjs.requests, ...mirror.requests]) {
    const all = `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.body}`;
    for (const name of LOCAL_NAMES) assert.ok(!all.includes(name), `${name} was sent upstream: ${all.slice(0, 300)}`);
  }
}

test('bulk audit: proxied names go to their upstream, advisories come back unchanged, local names stay home', async () => {
  const body = {
    lodash: ['4.17.11', '4.17.21'],
    minimist: ['1.2.5'],
    'left-pad': ['1.3.0'],
    '@mirror/x': ['1.0.0'],
    'private-lib': ['1.0.0'], // published here
    '@alice/scoped': ['1.0.0'], // published here, in a user's scope
    '@alice/never-published': ['1.0.0'], // a local user's scope
    '@team/other': ['1.0.0'], // a scope claimed here
    '@corp/secret': ['2.0.0'], // a local-only rule
    'corp-only': ['1.0.0'], // a local-only rule (exact name)
  };
  const res = await post(t, BULK, body, alice);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { lodash: ADVISORIES.lodash, minimist: ADVISORIES.minimist, '@mirror/x': ADVISORIES['@mirror/x'] });

  assert.equal(npmjs.requests.length, 1);
  const [toNpmjs] = npmjs.requests;
  assert.equal(toNpmjs.method, 'POST');
  assert.equal(toNpmjs.url, BULK);
  assert.equal(toNpmjs.headers.authorization, 'Bearer upstream-secret-token', "the upstream's own credential, not the client's");
  assert.deepEqual(JSON.parse(toNpmjs.body), { lodash: ['4.17.11', '4.17.21'], minimist: ['1.2.5'], 'left-pad': ['1.3.0'] });
  assert.equal(mirror.requests.length, 1);
  assert.deepEqual(JSON.parse(mirror.requests[0].body), { '@mirror/x': ['1.0.0'] });
  assert.equal(mirror.requests[0].headers.authorization, undefined);
  assertNoLocalNameSent();
  assert.ok(!JSON.stringify([...npmjs.requests, ...mirror.requests]).includes(alice), "the client's token is never forwarded");
});

test('bulk audit of local names only: "no advisories" and no upstream is asked', async () => {
  npmjs.requests.length = 0;
  mirror.requests.length = 0;
  const res = await post(t, BULK, { 'private-lib': ['1.0.0'], '@corp/secret': ['1.0.0'], '@alice/x': ['1.0.0'] });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {});
  assert.equal(npmjs.requests.length + mirror.requests.length, 0);
});

test('a bulk body that is not {name: [versions]} is a 400 naming what is wrong, and nothing is forwarded', async () => {
  npmjs.requests.length = 0;
  for (const body of [[], { lodash: '4.17.11' }, { lodash: [1] }]) {
    const res = await post(t, BULK, body);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().code, 'BAD_REQUEST');
    assert.match(res.json().error, /audit body/);
  }
  assert.equal(npmjs.requests.length, 0);
});

test("quick audit (npm 6's tree): the tree sent upstream holds no local package, no project name and no URL", async () => {
  npmjs.requests.length = 0;
  mirror.requests.length = 0;
  const body = {
    name: 'corp-secret-app',
    version: '1.0.0',
    requires: { lodash: '^4.17.0', 'private-lib': '^1.0.0', '@corp/secret': '^2.0.0' },
    dependencies: {
      lodash: { version: '4.17.11', integrity: 'sha512-x', resolved: 'http://registry.test/lodash/-/lodash-4.17.11.tgz', requires: { 'private-lib': '^1.0.0' } },
      'private-lib': { version: '1.0.0', requires: { minimist: '^1.2.0' }, dependencies: { minimist: { version: '1.2.5' } } },
      '@corp/secret': { version: '2.0.0' },
    },
    install: [],
    remove: [],
    metadata: { npm_version: '6.14.18', node_version: 'v20.20.0', platform: 'linux' },
  };
  const res = await post(t, QUICK, body, alice);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(npmjs.requests.length, 1);
  assert.equal(mirror.requests.length, 0);
  const sent = JSON.parse(npmjs.requests[0].body);
  assert.equal(npmjs.requests[0].url, QUICK);
  assert.deepEqual(sent, {
    requires: { lodash: '^4.17.0' },
    dependencies: { lodash: { version: '4.17.11', integrity: 'sha512-x', requires: {} } },
    install: [],
    remove: [],
    metadata: { npm_version: '6.14.18', node_version: 'v20.20.0', platform: 'linux' },
  });
  assert.ok(!npmjs.requests[0].body.includes('corp-secret-app') && !npmjs.requests[0].body.includes('registry.test'));
  assert.deepEqual(res.json(), quickReport(sent), "the upstream's report, unchanged");
  assertNoLocalNameSent();
});

test('quick audit with names of two upstreams: each gets its own, the reports are merged', async () => {
  npmjs.requests.length = 0;
  mirror.requests.length = 0;
  const res = await post(t, QUICK, { requires: { lodash: '^4', '@mirror/x': '^1' }, dependencies: { lodash: { version: '4.17.11' }, '@mirror/x': { version: '1.0.0' } } }, alice);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(Object.keys(JSON.parse(npmjs.requests[0].body).dependencies), ['lodash']);
  assert.deepEqual(Object.keys(JSON.parse(mirror.requests[0].body).dependencies), ['@mirror/x']);
  const report = res.json();
  assert.deepEqual(Object.keys(report.advisories).sort(), ['1106913', '42']);
  assert.equal(report.metadata.vulnerabilities.critical, 1);
  assert.equal(report.metadata.vulnerabilities.low, 1);
});

test('quick audit of local names only keeps the "no advisories" report', async () => {
  npmjs.requests.length = 0;
  const res = await post(t, QUICK, { name: 'app', requires: { 'private-lib': '^1' }, dependencies: { 'private-lib': { version: '1.0.0' } } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().advisories, {});
  assert.equal(res.json().metadata.dependencies, 1);
  assert.equal(npmjs.requests.length, 0);
});

test('an upstream that is down: 503 JSON naming it, for both endpoints, never a partial answer', async () => {
  const port = await deadPort();
  const down = await startApp({ upstream: `http://127.0.0.1:${port}/` });
  try {
    for (const [url, body] of [
      [BULK, { lodash: ['4.17.11'] }],
      [QUICK, { dependencies: { lodash: { version: '4.17.11' } } }],
    ] as const) {
      const res = await post(down, url, body);
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().code, 'UPSTREAM_UNAVAILABLE');
      assert.match(res.json().error, new RegExp(`The upstream default \\(127\\.0\\.0\\.1:${port}\\) cannot be reached \\(ECONNREFUSED\\)\\. npm audit cannot check the packages that come from it`));
    }
  } finally {
    await down.close();
  }
  // With two upstreams, one down makes the whole audit 503 (a partial answer would read as "0 vulnerabilities").
  await mirror.close();
  try {
    const res = await post(t, BULK, { lodash: ['4.17.11'], '@mirror/x': ['1.0.0'] });
    assert.equal(res.statusCode, 503, res.body);
    assert.match(res.json().error, /The upstream mirror \(127\.0\.0\.1:\d+\) cannot be reached/);
  } finally {
    mirror = await startAuditUpstream(mirror.port);
  }
});

test('an upstream that answers garbage: 502 JSON naming it and the reason; 5xx and silence: 503', async () => {
  const cases: Array<[AuditUpstream['mode'], number, RegExp]> = [
    ['html', 502, /answered the audit with content type "text\/html", not JSON/],
    ['not-json', 502, /sent an audit answer that is not valid JSON/],
    ['array', 502, /sent a bad audit answer \(not a JSON object\)/],
    ['bad-entry', 502, /sent a bad audit answer \(the entry for lodash is not an array of advisories\)/],
    ['status-404', 502, /answered the audit with status 404/],
    ['redirect', 502, /answered the audit with a redirect \(302\)/],
    ['huge', 502, /sent an audit answer of more than 16777216 bytes/],
    ['status-500', 503, /answered the audit with status 500/],
    ['hang', 503, /did not answer the audit within 1 s/],
  ];
  try {
    for (const [mode, status, reason] of cases) {
      npmjs.mode = mode;
      const res = await post(t, BULK, { lodash: ['4.17.11'] });
      assert.equal(res.statusCode, status, `${mode}: ${res.body}`);
      assert.equal(res.json().code, status === 502 ? 'UPSTREAM_BAD_ANSWER' : 'UPSTREAM_UNAVAILABLE', mode);
      assert.match(res.json().error, /^The upstream npmjs \(127\.0\.0\.1:\d+\) /, mode);
      assert.match(res.json().error, reason, mode);
      assert.doesNotMatch(res.body, /upstream-secret-token/, 'no credential in the error');
    }
    npmjs.mode = 'array';
    const quick = await post(t, QUICK, { dependencies: { lodash: { version: '4.17.11' } } });
    assert.equal(quick.statusCode, 502, quick.body);
  } finally {
    npmjs.mode = 'ok';
  }
});

test('with proxyReaders "users": anonymous audits of proxied names are refused with 401, of local names answered', async () => {
  const members = await appWith({ proxyReaders: 'users' });
  try {
    const token = await members.signUp('bob');
    npmjs.requests.length = 0;
    const anon = await post(members, BULK, { lodash: ['4.17.11'] });
    assert.equal(anon.statusCode, 401, anon.body);
    assert.equal(anon.json().code, 'UNAUTHENTICATED');
    assert.equal(npmjs.requests.length, 0);
    const local = await post(members, BULK, { '@bob/x': ['1.0.0'] });
    assert.equal(local.statusCode, 200);
    assert.deepEqual(local.json(), {});
    const signedIn = await post(members, BULK, { lodash: ['4.17.11'] }, token);
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    assert.deepEqual(signedIn.json(), { lodash: ADVISORIES.lodash });
  } finally {
    await members.close();
  }
});
