// The benchmark's own parts (bench/): the static upstream registry the proxy rows and
// `npm run bench:ci` use, the out-of-process load generator, the `--upstream` guard, and the
// lockfile of the npm ci project. Real servers on loopback; nothing reaches the public registry.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockEntries } from '../../bench/lib/ci-upstream.ts';
import { call } from '../../bench/lib/client.ts';
import { clientBound, combineSamples, measure } from '../../bench/lib/measure.ts';
import { PROXIED, resetUpstream, upstreamStats, writeBenchUpstream } from '../../bench/lib/proxy.ts';
import type { Proc } from '../../bench/lib/procs.ts';
import { NoProxyError, repoRoot, startTessera, startUpstream, upstreamNoneArgs } from '../../bench/lib/servers.ts';
import { readPackageBodies } from '../../bench/lib/setup.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

describe('bench harness: slices of one measurement', () => {
  it('combine into the slices\' CPU over their responses, the largest p99 and the busiest client', () => {
    const s = (ok: number, cpuUs: number, p99: number, clientCores: number) => ({ rps: ok, p50: 1, p99, ok, bad: 0, statuses: `200:${ok}`, cpuUs, serverCores: 0.9, clientCores });
    const c = combineSamples([s(1000, 30, 4, 0.8), s(3000, 20, 9, 0.95)]);
    assert.equal(c.ok, 4000);
    assert.equal(c.cpuUs, (1000 * 30 + 3000 * 20) / 4000);
    assert.equal(c.p99, 9);
    assert.equal(c.clientMaxCores, 0.95);
    assert.equal(c.rps, 2000);
    assert.equal(c.statuses, '200:1000 + 200:3000');
    assert.equal(combineSamples([s(5, 1, 1, 1)]).cpuUs, 1);
  });
});

describe('bench harness', () => {
  let dir: string;
  let up: Proc;
  const procs: Proc[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-harness-'));
    writeBenchUpstream(join(dir, 'upstream'), readPackageBodies().slice(0, 3));
    up = await startUpstream('upstream', join(dir, 'upstream'), dir);
    procs.push(up);
  });
  after(async () => {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the static upstream serves full and abbreviated packuments, tarballs and 304s for templated names, and counts requests', async () => {
    await resetUpstream(up.url);
    const full = await call(up.url, `/${PROXIED}`, { headers: { accept: 'application/json' } });
    assert.equal(full.status, 200);
    const doc = JSON.parse(full.body.toString()) as { name: string; versions: Record<string, { name: string; dist: { tarball: string; integrity: string } }> };
    assert.equal(doc.name, PROXIED);
    assert.deepEqual(Object.keys(doc.versions), ['1.0.0', '1.0.1', '1.0.2']);
    assert.equal(doc.versions['1.0.2'].dist.tarball, `${up.url}${PROXIED}/-/${PROXIED}-1.0.2.tgz`);
    const abbr = await call(up.url, `/${PROXIED}`, { headers: { accept: ABBREVIATED } });
    assert.equal(abbr.headers.get('content-type'), 'application/vnd.npm.install-v1+json');
    assert.ok(abbr.body.length < full.body.length);
    const again = await call(up.url, `/${PROXIED}`, { headers: { accept: ABBREVIATED, 'if-none-match': abbr.headers.get('etag')! } });
    assert.equal(again.status, 304);
    const tgz = await call(up.url, `/bench-cold-x/-/bench-cold-x-1.0.1.tgz`);
    assert.equal(tgz.status, 200);
    const { createHash } = await import('node:crypto');
    const cold = JSON.parse((await call(up.url, '/bench-cold-x')).body.toString()) as typeof doc;
    assert.equal(`sha512-${createHash('sha512').update(tgz.body).digest('base64')}`, cold.versions['1.0.1'].dist.integrity);
    assert.equal((await call(up.url, '/not-there')).status, 404);
    assert.equal((await call(up.url, '/bench-up/-/bench-up-9.9.9.tgz')).status, 404);
    const stats = await upstreamStats(up.url);
    assert.equal(stats.total, 7);
    assert.equal(stats.byPath[`/${PROXIED}`], 3);
    await resetUpstream(up.url);
    assert.equal((await upstreamStats(up.url)).total, 0);
  });

  it('the load generator runs in its own process and reports server and client CPU', async () => {
    const s = await measure({ base: up.url, path: `/${PROXIED}`, headers: { accept: ABBREVIATED }, connections: 4, durationS: 1, pid: up.pid });
    assert.ok(s.ok > 0, `no 2xx: ${s.statuses}`);
    assert.equal(s.bad, 0);
    assert.ok(Number.isFinite(s.cpuUs) && s.cpuUs > 0, `server CPU per response: ${s.cpuUs}`);
    assert.ok(s.clientCores > 0 && s.clientCores < 2, `client cores: ${s.clientCores}`);
    assert.equal(clientBound({ clientCores: 0.95 }), true);
    assert.equal(clientBound({ clientCores: 0.5 }), false);
    // Generators cross the process boundary as data.
    const scan = await measure({ base: up.url, path: '/bench-cold-a', gen: { kind: 'scan', names: ['bench-cold-a', 'bench-cold-b'], tokens: ['t1'] }, connections: 2, durationS: 1 });
    assert.ok(scan.ok > 0);
  });

  it('a proxying Tessera is refused as "no proxy in this build" without --upstream, and proxies the static upstream with it', async () => {
    const supported = upstreamNoneArgs().length > 0;
    if (!supported) {
      await assert.rejects(startTessera('proxy', join(dir, 'data-proxy'), dir, undefined, up.url), NoProxyError);
      // Every other Tessera still starts (without the option).
      const t = await startTessera('plain', join(dir, 'data-plain'), dir);
      procs.push(t);
      assert.equal((await call(t.url, '/-/ping')).status, 200);
    } else {
      const t = await startTessera('proxy', join(dir, 'data-proxy'), dir, undefined, up.url);
      procs.push(t);
      const r = await call(t.url, `/${PROXIED}`, { headers: { accept: ABBREVIATED } });
      assert.equal(r.status, 200);
      const tgz = (JSON.parse(r.body.toString()) as { versions: Record<string, { dist: { tarball: string } }> }).versions['1.0.0'].dist.tarball;
      assert.ok(!tgz.startsWith(up.url), `tarball URL not rewritten to Tessera: ${tgz}`);
      assert.equal((await call(t.url, new URL(tgz).pathname)).status, 200);
    }
  });

  it('the npm ci project is a real lockfile of at least 300 registry packages, each with its integrity', () => {
    const entries = lockEntries(join(repoRoot, 'bench/ci-project/package-lock.json'));
    assert.ok(entries.length >= 300, `${entries.length} versions`);
    for (const e of entries) assert.match(e.integrity, /^sha512-/, `${e.name}@${e.version}`);
  });
});
