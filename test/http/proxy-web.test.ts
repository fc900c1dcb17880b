// The proxy in the web UI (issue #15, item 8): signed-in users see the upstreams and their
// state; a proxied package's page says where it comes from and which versions are held back.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';
import { webBrowser } from '../support/web-browser.ts';

let up: TestUpstream;
let t: TestApp;

before(async () => {
  up = await startUpstream();
  const config = join(mkdtempSync(join(tmpdir(), 'tessera-proxy-web-')), 'tessera.yaml');
  writeFileSync(
    config,
    `upstreams:\n  - name: public\n    url: ${up.url}\n    token: not-shown\nproxyRules:\n  - pattern: "@acme/*"\n    upstream: none\n  - pattern: "*"\n    upstream: public\n    minReleaseAgeHours: 72\n`,
  );
  t = await startApp({ upstream: up.url, config });
});

after(async () => {
  await t.close();
  await up.close();
});

async function signedIn() {
  await t.signUp('viewer');
  const b = webBrowser(t);
  await b.get('/-/web/login');
  const res = await b.post('/-/web/login', { name: 'viewer', password: 'violet kettle orbit 42', next: '/-/web/' });
  assert.equal(res.statusCode, 303, res.body);
  return b;
}

test('the upstreams page lists each upstream, its rules and state, never its credentials; it needs a session', async () => {
  assert.equal((await t.request({ url: '/-/web/upstreams' })).statusCode, 303, 'anonymous: to the sign-in page');
  const b = await signedIn();
  let page = await b.get('/-/web/upstreams');
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<td data-label="Upstream">public<\/td>/);
  assert.match(page.body, /bearer auth/);
  assert.doesNotMatch(page.body, /not-shown/);
  assert.match(page.body, /not asked yet/);
  assert.match(page.body, /local only\): <code>@acme\/\*<\/code>/);
  // After a failing fetch the state says so, with the reason.
  up.overrides.set('/broken', { status: 500, body: 'no' });
  assert.equal((await t.request({ url: '/broken' })).statusCode, 502);
  page = await b.get('/-/web/upstreams');
  assert.match(page.body, /failing/);
  assert.match(page.body, /The upstream public/);
});

test('a proxied package page says where it comes from and lists held-back versions with the reason', async () => {
  const old = new Date(Date.now() - 30 * 86400_000).toISOString();
  up.addVersion('web-lib', '1.0.0', Buffer.from('one'), { time: old });
  up.addVersion('web-lib', '1.1.0', Buffer.from('two'), { time: new Date().toISOString() });
  assert.equal((await t.request({ url: '/web-lib' })).statusCode, 200, 'cached by a read');
  const b = webBrowser(t); // proxyReaders: anyone
  const page = await b.get('/-/web/package/web-lib');
  assert.equal(page.statusCode, 200, page.body);
  assert.match(page.body, /Comes from<\/dt><dd>the upstream <strong>public<\/strong>/);
  assert.match(page.body, /Held back \(1\)/);
  assert.match(page.body, /1\.1\.0<\/td><td data-label="Why">web-lib@1\.1\.0 was published/);
  assert.match(page.body, /<dt>Latest<\/dt><dd>1\.0\.0<\/dd>/);
  // Nothing cached yet: a plain 404 page, and no upstream request from a page view.
  const asked = up.requests.length;
  assert.equal((await b.get('/-/web/package/never-read')).statusCode, 404);
  assert.equal(up.requests.length, asked);
});
