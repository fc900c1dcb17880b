// The proxy's routing rules and their configuration (core/proxy/rules.ts, config/proxy.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { proxySettingsFrom } from '../../src/config/proxy.ts';
import { patternProblem, proxySummary, routeOf } from '../../src/core/proxy/rules.ts';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function fromFile(doc: unknown, env: NodeJS.ProcessEnv = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-proxy-cfg-')), 'c.json');
  writeFileSync(file, JSON.stringify(doc));
  return proxySettingsFrom(loadConfig({ file, env: {} }), env);
}

test('out of the box every name may come from the public registry; --upstream none turns the proxy off', () => {
  const on = proxySettingsFrom(loadConfig({ env: {} }));
  assert.equal(routeOf(on, 'lodash').upstream?.url, 'https://registry.npmjs.org/');
  assert.equal(routeOf(on, '@acme/x').upstream?.name, 'default');
  const off = proxySettingsFrom(loadConfig({ flags: { upstream: 'none' }, env: {} }));
  assert.equal(routeOf(off, 'lodash').upstream, null);
  const other = proxySettingsFrom(loadConfig({ flags: { upstream: 'http://127.0.0.1:9/npm' }, env: {} }));
  assert.equal(routeOf(other, 'x').upstream?.url, 'http://127.0.0.1:9/npm/');
});

test('rules: first match wins; none = local only; exemptions from the minimum release age', () => {
  const s = fromFile({
    upstreams: [
      { name: 'npmjs', url: 'http://127.0.0.1:1/' },
      { name: 'corp', url: 'http://127.0.0.1:2/', tokenEnv: 'CORP_TOKEN', timeoutSeconds: 3 },
    ],
    proxyRules: [
      { pattern: '@acme/*', upstream: 'none' },
      { pattern: '@corp/*', upstream: 'corp' },
      { pattern: 'internal-tool', upstream: 'none' },
      { pattern: '*', upstream: 'npmjs', minReleaseAgeHours: 72, minReleaseAgeExempt: ['@types/*', 'typescript'] },
    ],
  }, { CORP_TOKEN: 's3cret' });
  assert.equal(routeOf(s, '@acme/a').upstream, null);
  assert.equal(routeOf(s, 'internal-tool').upstream, null);
  assert.equal(routeOf(s, '@corp/x').upstream?.authorization, 'Bearer s3cret');
  assert.equal(routeOf(s, '@corp/x').upstream?.timeoutMs, 3000);
  assert.equal(routeOf(s, 'left-pad').minReleaseAgeMs, 72 * 3600_000);
  assert.equal(routeOf(s, '@types/node').minReleaseAgeMs, 0);
  assert.equal(routeOf(s, 'typescript').minReleaseAgeMs, 0);
  assert.equal(routeOf(s, 'internal-tool-2').upstream?.name, 'npmjs');
});

test('config errors are refused at start with the key and the reason', () => {
  assert.throws(() => fromFile({ upstreams: [{ name: 'a', url: 'http://x/' }], proxyRules: [{ pattern: '*', upstream: 'b' }] }), /proxyRules\[0\]\.upstream "b" is not an upstream/);
  assert.throws(() => fromFile({ upstreams: [{ name: 'a', url: 'http://x/' }, { name: 'a', url: 'http://y/' }] }), /upstreams\[1\]\.name "a" is used/);
  assert.throws(() => fromFile({ upstreams: [{ name: 'a', url: 'http://x/', tokenEnv: 'NOPE' }] }), /upstreams\[0\]\.tokenEnv names NOPE, which is not set/);
  assert.throws(() => fromFile({ upstreams: [{ name: 'a', url: 'ftp://x/' }] }), /upstreams\[0\]\.url .*must be an http\(s\) URL/);
  assert.throws(() => fromFile({ proxyRules: [{ pattern: 'Bad*', upstream: 'default' }] }), /proxyRules\[0\]\.pattern/);
  assert.throws(() => loadConfig({ flags: { upstream: '' }, env: {} }), /upstream .*must be an http\(s\) URL or "none"/);
  for (const bad of ['', '**', '@scope', '@/*', 'a b', 'UPPER']) assert.ok(patternProblem(bad), bad);
});

test('the start-up line says how names are routed, without credentials', () => {
  assert.equal(proxySummary(proxySettingsFrom(loadConfig({ flags: { upstream: 'none' }, env: {} }))), 'Proxy: off (upstream none): every name is local, nothing is asked of another registry.');
  assert.equal(proxySummary(proxySettingsFrom(loadConfig({ env: {} }))), 'Proxy: * from default (https://registry.npmjs.org/); see docs/proxy.md.');
  const s = fromFile({ upstreams: [{ name: 'corp', url: 'http://user:pw@127.0.0.1:2/' }], proxyRules: [{ pattern: '@acme/*', upstream: 'none' }, { pattern: '*', upstream: 'corp', minReleaseAgeHours: 72 }] });
  assert.equal(proxySummary(s), 'Proxy: * from corp (http://127.0.0.1:2/), held back 72 h; local only: @acme/*; see docs/proxy.md.');
});
