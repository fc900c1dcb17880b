// tessera proxy block / unblock / blocks (src/cli/proxy-block.ts), run as the administrator
// runs them: the real command beside the data a server uses.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createSqliteStore } from '../../src/adapters/sqlite/index.ts';
import { systemClock } from '../../src/core/ports.ts';
import { blocksUsage, listUsage, unblockUsage, usage } from '../../src/cli/proxy-block.ts';
import { usageLine } from '../../src/cli/usage.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const data = mkdtempSync(join(tmpdir(), 'tessera-blocks-'));
after(() => rmSync(data, { recursive: true, force: true }));

function tessera(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tessera.js', ...args, '--data', data], { cwd: root, encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('in a folder with no registry the commands refuse rather than create an empty one', () => {
  const empty = mkdtempSync(join(tmpdir(), 'tessera-no-registry-'));
  try {
    for (const args of [['proxy', 'block', 'lodash@1.0.0'], ['proxy', 'blocks'], ['proxy', 'purge', '--all'], ['user', 'log', 'bob'], ['user', 'reset-2fa', 'bob'], ['keys', 'rotate']]) {
      const r = spawnSync(process.execPath, ['bin/tessera.js', ...args, '--data', empty], { cwd: root, encoding: 'utf8', input: '', timeout: 60_000 });
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /There is no registry in .* \(no tessera\.db there\): pass the server's own --data DIR or --config FILE/);
    }
    assert.deepEqual(readdirSync(empty), [], 'nothing created');
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('block, list, re-block, unblock: what a running server reads from the same data', async () => {
  await createSqliteStore(join(data, 'tessera.db'), systemClock).close();
  let r = tessera('proxy', 'block', 'lodash@4.17.22', '--reason', 'worm, see INC-42', '--by', 'alice');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Blocked lodash@4\.17\.22 \(worm, see INC-42\)/);
  assert.match(r.stdout, /Note: nothing of lodash is cached here yet \(check the name\)/);
  const local = tessera('proxy', 'block', 'lodash@4.17.22', '--upstream', 'none');
  assert.equal(local.status, 2);
  assert.match(local.stderr, /lodash never comes from an upstream here .*nothing to block/);
  r = tessera('proxy', 'block', '@acme/kit@1.0.0-beta.1');
  assert.equal(r.status, 0, r.stderr);
  const server = createSqliteStore(join(data, 'tessera.db'), systemClock);
  try {
    const blocks = await server.proxy.blocks(null);
    assert.deepEqual(blocks.map((b) => [b.name, b.version, b.reason]), [['@acme/kit', '1.0.0-beta.1', ''], ['lodash', '4.17.22', 'worm, see INC-42']]);
    assert.equal(blocks[1]!.by, 'alice');
    assert.ok(blocks[0]!.by.length > 0, 'recorded as the operating-system user by default');
  } finally {
    await server.close();
  }
  r = tessera('proxy', 'blocks');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^lodash@4\.17\.22 {2}\d{4}-\d\d-\d\dT.*Z {2}by alice {2}worm, see INC-42$/);
  r = tessera('proxy', 'blocks', 'lodash', '--json');
  assert.equal(r.status, 0, r.stderr);
  const listed = JSON.parse(r.stdout) as { name: string; reason: string; at: string }[];
  assert.deepEqual(listed.map((b) => b.reason), ['worm, see INC-42']);
  r = tessera('proxy', 'block', 'lodash@4.17.22', '--reason', 'pulled upstream');
  assert.equal(r.status, 0, r.stderr);
  assert.match(tessera('proxy', 'blocks', 'lodash').stdout, /pulled upstream/);
  r = tessera('proxy', 'unblock', 'lodash@4.17.22');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Unblocked lodash@4\.17\.22/);
  r = tessera('proxy', 'unblock', 'lodash@4.17.22');
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'tessera: lodash@4.17.22 was not blocked.\n');
  assert.equal(tessera('proxy', 'blocks', 'lodash').stdout, 'No version of lodash is blocked.\n');
});

test('bad input is refused with the reason and changes nothing; a local package cannot be blocked', async () => {
  const store = createSqliteStore(join(data, 'tessera.db'), systemClock);
  try {
    const alice = await store.users.create({ name: 'owner', email: 'o@example.com', passwordHash: 'h' });
    await store.packages.commit('ours', {
      type: 'publish',
      tag: 'latest',
      version: { version: '1.0.0', manifest: { name: 'ours', version: '1.0.0' }, publishedAt: new Date().toISOString(), deprecated: null, tarball: { file: 'ours-1.0.0.tgz', blobKey: 'a'.repeat(128), size: 1, integrity: 'sha512-x', shasum: 'x' } },
      create: { ownerId: alice.id, access: 'public', mfa: { publishRequiresTfa: false, automationOverridesTfa: false } },
    });
  } finally {
    await store.close();
  }
  const before = tessera('proxy', 'blocks').stdout;
  for (const [args, message] of [
    [['lodash'], /Expected NAME@VERSION/],
    [['lodash@latest'], /"?latest"? is not a version/],
    [['lodash@^1.0.0'], /is not a version/],
    [['bad name@1.0.0'], /is not a package name/],
    [['lodash@1.0.0', '--reason', 'two\nlines'], /control characters/],
    [['lodash@1.0.0', '--reason', 'x'.repeat(501)], /at most 500 characters/],
    [['ours@1.0.0'], /ours is a local package/],
  ] as const) {
    const r = tessera('proxy', 'block', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(tessera('proxy', 'blocks').stdout, before, 'nothing changed');
});

test('missing arguments print the command\'s usage line and exit 2; --help lists the three commands', () => {
  for (const [args, u] of [[['proxy', 'block'], usage], [['proxy', 'unblock'], unblockUsage], [['proxy', 'blocks', 'a', 'b'], blocksUsage], [['proxy', 'block', 'a@1.0.0', '--reason'], usage]] as const) {
    const r = tessera(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr, `usage: ${usageLine(u)}\n`);
  }
  const help = spawnSync(process.execPath, ['bin/tessera.js', '--help'], { cwd: root, encoding: 'utf8' }).stderr;
  for (const u of [usage, unblockUsage, blocksUsage]) assert.ok(help.includes(u.synopsis), u.synopsis);
  assert.equal(spawnSync(process.execPath, ['bin/tessera.js', 'proxy', 'blocks', '--help'], { cwd: root, encoding: 'utf8' }).stderr, `usage: ${usageLine(blocksUsage)}\n`);
});

test('tessera proxy list: what the proxy keeps, per name and in total, with a prefix, as JSON; control characters escaped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-proxy-list-'));
  try {
    const list = (...args: string[]) => spawnSync(process.execPath, ['bin/tessera.js', 'proxy', 'list', ...args, '--data', dir], { cwd: root, encoding: 'utf8', input: '', timeout: 60_000 });
    const store = createSqliteStore(join(dir, 'tessera.db'), systemClock);
    try {
      const at = Date.parse('2026-11-30T10:00:00.000Z');
      const body = Buffer.from('{}');
      await store.proxy.putPackument({ name: 'lodash', form: 'abbreviated', upstream: 'default', body, etag: null, lastModified: null, fetchedAt: at });
      await store.proxy.putPackument({ name: '@babel/core', form: 'full', upstream: 'corp', body, etag: null, lastModified: null, fetchedAt: at });
      await store.proxy.putTarball({ name: 'lodash', file: 'lodash-4.17.21.tgz', version: '4.17.21', blobKey: 'b'.repeat(128), integrity: 'sha512-x', size: 2 * 1048576, fetchedAt: at });
      await store.proxy.block({ name: 'lodash', version: '4.17.22', reason: '', by: 'admin', at });
    } finally {
      await store.close();
    }
    let r = list();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, [
      '@babel/core  from corp  fetched 2026-11-30T10:00:00.000Z  0 tarball(s), 0 KiB',
      'lodash  from default  fetched 2026-11-30T10:00:00.000Z  1 tarball(s), 2.0 MiB  1 blocked',
      '2 package(s), 1 tarball(s), 2.0 MiB.',
      '',
    ].join('\n'));
    r = list('@babel/', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ name: '@babel/core', upstream: 'corp', forms: ['full'], fetchedAt: '2026-11-30T10:00:00.000Z', tarballs: 0, tarballBytes: 0, blocked: 0 }]);
    assert.equal(list('@nothing/').stdout, 'The proxy keeps nothing starting with @nothing/.\n');
    assert.equal(list('\u001b]0;x\u0007').stdout, 'The proxy keeps nothing starting with \\x1b]0;x\\x07.\n');
    r = list('a', 'b');
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `usage: ${usageLine(listUsage)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
