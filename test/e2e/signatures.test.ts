// `npm audit signatures` with the real npm CLI against Tessera (issue 19): packages published to
// Tessera, scoped and unscoped, report verified registry signatures; after `tessera keys rotate`
// old and new versions both verify; an integrity altered in the stored metadata is reported as
// an invalid signature, and a version without its signature as missing.
//
// Offline, npm's first step (asking Sigstore's TUF repository for this registry's keys) fails
// and npm exits before asking the registry; harness/tuf-offline.cjs gives npm the online answer
// ("no such target"), after which npm fetches /-/npm/v1/keys as it does online. A second Tessera
// proxying the first shows proxied packages verifying too (the upstream's keys listed beside its own).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { expectOk } from './harness/expect.ts';
import { adduser, makeNpm, type Npm } from './harness/npm.ts';
import { expectNpmPublished } from './harness/publishing.ts';
import { runTessera, startServer, type RunningServer } from './harness/server.ts';

const T = { timeout: 180_000 };
const PRELOAD = fileURLToPath(new URL('./harness/tuf-offline.cjs', import.meta.url));
const AUDIT_ENV = { NODE_OPTIONS: `--require ${PRELOAD}` };
let server: RunningServer;
let alice: Npm;

before(async () => {
  server = await startServer({ args: ['--log-level', 'warn'] });
  ({ npm: alice } = await adduser(server.url, 'alice', 'quartz-Lantern-47-mosaic', server));
  await expectNpmPublished(server, alice, 'sig-plain', '1.0.0');
  await expectNpmPublished(server, alice, '@alice/sig-scoped', '1.0.0', ['--access', 'public']);
});

after(async () => {
  if (server) await server.stop().catch(() => server.kill9());
});

async function install(specs: string[]): Promise<string> {
  const project = alice.makeProject();
  expectOk(await alice.run(['install', ...specs], { cwd: project }), `npm install ${specs.join(' ')}`, server);
  return project;
}

const audit = (project: string) => alice.run(['audit', 'signatures', '--prefer-online'], { cwd: project, env: AUDIT_ENV });

test('npm audit signatures: scoped and unscoped packages from Tessera are all verified', T, async () => {
  const project = await install(['sig-plain@1.0.0', '@alice/sig-scoped@1.0.0']);
  const r = await audit(project);
  expectOk(r, 'npm audit signatures', server);
  assert.match(r.stdout, /audited 2 packages/);
  assert.match(r.stdout, /2 packages have verified registry signatures/);
  assert.doesNotMatch(r.stdout, /missing|invalid/);
});

test('after tessera keys rotate, versions signed with the old key and the new one both verify', T, async () => {
  const rotated = await runTessera(['keys', 'rotate', '--data', server.dataDir]);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /New signing key SHA256:/);
  const keys = (await (await fetch(new URL('-/npm/v1/keys', server.url))).json()) as { keys: Array<{ expires: string | null }> };
  assert.equal(keys.keys.length, 2);
  assert.equal(keys.keys[0].expires, null);
  assert.notEqual(keys.keys[1].expires, null);
  await expectNpmPublished(server, alice, 'sig-plain', '1.1.0');
  const project = await install(['sig-plain@1.1.0', '@alice/sig-scoped@1.0.0']);
  const r = await audit(project);
  expectOk(r, 'npm audit signatures after rotation', server);
  assert.match(r.stdout, /2 packages have verified registry signatures/);
});

test('through a Tessera that proxies this one, proxied packages verify too: the upstream\'s signatures and keys beside the proxy\'s own', T, async () => {
  const proxy = await startServer({ env: { TESSERA_UPSTREAM: server.url }, args: ['--log-level', 'warn'] });
  try {
    const npm = makeNpm(proxy.url);
    const project = npm.makeProject();
    expectOk(await npm.run(['install', 'sig-plain@1.1.0', '@alice/sig-scoped@1.0.0'], { cwd: project }), 'npm install through the proxy', proxy);
    const keys = (await (await fetch(new URL('-/npm/v1/keys', proxy.url))).json()) as { keys: Array<{ keyid: string }> };
    const upstreamKeys = (await (await fetch(new URL('-/npm/v1/keys', server.url))).json()) as { keys: Array<{ keyid: string }> };
    assert.equal(keys.keys.length, 1 + upstreamKeys.keys.length, 'the proxy lists its key and the upstream\'s');
    const doc = (await (await fetch(new URL('sig-plain', proxy.url))).json()) as { versions: Record<string, { dist: { signatures: unknown[] } }> };
    assert.equal(doc.versions['1.1.0'].dist.signatures.length, 2, 'the upstream\'s signature and the proxy\'s');
    const r = await npm.run(['audit', 'signatures', '--prefer-online'], { cwd: project, env: AUDIT_ENV });
    expectOk(r, 'npm audit signatures through the proxy', proxy);
    assert.match(r.stdout, /2 packages have verified registry signatures/);
  } finally {
    await proxy.stop().catch(() => proxy.kill9());
  }
});

test('an integrity altered in the stored metadata is reported invalid; a version without its signature is reported missing', T, async () => {
  const project = await install(['sig-plain@1.0.0', '@alice/sig-scoped@1.0.0']);
  const db = new Database(join(server.dataDir, 'tessera.db'));
  try {
    const other = `sha512-${Buffer.alloc(64, 9).toString('base64')}`;
    db.prepare("UPDATE versions SET manifest = json_set(manifest, '$.dist.integrity', ?) WHERE package = 'sig-plain' AND version = '1.0.0'").run(other);
    db.prepare("UPDATE versions SET manifest = json_remove(manifest, '$.dist.signatures') WHERE package = '@alice/sig-scoped' AND version = '1.0.0'").run();
  } finally {
    db.close();
  }
  // A dist-tag change drops the server's cached packuments (it cannot know of the edit above).
  for (const name of ['sig-plain', '@alice/sig-scoped']) expectOk(await alice.run(['dist-tag', 'add', `${name}@1.0.0`, 'touched']), 'npm dist-tag add', server);
  const r = await audit(project);
  assert.equal(r.code, 1, `npm audit signatures must fail:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /1 package has an invalid registry signature/);
  assert.match(r.stdout, /sig-plain@1\.0\.0/);
  assert.match(r.stdout, /1 package has a missing registry signature/);
  assert.match(r.stdout, /@alice\/sig-scoped@1\.0\.0/);
});
