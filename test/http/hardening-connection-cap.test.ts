// The server holds a bounded number of connections in all, below its open-file limit (review 2,
// edge re-attack item 2): the per-address cap alone let 8 loopback addresses x 128 slow
// connections use up 1024 descriptors, so a 9th address got resets and the database and tarball
// files could not be opened. Now a server-wide cap (derived from the limit) refuses the excess
// with 503 JSON, closes idle kept-alive connections first, and answers again as soon as slots
// free; `tessera serve` warns when the limit is low for the caps.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectionCap, descriptorWarning, openFileLimit, RESERVED_DESCRIPTORS } from '../../src/http/connections.ts';
import { startApp } from '../support/app.ts';
import { makeTarball, publishBody, publishBodyFor } from '../support/tarball.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection from `localAddress` that sends a partial request line and nothing more (one byte every second if `trickle`). */
function slowClient(port: number, localAddress: string): Promise<{ socket: Socket; answer: () => string }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => {
      socket.write('GET /-/ping HTTP/1.1\r\nHost: x\r\nX-a: ');
      resolve({ socket, answer: () => data });
    });
    socket.on('data', (d) => (data += d.toString()));
    socket.on('error', () => resolve({ socket, answer: () => data || 'reset' }));
  });
}

/** One request on a fresh connection from `localAddress`: status and body, or the error code. */
function get(port: number, path: string, opts: { localAddress?: string; token?: string; method?: string; body?: string } = {}): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        localAddress: opts.localAddress ?? '127.60.0.1',
        agent: false,
        headers: { connection: 'close', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.setTimeout(5000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(opts.body);
  });
}

test('the cap is derived from the open-file limit (two descriptors per connection, a reserve) unless configured; the warning', () => {
  assert.equal(openFileLimit(() => 'Limit   Soft Limit  Hard Limit  Units\nMax open files            1024                 4096                 files     \n'), 1024);
  assert.equal(openFileLimit(() => 'Max open files            unlimited            unlimited            files\n'), null);
  assert.equal(openFileLimit(() => {
    throw new Error('ENOENT');
  }), null);
  assert.equal(connectionCap(1024), Math.floor((1024 - RESERVED_DESCRIPTORS) / 2));
  assert.equal(connectionCap(1024, 300), 300, 'maxConnections wins');
  assert.equal(connectionCap(null), 0, 'no known limit, none configured: no cap');
  assert.equal(connectionCap(64), 16, 'never below 16');
  // 1024 descriptors: 462 connections, filled by 8 clients at the default 64 each.
  assert.match(descriptorWarning(1024, 0, 64) ?? '', /open-file limit of 1024 allows 462 connections, which 8 clients/);
  assert.match(descriptorWarning(1024, 2000, 64) ?? '', /maxConnections is 2000/);
  assert.equal(descriptorWarning(1_048_576, 0, 64), null);
  assert.match(descriptorWarning(null, 0, 64) ?? '', /unknown/);
});

test('in process: when full, idle kept-alive connections are closed first, then new ones get 503 JSON; slots free at once', async () => {
  const t = await startApp({ 'max-connections': '20', 'max-connections-per-client': '5', 'headers-timeout-seconds': '60' });
  try {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as { port: number }).port;
    // One kept-alive connection that finished a request and sits idle.
    const idle = connect({ port, host: '127.0.0.1', localAddress: '127.61.0.1' });
    idle.on('error', () => {});
    let idleClosed = false;
    idle.on('close', () => (idleClosed = true));
    await new Promise<void>((resolve) => {
      idle.on('data', () => resolve());
      idle.write('GET /-/ping HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    // 19 slow connections from 4 addresses (5, 5, 5, 4): the server is full.
    const slow = [];
    for (let i = 0; i < 19; i++) slow.push(await slowClient(port, `127.50.${Math.floor(i / 5)}.1`));
    await sleep(100);
    // The next one takes the idle connection's place.
    const first = await get(port, '/-/ping');
    assert.ok('status' in first && first.status === 200, JSON.stringify(first));
    assert.ok(idleClosed, 'the idle kept-alive connection was closed to make room');
    // Fill the freed slot with one more slow one; now nothing is idle: 503 JSON, not a reset.
    slow.push(await slowClient(port, '127.50.4.1'));
    await sleep(1100); // the idle sweep runs at most once a second
    const refused = await get(port, '/-/ping');
    assert.ok('status' in refused, JSON.stringify(refused));
    assert.equal(refused.status, 503);
    assert.equal(JSON.parse(refused.body).code, 'SERVER_BUSY');
    for (const s of slow) assert.equal(s.answer(), '', 'the slow connections were not refused');
    // Slots free as connections close: the next request is answered.
    slow.pop()!.socket.destroy();
    await sleep(100);
    const again = await get(port, '/-/ping');
    assert.ok('status' in again && again.status === 200, JSON.stringify(again));
    for (const s of slow) s.socket.destroy();
  } finally {
    await t.close();
  }
});

/** `node bin/tessera.js serve` under `ulimit -n` (Linux: /proc). */
async function startLimited(files: number, dataDir: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn('sh', ['-c', `ulimit -n ${files} && exec "$0" bin/tessera.js serve --host 127.0.0.1 --port 0 --data "$1" --log-level warn`, process.execPath, dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  for (let i = 0; i < 300 && !/listening on http:\/\/127\.0\.0\.1:(\d+)/.test(out); i++) await sleep(100);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
  assert.ok(port > 0, out);
  return { child, port, output: () => out };
}

let running: ChildProcess | undefined;
after(() => running?.kill('SIGKILL'));

test('the reviewer input, under ulimit -n 256: slow connections from 15 addresses cannot use up the descriptors; database and tarballs keep working', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const FILES = 256;
  const cap = connectionCap(FILES);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-fdcap-'));
  const server = await startLimited(FILES, dataDir);
  running = server.child;
  const { port } = server;
  try {
    assert.match(server.output(), /warning: the open-file limit of 256 allows 78 connections/, 'the start-up warning');
    const signup = await get(port, '/-/user/org.couchdb.user:alice', {
      method: 'PUT',
      body: JSON.stringify({ name: 'alice', password: 'violet kettle orbit 42', email: 'alice@example.com' }),
    });
    assert.ok('status' in signup && signup.status === 201, JSON.stringify(signup));
    const token = JSON.parse(signup.body).token as string;
    const tarball = makeTarball({ 'package.json': JSON.stringify({ name: 'fd-pkg', version: '1.0.0', main: 'index.js' }), 'index.js': '' });
    const pub = await get(port, '/fd-pkg', { method: 'PUT', token, body: JSON.stringify(publishBodyFor('fd-pkg', '1.0.0', tarball)) });
    assert.ok('status' in pub && pub.status === 201, JSON.stringify(pub));
    await sleep(200);

    // Fill to two below the cap: 15 addresses, at most the per-client 64 each.
    const slow: Array<{ socket: Socket; answer: () => string }> = [];
    for (let i = 0; i < cap - 2; i++) slow.push(await slowClient(port, `127.50.${i % 15}.1`));
    await sleep(200);
    // The last two slots: a first read of the tarball from disk and a publish (database, blob file).
    const tgz = await get(port, '/fd-pkg/-/fd-pkg-1.0.0.tgz');
    assert.ok('status' in tgz && tgz.status === 200, JSON.stringify(tgz));
    const pub2 = await get(port, '/fd-pkg2', { method: 'PUT', token, body: JSON.stringify(publishBody('fd-pkg2', '1.0.0')) });
    assert.ok('status' in pub2 && pub2.status === 201, JSON.stringify(pub2));

    // Now hold the cap and try 3x as many more from the 15 addresses: every one is refused cleanly.
    for (let i = 0; i < 2; i++) slow.push(await slowClient(port, `127.51.${i}.1`));
    await sleep(1100);
    const extra = await Promise.all(Array.from({ length: 3 * cap }, (_, i) => slowClient(port, `127.50.${i % 15}.1`)));
    await sleep(300);
    const refused = extra.filter((c) => /^HTTP\/1\.1 503 /.test(c.answer())).length;
    assert.equal(refused, extra.length, `all ${extra.length} extra connections got 503 (${extra.map((c) => c.answer().slice(0, 12)).join(',')})`);
    const probe = await get(port, '/-/ping');
    assert.ok('status' in probe && probe.status === 503, `a 9th address gets 503 JSON, not a reset: ${JSON.stringify(probe)}`);
    const fds = readdirSync(`/proc/${server.child.pid}/fd`).length;
    assert.ok(fds < FILES - 50, `the server holds ${fds} of its ${FILES} descriptors`);
    assert.equal(server.child.exitCode, null, 'still up');
    for (const c of extra) c.socket.destroy();

    // Slots free: answered again at once, tarball and database too.
    for (const s of slow.splice(0, 10)) s.socket.destroy();
    await sleep(100);
    const ping = await get(port, '/-/ping');
    assert.ok('status' in ping && ping.status === 200, JSON.stringify(ping));
    const whoami = await get(port, '/-/whoami', { token });
    assert.ok('status' in whoami && whoami.status === 200 && /alice/.test(whoami.body), JSON.stringify(whoami));
    for (const s of slow) s.socket.destroy();
    assert.doesNotMatch(server.output(), /EMFILE|too many open files/i);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    running = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
