// The HTTP side of `tessera mirror` (src/cli/mirror-fetch.ts) against a small real HTTP server
// standing in for a proxying Tessera, for what a Tessera without the upstream proxy cannot
// show yet: the `x-tessera-cache: hit|miss` header, an upstream failure (5xx with a JSON error)
// and a retry. test/e2e/mirror.test.ts runs the command against the real Tessera.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { CORGI_ACCEPT, mirrorPackages, type Outcome } from '../../src/cli/mirror-fetch.ts';
import type { LockedPackage } from '../../src/core/proxy/lockfile.ts';

const tarball = (name: string, version: string) => Buffer.from(`tarball of ${name}@${version}`);
const sri = (data: Buffer) => `sha512-${createHash('sha512').update(data).digest('base64')}`;

let server: Server;
let base: string;
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let inFlight = 0;
let maxInFlight = 0;
let flakyTries = 0;

/** name → [packument cache header, tarball cache header, versions]; `dist.tarball` elsewhere for "elsewhere". */
const PACKAGES: Record<string, { packument?: string; tarball?: string; versions: string[] }> = {
  hot: { packument: 'hit', tarball: 'hit', versions: ['1.0.0', '1.1.0'] },
  '@s/fresh': { packument: 'miss', tarball: 'miss', versions: ['2.0.0'] },
  'stale-packument': { packument: 'miss', tarball: 'hit', versions: ['1.0.0'] },
  local: { versions: ['0.1.0'] },
  flaky: { versions: ['1.0.0'] },
  elsewhere: { versions: ['1.0.0'] },
  'bad-sum': { versions: ['1.0.0'] },
};

before(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    seen.push({ url, headers: req.headers });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => res.writeHead(status, headers).end(body);
      if (url === '/-/ping') return send(200, '{}', { 'content-type': 'application/json' });
      if (url === '/down') return send(500, JSON.stringify({ error: 'the upstream registry is unreachable and nothing is cached' }), { 'content-type': 'application/json' });
      if (url === '/flaky' && ++flakyTries === 1) return send(503, 'busy');
      const tgz = /^\/(.+)\/-\/[^/]+-(\d+\.\d+\.\d+)\.tgz$/.exec(url);
      const name = decodeURIComponent(tgz ? tgz[1] : url.slice(1));
      const spec = PACKAGES[name];
      if (!spec) return send(404, JSON.stringify({ error: 'Not found' }));
      if (tgz) return send(200, tarball(name, tgz[2]), spec.tarball ? { 'x-tessera-cache': spec.tarball } : {});
      const versions = Object.fromEntries(
        spec.versions.map((v) => [
          v,
          {
            name,
            version: v,
            dist: {
              tarball: name === 'elsewhere' ? `http://cdn.invalid/elsewhere/-/elsewhere-${v}.tgz` : `${base}${name}/-/${name.split('/').pop()}-${v}.tgz`,
              integrity: name === 'bad-sum' ? sri(Buffer.from('other bytes')) : sri(tarball(name, v)),
            },
          },
        ]),
      );
      send(200, JSON.stringify({ name, 'dist-tags': { latest: spec.versions.at(-1) }, versions }), {
        'content-type': 'application/vnd.npm.install-v1+json',
        ...(spec.packument ? { 'x-tessera-cache': spec.packument } : {}),
      });
    }, 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const pkg = (name: string, version: string, integrity?: string): LockedPackage => ({ name, version, ...(integrity ? { integrity } : {}) });
const run = (packages: LockedPackage[], concurrency = 8, token?: string) => mirrorPackages(packages, { registry: base, concurrency, token, userAgent: 'test' });
const states = (outcomes: Outcome[]) => outcomes.map((o) => `${o.pkg.name}@${o.pkg.version} ${o.state === 'failed' ? `failed: ${o.reason}` : o.state}`);

test('already cached: the tarball a hit and the packument no miss; otherwise, or without the header, fetched', async () => {
  const outcomes = await run([pkg('hot', '1.0.0'), pkg('@s/fresh', '2.0.0'), pkg('stale-packument', '1.0.0'), pkg('local', '0.1.0')]);
  assert.deepEqual(states(outcomes), ['hot@1.0.0 cached', '@s/fresh@2.0.0 fetched', 'stale-packument@1.0.0 fetched', 'local@0.1.0 fetched']);
});

test('one abbreviated packument GET per name, scoped names escaped as npm does, the token sent to the registry', async () => {
  seen.length = 0;
  await run([pkg('hot', '1.0.0'), pkg('hot', '1.1.0'), pkg('@s/fresh', '2.0.0')], 8, 'secret-token');
  const packumentGets = seen.filter((s) => !s.url.includes('/-/'));
  assert.deepEqual(packumentGets.map((s) => s.url).sort(), ['/@s%2ffresh', '/hot']);
  for (const s of packumentGets) assert.equal(s.headers.accept, CORGI_ACCEPT);
  assert.equal(seen.length, 5);
  for (const s of seen) assert.equal(s.headers.authorization, 'Bearer secret-token', s.url);
});

test('the lockfile\'s integrity is checked, else the packument\'s; a mismatch names both', async () => {
  const right = sri(tarball('hot', '1.0.0'));
  const wrong = sri(Buffer.from('tampered'));
  const outcomes = await run([pkg('hot', '1.0.0', right), pkg('hot', '1.1.0', wrong), pkg('bad-sum', '1.0.0')]);
  assert.equal(outcomes[0].state, 'cached');
  assert.deepEqual(states(outcomes).slice(1), [
    `hot@1.1.0 failed: integrity mismatch: the lockfile says ${wrong}, the tarball Tessera served is ${sri(tarball('hot', '1.1.0'))}`,
    `bad-sum@1.0.0 failed: integrity mismatch: the packument says ${sri(Buffer.from('other bytes'))}, the tarball Tessera served is ${sri(tarball('bad-sum', '1.0.0'))}`,
  ]);
});

test('failures say why: the server\'s JSON error with the status, a missing version, a tarball URL outside the registry', async () => {
  const outcomes = await run([pkg('down', '1.0.0'), pkg('hot', '9.0.0'), pkg('elsewhere', '1.0.0'), pkg('nothing', '1.0.0')]);
  assert.deepEqual(states(outcomes), [
    'down@1.0.0 failed: packument: HTTP 500 (the upstream registry is unreachable and nothing is cached)',
    'hot@9.0.0 failed: version 9.0.0 is not in the packument Tessera serves (2 versions, latest 1.1.0)',
    `elsewhere@1.0.0 failed: the packument's tarball URL http://cdn.invalid/elsewhere/-/elsewhere-1.0.0.tgz is not under ${base}, so Tessera would not keep it: give --registry as Tessera's public URL (its "url" setting)`,
    'nothing@1.0.0 failed: packument: HTTP 404 (Not found)',
  ]);
  assert.equal(seen.filter((s) => s.url === '/down').length >= 2, true, 'a 5xx is tried again');
});

test('a 503 is tried again once and then succeeds', async () => {
  flakyTries = 0;
  const [outcome] = await run([pkg('flaky', '1.0.0')]);
  assert.equal(outcome.state, 'fetched');
  assert.equal(flakyTries, 2);
});

test('no more requests in flight than --concurrency', async () => {
  maxInFlight = 0;
  const many = ['hot', '@s/fresh', 'stale-packument', 'local', 'bad-sum'].map((n) => pkg(n, PACKAGES[n].versions[0]));
  await run(many, 2);
  assert.ok(maxInFlight <= 2 && maxInFlight >= 1, `at most 2 at once, saw ${maxInFlight}`);
  maxInFlight = 0;
  await run(many, 8);
  assert.ok(maxInFlight > 2, `more at once with 8, saw ${maxInFlight}`);
});

test('the command\'s summary counts what the registry already held, then names each failure; exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mirror-'));
  try {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'p', version: '1.0.0' },
        'node_modules/hot': { version: '1.0.0', integrity: sri(tarball('hot', '1.0.0')) },
        'node_modules/@s/fresh': { version: '2.0.0' },
        'node_modules/down': { version: '1.0.0' },
      },
    };
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock));
    const bin = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'mirror', join(dir, 'package-lock.json'), '--registry', base], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TESSERA_/i.test(k))),
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 1, stdout);
    assert.match(stdout, /^fetched 1\nalready cached 1\nskipped 0\nfailed 1:\n {2}down@1\.0\.0: packument: HTTP 500 \(the upstream registry is unreachable and nothing is cached\)\n$/m, stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
