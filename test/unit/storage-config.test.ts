// Selecting the storage backends is configuration, checked at start.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { openDeps } from '../../src/server.ts';

test('database and blobs default to the embedded storage', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.database, '');
  assert.equal(config.blobs, '');
});

test('database must be a postgres:// URL and blobs an s3:// URL; neither is echoed, as they hold passwords', () => {
  assert.equal(loadConfig({ flags: { database: 'postgresql://u:p@db/tessera' }, env: {} }).database, 'postgresql://u:p@db/tessera');
  assert.equal(loadConfig({ env: { TESSERA_BLOBS: 's3://bucket/prefix?endpoint=http://127.0.0.1:9000' } }).blobs, 's3://bucket/prefix?endpoint=http://127.0.0.1:9000');
  for (const [key, value] of [
    ['database', 'mysql://u:hunter2@db/x'],
    ['database', 'not a url hunter2'],
    ['blobs', 'file:///hunter2'],
    ['blobs', 's3://bucket?endpoint=ftp://hunter2'],
  ] as const) {
    assert.throws(
      () => loadConfig({ flags: { [key]: value }, env: {} }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(key) && !e.message.includes('hunter2'),
    );
  }
});

test('PostgreSQL without signingKeys refuses to start: every node signs with and lists the same keys', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  try {
    const config = loadConfig({ flags: { data, database: 'postgres://tessera@127.0.0.1:1/none', 'totp-keys': `k1:${Buffer.alloc(32, 1).toString('base64')}` }, env: {} });
    await assert.rejects(openDeps(config), (e: unknown) => e instanceof ConfigError && /signingKeys/.test(e.message));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('a malformed signingKeys stops the start, naming the problem and never the value', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  try {
    const config = loadConfig({ flags: { data, 'signing-keys': 'aHVudGVyMg==' }, env: {} });
    await assert.rejects(openDeps(config), (e: unknown) => e instanceof ConfigError && /signingKeys: signing key 1 is not/.test(e.message) && !e.message.includes('aHVudGVyMg'));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test('PostgreSQL without totpKeys refuses to start: every node needs the same key', async () => {
  const data = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  try {
    const config = loadConfig({ flags: { data, database: 'postgres://tessera@127.0.0.1:1/none' }, env: {} });
    await assert.rejects(openDeps(config), (e: unknown) => e instanceof ConfigError && /totpKeys/.test(e.message));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
