// The configuration schema nests: sections and lists of sections are validated by key path
// (`upstreams[1].url`), the Config type is derived from the schema, and the config file may
// be YAML or JSON. The nesting is proven on a test-only schema fragment, not on product keys.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, loadConfigFrom } from '../../src/config/load.ts';
import { type Config, schema } from '../../src/config/schema.ts';
import { arrayOf, bool, int, isScalar, list, oneOf, section, str } from '../../src/config/spec.ts';
import { configTable } from '../../scripts/docs-config.ts';

const httpUrl = (v: string) => (/^https?:\/\//.test(v) ? null : 'must be an http(s) URL');

/** Test-only: shaped like the settings the second wave needs, with no product meaning. */
const fragment = {
  port: int({ default: 4873, min: 0, max: 65535, doc: 'A flat int key.' }),
  mode: oneOf({ default: 'a', values: ['a', 'b'], doc: 'A flat enum key.' }),
  strict: bool({ default: false, doc: 'A flat boolean key.' }),
  policy: section({
    doc: 'A nested section.',
    keys: {
      level: oneOf({ default: 'preferred', values: ['required', 'preferred', 'discouraged'], doc: 'An enum in a section.' }),
      timeoutSeconds: int({ default: 60, min: 1, max: 600, doc: 'An int in a section.' }),
    },
  }),
  upstreams: arrayOf({
    doc: 'A list of sections.',
    max: 3,
    item: section({
      doc: 'One entry.',
      keys: {
        url: str({ check: httpUrl, doc: 'Required: no default.' }),
        token: str({ default: '', secret: true, doc: 'A secret in a list entry.' }),
        packages: list({ default: ['**'], doc: 'A list of strings in a list entry.' }),
        claims: section({ doc: 'A section in a list entry.', keys: { subject: str({ default: 'sub', doc: 'Deepest key.' }) } }),
      },
    }),
  }),
};

const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-nested-'));
let n = 0;
const write = (ext: string, text: string) => {
  const file = join(dir, `c${n++}.${ext}`);
  writeFileSync(file, text);
  return file;
};
const load = (ext: string, text: string) => loadConfigFrom(fragment, { flags: { config: write(ext, text) }, env: {} });
const json = (v: unknown) => JSON.stringify(v);
const refused = (fn: () => unknown, re: RegExp, secret?: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, re);
    if (secret) assert.ok(!e.message.includes(secret), `"${secret}" echoed in: ${e.message}`);
    return true;
  });

const yamlText = `# the same settings as jsonValue
port: 5000
mode: b
strict: true
policy:
  level: required
upstreams:
  - url: https://one.example/
    token: s3cret-one
    packages: ['@corp/*', 'left-pad']
  - url: http://two.example/
    claims:
      subject: email
`;
const jsonValue = {
  port: 5000,
  mode: 'b',
  strict: true,
  policy: { level: 'required' },
  upstreams: [
    { url: 'https://one.example/', token: 's3cret-one', packages: ['@corp/*', 'left-pad'] },
    { url: 'http://two.example/', claims: { subject: 'email' } },
  ],
};

test('a YAML file (.yaml or .yml) and a JSON file with the same content give the same configuration', () => {
  const fromJson = load('json', json(jsonValue));
  assert.deepEqual(load('yaml', yamlText), fromJson);
  assert.deepEqual(load('yml', yamlText), fromJson);
  assert.deepEqual(fromJson, {
    port: 5000,
    mode: 'b',
    strict: true,
    policy: { level: 'required', timeoutSeconds: 60 },
    upstreams: [
      { url: 'https://one.example/', token: 's3cret-one', packages: ['@corp/*', 'left-pad'], claims: { subject: 'sub' } },
      { url: 'http://two.example/', token: '', packages: ['**'], claims: { subject: 'email' } },
    ],
  });
});

test('the product configuration reads the same from YAML and JSON', () => {
  const value = { port: 5001, signup: 'closed', trustedProxies: ['10.0.0.0/8', '::1'], registryName: 'Corp npm' };
  const yaml = 'port: 5001\nsignup: closed\ntrustedProxies:\n  - 10.0.0.0/8\n  - "::1"\nregistryName: Corp npm\n';
  const fromYaml = loadConfig({ flags: { config: write('yaml', yaml) }, env: {} });
  assert.deepEqual(fromYaml, loadConfig({ flags: { config: write('json', json(value)) }, env: {} }));
  assert.equal(fromYaml.signup, 'closed');
  // An empty YAML file (only comments) sets nothing.
  assert.deepEqual(loadConfig({ flags: { config: write('yaml', '# nothing yet\n') }, env: {} }), loadConfig({ env: {} }));
});

test('missing sections take their defaults; missing lists are empty; the result is frozen all the way down', () => {
  const c = loadConfigFrom(fragment, { env: {} });
  assert.deepEqual(c.policy, { level: 'preferred', timeoutSeconds: 60 });
  assert.deepEqual(c.upstreams, []);
  const full = load('json', json(jsonValue));
  assert.ok(Object.isFrozen(full) && Object.isFrozen(full.policy) && Object.isFrozen(full.upstreams));
  assert.ok(Object.isFrozen(full.upstreams[0]) && Object.isFrozen(full.upstreams[0]!.packages) && Object.isFrozen(full.upstreams[1]!.claims));
  // Defaults are copied, not shared with the schema.
  assert.ok(!Object.isFrozen(fragment.upstreams.item.keys.packages.default));
});

test('the Config type is derived from the schema, nested keys and enum literals included', () => {
  const c = load('json', json(jsonValue));
  const mode: 'a' | 'b' = c.mode;
  const level: 'required' | 'preferred' | 'discouraged' = c.policy.level;
  const subject: string | undefined = c.upstreams[1]?.claims.subject;
  const strict: boolean = c.strict;
  assert.deepEqual([mode, level, subject, strict], ['b', 'required', 'email', true]);
  // @ts-expect-error not a key of the schema
  void c.upstreams[0]?.bogus;
  const signup: Config['signup'] = 'closed';
  // @ts-expect-error not one of the values
  const wrong: Config['signup'] = 'maybe';
  const port: Config['port'] = 1;
  assert.ok(signup && wrong && port);
});

test('a bad nested value names its key path, its file and the reason', () => {
  const file = write('json', json({ upstreams: [{ url: 'https://ok/' }, { token: 'x' }] }));
  refused(() => loadConfigFrom(fragment, { flags: { config: file }, env: {} }), new RegExp(`upstreams\\[1\\]\\.url \\(from ${file.replace(/[.\\]/g, '\\$&')}\\) is required`));
  refused(() => load('json', json({ upstreams: [{ url: 'ftp://x/' }] })), /upstreams\[0\]\.url \(from .*\.json\) must be an http\(s\) URL; got "ftp:\/\/x\/"/);
  refused(() => load('yaml', 'upstreams:\n  - url: https://a/\n    claims:\n      subject: 7\n'), /upstreams\[0\]\.claims\.subject \(from .*\.yaml\) must be a string/);
  refused(() => load('yaml', 'policy:\n  timeoutSeconds: 0\n'), /policy\.timeoutSeconds .* must be between 1 and 600; got 0/);
  refused(() => load('yaml', 'policy:\n  level: sometimes\n'), /policy\.level .* must be one of required, preferred, discouraged/);
  refused(() => load('json', json({ upstreams: [{ url: 'https://a/', packages: 'x,y', extra: 1 }] })), /Unknown configuration key "upstreams\[0\]\.extra" in .*\.json/);
  refused(() => load('json', json({ policy: { levle: 'required' } })), /Unknown configuration key "policy\.levle"/);
  refused(() => load('json', json({ policy: ['required'] })), /policy \(from .*\) must be a mapping of keys; got a list/);
  refused(() => load('json', json({ upstreams: { url: 'https://a/' } })), /upstreams \(from .*\) must be a list; got a mapping/);
  refused(() => load('json', json({ upstreams: ['https://a/'] })), /upstreams\[0\] \(from .*\) must be a mapping of keys; got a string/);
  refused(() => load('json', json({ upstreams: [1, 2, 3, 4].map((i) => ({ url: `https://${i}/` })) })), /upstreams \(from .*\) must have 0 to 3 entries; got 4/);
  refused(() => load('json', json({ strict: 'yes' })), /strict .* must be true or false/);
});

test('secrets are never echoed, nor are whole sections or lists', () => {
  refused(() => load('json', json({ upstreams: [{ url: 'https://a/', token: ['hunter2'] }] })), /upstreams\[0\]\.token .* must be a string; got \(hidden\)/, 'hunter2');
  refused(() => load('json', json({ upstreams: [{ url: 'https://a/', token: 42_4242 }] })), /upstreams\[0\]\.token/, '424242');
  refused(() => load('json', json({ policy: 'token=hunter2' })), /policy .* got a string/, 'hunter2');
  refused(() => load('json', json({ upstreams: [['hunter2']] })), /upstreams\[0\] .* got a list/, 'hunter2');
  refused(() => load('json', json({ upstreams: [{ url: 'https://a/' }], port: { token: 'hunter2' } })), /port .* got a mapping/, 'hunter2');
});

test('nested sections are file-only; flat keys keep their variables and flags, which beat the file', () => {
  const file = write('yaml', 'port: 1111\nmode: a\nupstreams:\n  - url: https://a/\n');
  const c = loadConfigFrom(fragment, { flags: { config: file, port: '3333' }, env: { TESSERA_MODE: 'b', TESSERA_STRICT: 'true', TESSERA_UPSTREAMS: '[]', TESSERA_POLICY: 'x' } });
  assert.deepEqual([c.port, c.mode, c.strict, c.upstreams.length, c.policy.level], [3333, 'b', true, 1, 'preferred']);
  refused(() => loadConfigFrom(fragment, { flags: { upstreams: '[]' }, env: {} }), /Unknown option --upstreams/);
  refused(() => loadConfigFrom(fragment, { flags: { 'policy.level': 'required' }, env: {} }), /Unknown option --policy\.level/);
  refused(() => loadConfigFrom(fragment, { flags: { strict: 'maybe' }, env: {} }), /strict \(from --strict\) must be true or false/);
});

test('a YAML or JSON syntax error is a ConfigError with the line, not quoting the file', () => {
  refused(() => load('yaml', 'port: 1\nupstreams:\n  - url: https://a/\n   token: "hunter2\n'), /not valid YAML: .* at line \d+, column \d+\.$/, 'hunter2');
  refused(() => load('yaml', 'port: 1\nport: 2\n'), /not valid YAML: .*at line 2, column 1\./);
  refused(() => load('yaml', 'a: b: hunter2\n'), /not valid YAML: .* at line 1, column \d+\./, 'hunter2');
  refused(() => load('json', '{\n  "port": 1,\n  "mode": hunter2\n}'), /not valid JSON: Unexpected token .*/, 'hunter2');
  refused(() => load('json', '{\n  "port": 1,\n}'), /not valid JSON: .* at line 3, column 1\./);
  refused(() => load('yaml', '- just\n- a list\n'), /must hold a mapping of keys/);
  refused(() => load('json', '"hunter2"'), /must hold a mapping of keys/, 'hunter2');
});

test('keys of the file are own schema keys: "__proto__", "toString" and "constructor" are refused', () => {
  for (const key of ['__proto__', 'toString', 'constructor', 'hasOwnProperty']) {
    refused(() => loadConfig({ flags: { config: write('json', `{"${key}": {"port": 1}}`) }, env: {} }), new RegExp(`Unknown configuration key "${key}"`));
    refused(() => load('yaml', `upstreams:\n  - url: https://a/\n    ${key}: 1\n`), new RegExp(`Unknown configuration key "upstreams\\[0\\]\\.${key}"`));
  }
  refused(() => loadConfig({ flags: { 'to-string': '1' }, env: {} }), /Unknown option --to-string/);
});

test('every default of the product schema passes its own validation', () => {
  const defaults: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) if (isScalar(spec) && !spec.defaultDoc) defaults[key] = spec.default;
  assert.deepEqual(Object.entries(loadConfig({ flags: { config: write('json', json(defaults)) }, env: {} })).length, Object.keys(schema).length);
});

test('the docs table lists nested keys by path, marked file only, required ones as such', () => {
  const rows = configTable(fragment).split('\n');
  const row = (key: string) => rows.find((r) => r.startsWith(`| \`${key}\` |`));
  assert.equal(row('port'), '| `port` | `--port` | `TESSERA_PORT` | `4873` | A flat int key. 0-65535. |');
  assert.equal(row('strict'), '| `strict` | `--strict` | `TESSERA_STRICT` | `false` | A flat boolean key. true or false. |');
  assert.equal(row('policy'), '| `policy` | (file only) | (file only) | `{}` | A nested section. A mapping with the keys below. |');
  assert.equal(row('policy.level'), '| `policy.level` | (file only) | (file only) | `preferred` | An enum in a section. One of: required, preferred, discouraged. |');
  assert.equal(row('upstreams'), '| `upstreams` | (file only) | (file only) | `[]` | A list of sections. A list of mappings with the keys below. 0 to 3 entries. |');
  assert.equal(row('upstreams[].url'), '| `upstreams[].url` | (file only) | (file only) | `(required)` | Required: no default. |');
  assert.equal(row('upstreams[].packages'), '| `upstreams[].packages` | (file only) | (file only) | `**` | A list of strings in a list entry. |');
  assert.equal(row('upstreams[].claims.subject'), '| `upstreams[].claims.subject` | (file only) | (file only) | `sub` | Deepest key. |');
});
