// The upstream proxy with the real npm CLI (issue #15): Tessera in front of a second Tessera
// (started with --upstream none) that plays the public registry. Between them sits a small
// relay of the test's own that counts every request the upstream receives and can tamper with
// a tarball or go down: installs of a proxied tree, 50 concurrent misses making one upstream
// request, the stale copy served with the upstream down, a tampered tarball refused, npm star
// of a proxied package kept locally.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { expectFail, expectOk, nodeEval } from './harness/expect.ts';
import { api } from './harness/http.ts';
import { adduser, makeNpm, type Npm } from './harness/npm.ts';
import { type RunningServer, startServer } from './harness/server.ts';

const T = { timeout: 240_000 };
const PASSWORD = 'quartz-Lantern-47-mosaic';

interface Relay {
  url: string;
  /** Every request the upstream received through the relay: "METHOD path". */
  seen: string[];
  target: string;
  down: boolean;
  /** Paths whose response bodies get one byte flipped. */
  tamper: Set<string>;
  /** Paths whose requests wait for the promise before going on to the upstream. */
  hold: Map<string, Promise<void>>;
  close(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  const sockets = new Set<Socket>();
  const relay: Relay = { url: '', seen: [], target: '', down: false, tamper: new Set(), hold: new Map(), close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    relay.seen.push(`${req.method} ${req.url}`);
    await relay.hold.get(req.url ?? '');
    if (relay.down) {
      req.socket.destroy();
      return;
    }
    const target = new URL(req.url ?? '/', relay.target);
    const headers = { ...req.headers, host: target.host };
    delete headers['accept-encoding'];
    const out = httpRequest(target, { method: req.method, headers }, (up) => {
      if (!relay.tamper.has(req.url ?? '')) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.length > 100) body[body.length - 50] ^= 0xff;
        res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': body.length });
        res.end(body);
      });
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  relay.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return relay;
}

let relay: Relay;
let upstream: RunningServer;
let proxy: RunningServer;
let publisher: Npm;

const seenOf = (path: string) => relay.seen.filter((s) => s.endsWith(` ${path}`)).length;

before(async () => {
  relay = await startRelay();
  // The upstream's public URL is the relay's, so its tarball URLs lead through the relay too.
  upstream = await startServer({ args: ['--url', relay.url] });
  relay.target = upstream.url;
  publisher = (await adduser(relay.url, 'pub', PASSWORD, upstream)).npm;
  for (const [name, version, extra] of [
    ['dep-a', '1.0.0', {}],
    ['top-b', '1.0.0', { dependencies: { 'dep-a': '^1.0.0' } }],
    ['@pub/scoped', '2.0.0', {}],
    ['fifty', '1.0.0', {}],
    ['evil-tarball', '1.0.0', {}],
    ['starred-upstream', '1.0.0', {}],
  ] as const) {
    const r = await publisher.run(['publish', '--access', 'public'], { cwd: publisher.makePackage(name, version, extra) });
    expectOk(r, `npm publish ${name} to the upstream`, upstream);
  }
  proxy = await startServer({ env: { TESSERA_UPSTREAM: relay.url, TESSERA_PROXY_FRESH_SECONDS: '0' } });
  relay.seen.length = 0;
});

after(async () => {
  await proxy?.stop().catch(() => proxy.kill9());
  await upstream?.stop().catch(() => upstream.kill9());
  await relay?.close();
});

test('npm install of a proxied tree through Tessera, then again with the upstream down (stale copies, stored tarballs)', T, async () => {
  const npm = makeNpm(proxy.url);
  const project = npm.makeProject();
  const r = await npm.run(['install', 'top-b', '@pub/scoped'], { cwd: project });
  expectOk(r, 'npm install top-b @pub/scoped through the proxy', proxy);
  assert.equal(await nodeEval("process.stdout.write(require('top-b') + ' ' + require('dep-a') + ' ' + require('@pub/scoped'))", project), 'top-b@1.0.0 dep-a@1.0.0 @pub/scoped@2.0.0');
  assert.ok(seenOf('/dep-a/-/dep-a-1.0.0.tgz') === 1, 'the tarball came from the upstream once');
  const lock = JSON.parse(await nodeEval("process.stdout.write(require('fs').readFileSync('package-lock.json', 'utf8'))", project)) as { packages: Record<string, { resolved: string }> };
  assert.equal(lock.packages['node_modules/dep-a'].resolved, `${proxy.url}dep-a/-/dep-a-1.0.0.tgz`, 'tarball URLs point at Tessera');

  relay.down = true;
  try {
    const offline = makeNpm(proxy.url);
    const again = offline.makeProject();
    const r2 = await offline.run(['install', 'top-b', '@pub/scoped'], { cwd: again });
    expectOk(r2, 'npm install with the upstream down (a fresh npm cache)', proxy);
    assert.match(proxy.output(), /serving the stored packument stale/);
    const res = await fetch(`${proxy.url}top-b`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('warning'), '110 - "Response is stale"');
    const never = await fetch(`${proxy.url}never-fetched-name`);
    assert.equal(never.status, 502);
    assert.match(((await never.json()) as { error: string }).error, /upstream default/);
  } finally {
    relay.down = false;
  }
});

test('50 concurrent misses of one name make one upstream request', T, async () => {
  // The proxy keeps nothing fresh (TESSERA_PROXY_FRESH_SECONDS=0), so the upstream's answer is
  // held until all 50 requests are surely in: otherwise a slow machine could send the last
  // ones after the first load ended, and they would rightly ask the upstream again.
  let release = () => {};
  relay.hold.set('/fifty', new Promise<void>((r) => (release = r)));
  const sent = Promise.all(Array.from({ length: 50 }, () => fetch(`${proxy.url}fifty`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })));
  while (seenOf('/fifty') === 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 1000));
  release();
  relay.hold.delete('/fifty');
  const answers = await sent;
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  assert.equal(seenOf('/fifty'), 1);
});

test('a tampered upstream tarball is refused: npm fails the install, nothing is stored, later requests get 502 with the reason', T, async () => {
  relay.tamper.add('/evil-tarball/-/evil-tarball-1.0.0.tgz');
  try {
    const npm = makeNpm(proxy.url);
    const project = npm.makeProject();
    const r = await npm.run(['install', 'evil-tarball'], { cwd: project });
    expectFail(r, 'npm install of a tampered tarball', [/npm error/], proxy);
    assert.match(proxy.output(), /upstream tarball refused/);
    const again = await fetch(`${proxy.url}evil-tarball/-/evil-tarball-1.0.0.tgz`);
    assert.equal(again.status, 502);
    assert.match(((await again.json()) as { error: string }).error, /does not match the integrity/);
  } finally {
    relay.tamper.clear();
  }
});

test('npm star of a proxied package is kept by Tessera and never reaches the upstream', T, async () => {
  const { npm: carol } = await adduser(proxy.url, 'carol', PASSWORD, proxy);
  const r = await carol.run(['star', 'starred-upstream']);
  expectOk(r, 'npm star of a proxied package', proxy);
  const stars = await carol.run(['stars']);
  expectOk(stars, 'npm stars', proxy);
  assert.match(stars.stdout, /starred-upstream/);
  assert.deepEqual(relay.seen.filter((s) => !s.startsWith('GET ')), [], 'only reads reached the upstream');
  const view = await api(proxy.url, '/-/_view/starredByUser?key=%22carol%22', {});
  assert.deepEqual(view.json.rows, [{ key: 'carol', value: 'starred-upstream' }]);
});
