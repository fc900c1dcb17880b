// What the real npm CLI sees after an administrator's `tessera package unpublish` (docs/admin.md,
// "Packages"): the command runs as its own process against the data folder of a running server,
// which drops the version from its caches (the store's change feed) so npm view no longer lists it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { adduser, type Npm } from './harness/npm.ts';
import { api } from './harness/http.ts';
import { expectOk } from './harness/expect.ts';
import { binPath, cleanEnv, repoRoot, type RunningServer, startServer } from './harness/server.ts';

const PASSWORD = 'quartz-Lantern-47-mosaic';
const T = { timeout: 180_000 };

let server: RunningServer;
let npm: Npm;
before(async () => {
  server = await startServer();
  npm = (await adduser(server.url, 'pub', PASSWORD, server)).npm;
});
after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

function tessera(...args: string[]): string {
  return execFileSync(process.execPath, [binPath, ...args, '--data', server.dataDir], { cwd: repoRoot, env: cleanEnv(), encoding: 'utf8' });
}

test('after tessera package unpublish x@1.0.1, npm view x versions no longer lists it, and npm publish of it is refused', T, async () => {
  for (const v of ['1.0.0', '1.0.1']) expectOk(await npm.run(['publish'], { cwd: npm.makePackage('taken-down', v) }), `npm publish ${v}`, server);
  let r = await npm.run(['view', 'taken-down', 'versions', '--json']);
  expectOk(r, 'npm view (before)', server);
  assert.deepEqual(JSON.parse(r.stdout), ['1.0.0', '1.0.1']);

  assert.equal(tessera('package', 'unpublish', 'taken-down@1.0.1', '--reason', 'leaked a secret'), 'Unpublished taken-down@1.0.1: it can never be published again under the same version.\n');
  // The server learns of the other process's change by its data_version poll: wait for it.
  const deadline = Date.now() + 20_000;
  while ((await api(server.url, '/taken-down/1.0.1')).status !== 404) {
    assert.ok(Date.now() < deadline, 'the server still serves taken-down@1.0.1');
    await new Promise((res) => setTimeout(res, 50));
  }
  r = await npm.run(['view', 'taken-down', 'versions', '--json', '--prefer-online']);
  expectOk(r, 'npm view (after)', server);
  assert.deepEqual(JSON.parse(r.stdout), ['1.0.0']);
  r = await npm.run(['publish'], { cwd: npm.makePackage('taken-down', '1.0.1') });
  assert.notEqual(r.code, 0, 'an unpublished version stays burned');
});
