// JS cost of the read fast path per request, without sockets: the server's request listener
// called with stand-in req/res objects, bearer vs anonymous vs a ceiling-like handler.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { createServer } from '../src/server.ts';
import { publishBody } from './lib/packages.ts';
import { ABBREVIATED } from './lib/client.ts';

const dir = mkdtempSync(join(tmpdir(), 'mb-'));
const config = loadConfig({ flags: { data: dir, url: 'http://registry.test/', upstream: 'none', 'log-level': 'silent', 'signups-per-hour': '1000', 'logins-per-hour': '1000' }, env: {} });
const server = await createServer(config, {});
const app = server.app;
await app.listen({ port: 0, host: '127.0.0.1' });
const r = await app.inject({ method: 'PUT', url: '/-/user/org.couchdb.user:bench', payload: { name: 'bench', password: 'violet kettle orbit 42', email: 'b@example.com' } });
const token = r.json().token as string;
for (let i = 0; i < 20; i++) {
  const b = publishBody('bench-pkg', `1.0.${i}`);
  const p = await app.inject({ method: 'PUT', url: '/bench-pkg', payload: b.body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  if (p.statusCode !== 201 && p.statusCode !== 200) throw new Error(p.body);
}
const listener = app.server.listeners('request')[0] as (req: unknown, res: unknown) => void;
let done = 0;
let resolveAll: () => void = () => {};
const res = { headersSent: false, destroyed: false, writeHead(_s: number, _h: unknown) { return this; }, end(_b?: unknown) { done++; if (done === target) resolveAll(); return this; }, setHeader() {}, on() {}, once() {} };
let target = 0;
function makeReq(auth: boolean, accept: string) {
  return { method: 'GET', url: '/bench-pkg', headers: { host: '127.0.0.1', accept, ...(auth ? { authorization: `Bearer ${token}` } : {}), connection: 'keep-alive' }, socket: { remoteAddress: '127.0.0.1' }, connection: { remoteAddress: '127.0.0.1' } };
}
async function run(name: string, auth: boolean, n: number, batch = 50) {
  const req = makeReq(auth, ABBREVIATED);
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    done = 0;
    target = batch;
    const p = new Promise<void>((r) => (resolveAll = r));
    for (let j = 0; j < batch; j++) listener(req, res);
    await p;
  }
  const c = process.cpuUsage(t0);
  const w = performance.now() - w0;
  console.log(`${name}: ${(((c.user + c.system) / n)).toFixed(2)} µs CPU, ${((w * 1000) / n).toFixed(2)} µs wall per request`);
}
const ceilingBody = Buffer.alloc(7000);
function ceiling(req: { url: string; headers: Record<string, string> }, r: typeof res) {
  const abbreviated = (req.headers.accept ?? '').startsWith('application/vnd.npm.install-v1+json');
  if (!abbreviated) throw new Error();
  r.writeHead(200, { 'content-type': 'x' }).end(ceilingBody);
}
async function runCeiling(n: number) {
  const req = makeReq(true, ABBREVIATED);
  const t0 = process.cpuUsage();
  done = 0; target = -1;
  for (let i = 0; i < n; i++) ceiling(req as never, res);
  const c = process.cpuUsage(t0);
  console.log(`ceiling-like: ${(((c.user + c.system) / n)).toFixed(2)} µs CPU per request`);
}
const N = Number(process.argv[2] ?? 200000);
for (let round = 0; round < 3; round++) {
  await run('bearer', true, N);
  await run('anonymous', false, N);
  await runCeiling(N);
}
await app.close();
process.exit(0);
