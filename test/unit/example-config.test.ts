// docs/tessera.example.yaml and docs/tessera.service (issue #20 item 4): the sample
// configuration is what scripts/example-config.ts generates from the schema (every key, its
// default, a comment) and loads to exactly the defaults; the systemd unit parses, with a
// dedicated user, a StateDirectory and the hardening options, and `systemd-analyze verify`
// accepts it where systemd-analyze exists (the structural checks always run).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { schema } from '../../src/config/schema.ts';
import { exampleConfig } from '../../scripts/example-config.ts';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const example = join(docs, 'tessera.example.yaml');

test('docs/tessera.example.yaml is generated from the schema (node --import tsx scripts/example-config.ts)', () => {
  assert.equal(readFileSync(example, 'utf8'), exampleConfig(), 'regenerate with: node --import tsx scripts/example-config.ts');
});

test('the sample configuration names every key and loads to exactly the defaults', () => {
  const text = readFileSync(example, 'utf8');
  for (const key of Object.keys(schema)) assert.match(text, new RegExp(`^(# )?${key}:`, 'm'), key);
  const parsed = parse(text) as Record<string, unknown>;
  for (const key of Object.keys(parsed)) assert.ok(Object.hasOwn(schema, key), `${key} is a schema key`);
  // (A relative path in a file is the file's folder's: `data: ./data` is docs/data here.)
  assert.deepEqual(loadConfig({ file: example, env: {} }), { ...loadConfig({ env: {} }), data: join(docs, 'data') });
});

/** The unit's sections and their key = value lines (a key may repeat). */
function parseUnit(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      assert.ok(!sections.has(section[1]), `section [${section[1]}] appears once`);
      sections.set(section[1], (current = []));
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv, `line ${i + 1} is "Key=value": ${raw}`);
    assert.ok(current, `line ${i + 1} is inside a section`);
    current.push([kv[1], kv[2]]);
  });
  return sections;
}

test('docs/tessera.service: a dedicated user, a StateDirectory, hardening, SIGHUP reload (structural parse)', () => {
  const unit = parseUnit(readFileSync(join(docs, 'tessera.service'), 'utf8'));
  assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
  const service = new Map(unit.get('Service')!);
  assert.equal(service.get('User'), 'tessera');
  assert.equal(service.get('Group'), 'tessera');
  assert.equal(service.get('StateDirectory'), 'tessera');
  assert.match(service.get('Environment')!, /TESSERA_DATA=\/var\/lib\/tessera/, 'the data folder is the state directory');
  assert.match(service.get('ExecStart')!, /^\/usr\/bin\/node \/opt\/tessera\/bin\/tessera\.js serve --config \/etc\/tessera\/tessera\.yaml$/);
  assert.equal(service.get('ExecReload'), '/bin/kill -HUP $MAINPID');
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['RestrictNamespaces', 'yes'],
    ['SystemCallFilter', '@system-service'],
  ]) {
    assert.equal(service.get(key), value, key);
  }
  assert.ok(!service.has('MemoryDenyWriteExecute'), 'V8 needs writable executable memory');
  assert.equal(new Map(unit.get('Install')!).get('WantedBy'), 'multi-user.target');
});

test('systemd-analyze verify accepts docs/tessera.service (where systemd-analyze exists)', (t) => {
  // Not a skip (CI allows none): without systemd-analyze the structural parse above is the check.
  if (!existsSync('/usr/bin/systemd-analyze')) return t.diagnostic('systemd-analyze is not installed: only the structural parse ran');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-unit-'));
  try {
    const file = join(dir, 'tessera.service');
    copyFileSync(join(docs, 'tessera.service'), file);
    // verify checks that ExecStart's program exists: use this Node where /usr/bin/node is missing.
    if (!existsSync('/usr/bin/node')) writeFileSync(file, readFileSync(file, 'utf8').replace('ExecStart=/usr/bin/node', `ExecStart=${process.execPath}`));
    const r = spawnSync('/usr/bin/systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('tessera.service')).join('\n'), '', 'no warning about the unit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
