// `tessera proxy purge NAME|--all` (the real command, beside a running server on the same data):
// cached packuments and tarball rows go, blobs go unless a local version shares them, and the
// running server fetches afresh.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startApp, type TestApp } from '../support/app.ts';
import { makeTarball, publishBodyFor } from '../support/tarball.ts';
import { startUpstream, type TestUpstream } from '../support/upstream.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
let up: TestUpstream;
let t: TestApp;

before(async () => {
  up = await startUpstream();
  t = await startApp({ upstream: up.url });
});

after(async () => {
  await t.close();
  await up.close();
});

function tessera(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function fill(name: string): Promise<string> {
  await t.request({ method: 'GET', url: `/${name}` });
  const res = await t.request({ method: 'GET', url: `/${name}/-/${name}-1.0.0.tgz` });
  assert.equal(res.statusCode, 200);
  const row = await t.deps.store.proxy.getTarball(name, `${name}-1.0.0.tgz`);
  assert.ok(row);
  return row.blobKey;
}

test('purge NAME forgets that package only; its blob goes; the running server fetches afresh', async () => {
  up.addVersion('purged', '1.0.0', randomBytes(1000));
  up.addVersion('kept', '1.0.0', randomBytes(1000));
  const purgedKey = await fill('purged');
  const keptKey = await fill('kept');
  const asked = up.requests.filter((r) => r.url === '/purged').length;
  const result = await tessera(['proxy', 'purge', 'purged', '--data', t.dataDir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Purged purged: 1 cached packument\(s\), 1 tarball\(s\) deleted/);
  assert.equal(await t.deps.store.proxy.getPackument('purged', 'full'), null);
  assert.equal(await t.deps.store.proxy.getTarball('purged', 'purged-1.0.0.tgz'), null);
  assert.equal(await t.deps.blobs.get(purgedKey), null);
  assert.ok(await t.deps.blobs.get(keptKey));
  assert.ok(await t.deps.store.proxy.getPackument('kept', 'full'));
  // The server notices the other process's commit (SQLite data_version) and drops its copies.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal((await t.request({ method: 'GET', url: '/purged' })).statusCode, 200);
  assert.equal(up.requests.filter((r) => r.url === '/purged').length, asked + 1);
});

test('purge --all keeps a blob that a local version shares, and the usage is printed for no argument', async () => {
  const owner = await t.signUp('owner');
  const bytes = makeTarball({ 'package.json': JSON.stringify({ name: 'local-twin', version: '1.0.0', main: 'index.js' }), 'index.js': '' });
  const pub = await t.request({ method: 'PUT', url: '/local-twin', payload: publishBodyFor('local-twin', '1.0.0', bytes), token: owner });
  assert.equal(pub.statusCode, 201, pub.body);
  up.addVersion('proxied-twin', '1.0.0', bytes);
  const key = await fill('proxied-twin');
  assert.equal(key, createHash('sha512').update(bytes).digest('hex'));
  const result = await tessera(['proxy', 'purge', '--all', '--data', t.dataDir]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await t.deps.store.proxy.getTarball('proxied-twin', 'proxied-twin-1.0.0.tgz'), null);
  assert.ok(await t.deps.blobs.get(key), 'the local version still has its tarball');
  assert.equal((await t.request({ method: 'GET', url: '/local-twin/-/local-twin-1.0.0.tgz' })).statusCode, 200);
  const usage = await tessera(['proxy', 'purge']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: tessera proxy purge NAME\|--all/);
});
