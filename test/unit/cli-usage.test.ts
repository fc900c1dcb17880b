// The usage text of the `tessera` command: each command's file exports its usage, `tessera
// --help` shows them all, and a command given wrong arguments prints its own line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { usage as backup } from '../../src/cli/backup.ts';
import { usage as keysRotate } from '../../src/cli/keys-rotate.ts';
import { usage as migrate } from '../../src/cli/migrate.ts';
import { usage as mirror } from '../../src/cli/mirror.ts';
import { usage as restore } from '../../src/cli/restore.ts';
import { usage as serve } from '../../src/cli/serve.ts';
import { usage as userAdd } from '../../src/cli/user-add.ts';
import { usage as userLog } from '../../src/cli/user-log.ts';
import { usage as userReset2fa } from '../../src/cli/user-reset-2fa.ts';
import { usage as userList } from '../../src/cli/user-list.ts';
import { usage as userAdmin } from '../../src/cli/user-admin.ts';
import { usage as userDisable } from '../../src/cli/user-disable.ts';
import { usage as userEnable } from '../../src/cli/user-enable.ts';
import { usage as userDelete } from '../../src/cli/user-delete.ts';
import { usage as userSetPassword } from '../../src/cli/user-set-password.ts';
import { usage as packageList } from '../../src/cli/package-list.ts';
import { usage as packageUnpublish } from '../../src/cli/package-unpublish.ts';
import { usage as packageOwnerAdd, rmUsage as packageOwnerRm } from '../../src/cli/package-owner.ts';
import { usageLine } from '../../src/cli/usage.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const all = { serve, userAdd, userReset2fa, userLog, userList, userAdmin, userDisable, userEnable, userDelete, userSetPassword, packageList, packageUnpublish, packageOwnerAdd, packageOwnerRm, migrate, backup, restore, mirror, keysRotate };

function tessera(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/tessera.js', ...args], { cwd: root, encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('tessera --help lists every command with its own usage line, and exits 0', () => {
  const r = tessera('--help');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n');
  assert.equal(lines[0], 'usage:');
  for (const [name, u] of Object.entries(all)) {
    assert.ok(lines.some((l) => l.startsWith(`  ${u.synopsis}`) && (u.note === undefined || l.endsWith(`(${u.note})`))), `${name}: ${u.synopsis}`);
  }
  assert.equal(tessera('help').stderr, r.stderr);
});

test('an unknown command prints the help and exits 2', () => {
  const r = tessera('frobnicate');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^usage:\n {2}tessera serve /);
});

test('a command with missing arguments prints its own usage line and exits 2', () => {
  for (const [args, u] of [[['backup'], backup], [['restore'], restore], [['user', 'add', 'x'], userAdd], [['user', 'log'], userLog], [['user', 'reset-2fa'], userReset2fa], [['mirror'], mirror], [['package', 'unpublish'], packageUnpublish], [['package', 'owner', 'add', 'x'], packageOwnerAdd], [['package', 'owner', 'rm'], packageOwnerRm], [['package', 'list', 'x'], packageList]] as const) {
    const r = tessera(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr, `usage: ${usageLine(u)}\n`, args.join(' '));
  }
});

test('COMMAND --help prints that command\'s usage and runs nothing (serve does not start)', () => {
  const r = tessera('serve', '--help');
  assert.equal(r.status, 0);
  assert.equal(r.stderr, `usage: ${usageLine(serve)}\n`);
  assert.equal(r.stdout, '');
  assert.equal(tessera('user', 'log', '--help').stderr, `usage: ${usageLine(userLog)}\n`);
  assert.equal(tessera('package', 'owner', 'rm', '--help').stderr, `usage: ${usageLine(packageOwnerRm)}\n`);
  assert.equal(tessera('package', 'unpublish', '--help').stderr, `usage: ${usageLine(packageUnpublish)}\n`);
});

test('src/main.ts repeats no usage text of a command', () => {
  const main = readFileSync(new URL('../../src/main.ts', import.meta.url), 'utf8');
  for (const u of Object.values(all)) assert.ok(!main.includes(u.synopsis), u.synopsis);
  assert.doesNotMatch(main, /tessera (serve|user|migrate|backup|restore|mirror|keys|package) /);
});
