// Upstream credentials (issue #15, item 1): an upstream's bearer token (config or environment)
// or Basic auth is sent with every request to it, packuments and tarballs alike, each upstream
// its own; the client's own credentials are never passed on.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startApp, type TestApp } from '../support/app.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

let bearerUp: TestUpstream;
let basicUp: TestUpstream;
let t: TestApp;
let dir: string;

before(async () => {
  bearerUp = await startUpstream();
  basicUp = await startUpstream();
  process.env.TESSERA_TEST_UP_TOKEN = 'up-token-123';
  process.env.TESSERA_TEST_UP_PASSWORD = 'up pass';
  dir = mkdtempSync(join(tmpdir(), 'tessera-upstream-auth-'));
  const config = join(dir, 'tessera.json');
  writeFileSync(config, JSON.stringify({
    upstreams: [
      { name: 'tokened', url: bearerUp.url, tokenEnv: 'TESSERA_TEST_UP_TOKEN' },
      { name: 'basic', url: basicUp.url, username: 'mirror', passwordEnv: 'TESSERA_TEST_UP_PASSWORD' },
    ],
    proxyRules: [
      { pattern: '@corp/*', upstream: 'basic' },
      { pattern: '*', upstream: 'tokened' },
    ],
  }));
  t = await startApp({ config, upstream: bearerUp.url });
});

after(async () => {
  await t.close();
  await bearerUp.close();
  await basicUp.close();
  delete process.env.TESSERA_TEST_UP_TOKEN;
  delete process.env.TESSERA_TEST_UP_PASSWORD;
  rmSync(dir, { recursive: true, force: true });
});

test('each upstream gets its own credentials on packument and tarball requests; the client\'s token never leaves', async () => {
  const client = await t.signUp('reader');
  bearerUp.addVersion('public-lib', '1.0.0', Buffer.from('public bytes'));
  basicUp.addVersion('@corp/kit', '2.0.0', Buffer.from('corp bytes'));
  for (const [path, tarball] of [['/public-lib', '/public-lib/-/public-lib-1.0.0.tgz'], ['/@corp%2fkit', '/@corp/kit/-/kit-2.0.0.tgz']]) {
    assert.equal((await t.request({ url: path, token: client })).statusCode, 200, path);
    assert.equal((await t.request({ url: tarball, token: client })).statusCode, 200, tarball);
  }
  assert.ok(bearerUp.requests.length >= 2 && basicUp.requests.length >= 2, 'both upstreams were asked for a packument and a tarball');
  for (const r of bearerUp.requests) assert.equal(r.authorization, 'Bearer up-token-123', r.url);
  const basic = `Basic ${Buffer.from('mirror:up pass').toString('base64')}`;
  for (const r of basicUp.requests) assert.equal(r.authorization, basic, r.url);
  for (const r of [...bearerUp.requests, ...basicUp.requests]) assert.ok(!r.authorization?.includes(client), r.url);
});
