import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { envName, flagName, schema } from '../../src/config/schema.ts';

test('defaults: 127.0.0.1:4873, ./data, sign-up auto (open on loopback), 12 hour sessions', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 4873);
  assert.equal(c.data, './data');
  assert.equal(c.signup, 'auto', 'open on loopback, closed elsewhere (server.ts signupFrom)');
  assert.equal(c.sessionHours, 12);
  assert.ok(Object.isFrozen(c));
});

test('flags beat environment variables, which beat the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ port: 1111, host: '0.0.0.0', registryName: 'From File' }));
  const c = loadConfig({ flags: { config: file, port: '3333' }, env: { TESSERA_PORT: '2222', TESSERA_HOST: '::1' } });
  assert.equal(c.port, 3333);
  assert.equal(c.host, '::1');
  assert.equal(c.registryName, 'From File');
});

test('a bad value stops the start with a message naming the key and its source', () => {
  assert.throws(() => loadConfig({ flags: { port: 'eighty' }, env: {} }), (e: Error) => e instanceof ConfigError && /port \(from --port\)/.test(e.message));
  assert.throws(() => loadConfig({ env: { TESSERA_SIGNUP: 'maybe' } }), /signup \(from TESSERA_SIGNUP\) must be one of auto, open, closed/);
  assert.throws(() => loadConfig({ env: { TESSERA_PORT: '70000' } }), /port .* between 0 and 65535/);
  assert.throws(() => loadConfig({ flags: { url: 'ftp://x' }, env: {} }), /url .* http/);
  assert.throws(() => loadConfig({ flags: { colour: 'red' }, env: {} }), /Unknown option --colour/);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ sessionHours: 'long' }));
  assert.throws(() => loadConfig({ flags: { config: file }, env: {} }), /sessionHours \(from .*bad\.json\) must be a whole number/);
  writeFileSync(file, JSON.stringify({ nope: 1 }));
  assert.throws(() => loadConfig({ flags: { config: file }, env: {} }), /Unknown configuration key "nope"/);
});

test('every key has a doc line, an env variable and a flag name', () => {
  for (const [key, spec] of Object.entries(schema)) {
    assert.ok(spec.doc.length > 10, key);
    assert.match(envName(key), /^TESSERA_[A-Z_]+$/);
    assert.match(flagName(key), /^--[a-z-]+$/);
  }
});

test('paths in a config file are relative to its folder; from flags and variables, to the working directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  const file = join(dir, 'tessera.yaml');
  writeFileSync(file, 'data: ./registry\ntlsCert: certs/cert.pem\ntlsKey: /etc/tessera/key.pem\nregistryName: ./not-a-path\n');
  const c = loadConfig({ flags: { config: file }, env: {} });
  assert.equal(c.data, join(dir, 'registry'));
  assert.equal(c.tlsCert, join(dir, 'certs/cert.pem'));
  assert.equal(c.tlsKey, '/etc/tessera/key.pem', 'absolute paths stay as they are');
  assert.equal(c.registryName, './not-a-path', 'only path keys are resolved');
  // The file's folder, not the working directory, even when the file is named relatively.
  const relative = join('..', ...dir.split('/').filter(Boolean).map(() => '..'), dir, 'tessera.yaml');
  assert.equal(loadConfig({ flags: { config: relative }, env: {} }).data, join(dir, 'registry'));
  assert.equal(loadConfig({ flags: { config: file, data: './here' }, env: {} }).data, './here', 'a flag is the working directory\'s');
  assert.equal(loadConfig({ flags: {}, env: { TESSERA_DATA: 'rel' } }).data, 'rel');
  assert.equal(loadConfig({ flags: {}, env: {} }).data, './data', 'the default stays relative to the working directory');
});
