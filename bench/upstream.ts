// A small static npm registry for the proxy benchmarks: the upstream a proxying Tessera (or
// Verdaccio, through its uplinks) fetches from. Serves full and abbreviated packuments and
// tarballs from a folder, counts every request it gets, and can answer late (a real upstream is
// tens of milliseconds away).
//
//   node --import tsx bench/upstream.ts DIR [--delay-ms N]     prints `listening on http://127.0.0.1:PORT/`
//
// DIR/packuments/<encodeURIComponent(name)>.json   full packuments; "__UPSTREAM__/" in them is
//                                                  replaced by this server's base URL
// DIR/tarballs/<name>/-/<file>.tgz                 the tarballs, at the paths npm asks for
// A packument or tarball of a name starting with `bench-cold-` or equal to `bench-up` that has
// no file of its own is served from the `__template__` ones, with `__template__` replaced by
// the name (one packument, any number of never-seen names: the stampede rows).
//
// Bench endpoints (not counted): GET /-/bench/stats → {"total": N, "byPath": {path: N}},
// POST /-/bench/reset sets the counts to zero.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const TEMPLATE = '__template__';
export const UPSTREAM_BASE = '__UPSTREAM__/';

/** Names served from the template when they have no packument of their own. */
export function templated(name: string): boolean {
  return name === 'bench-up' || name.startsWith('bench-cold-');
}

/** The fields of a version npm's abbreviated form keeps (registry docs, "Abbreviated metadata format"). */
const ABBREVIATED_FIELDS = [
  'name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies', 'bundleDependencies', 'bundledDependencies',
  'peerDependencies', 'peerDependenciesMeta', 'acceptDependencies', 'bin', 'directories', 'dist', 'engines', '_hasShrinkwrap', 'hasInstallScript', 'cpu', 'os', 'libc', 'funding', 'license',
];

interface Forms {
  full: Buffer;
  abbreviated: Buffer;
  etagFull: string;
  etagAbbreviated: string;
}

function forms(text: string): Forms {
  const doc = JSON.parse(text) as { name: string; 'dist-tags': unknown; time?: { modified?: string }; versions: Record<string, Record<string, unknown>> };
  const versions: Record<string, Record<string, unknown>> = {};
  for (const [v, m] of Object.entries(doc.versions)) {
    const a: Record<string, unknown> = {};
    for (const k of ABBREVIATED_FIELDS) if (m[k] !== undefined) a[k] = m[k];
    if (m.scripts && typeof m.scripts === 'object' && ['preinstall', 'install', 'postinstall'].some((s) => s in (m.scripts as object))) a.hasInstallScript = true;
    versions[v] = a;
  }
  const full = Buffer.from(JSON.stringify(doc));
  const abbreviated = Buffer.from(JSON.stringify({ name: doc.name, 'dist-tags': doc['dist-tags'], modified: doc.time?.modified ?? new Date(0).toISOString(), versions }));
  const tag = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex')}"`;
  return { full, abbreviated, etagFull: tag(full), etagAbbreviated: tag(abbreviated) };
}

function main(dir: string, delayMs: number): void {
  const counts = new Map<string, number>();
  let total = 0;
  let base = '';
  const packuments = new Map<string, Forms | null>();
  const packument = (name: string): Forms | null => {
    if (packuments.has(name)) return packuments.get(name)!;
    let file = join(dir, 'packuments', `${encodeURIComponent(name)}.json`);
    let text: string | null = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (text === null && templated(name)) {
      file = join(dir, 'packuments', `${TEMPLATE}.json`);
      text = existsSync(file) ? readFileSync(file, 'utf8').replaceAll(TEMPLATE, name) : null;
    }
    const f = text === null ? null : forms(text.replaceAll(UPSTREAM_BASE, base));
    packuments.set(name, f);
    return f;
  };
  const tarball = (name: string, file: string): Buffer | null => {
    const p = join(dir, 'tarballs', name, '-', file);
    if (!p.startsWith(join(dir, 'tarballs'))) return null;
    if (existsSync(p)) return readFileSync(p);
    if (!templated(name) || !file.startsWith(`${name.split('/').pop()}-`)) return null;
    const t = join(dir, 'tarballs', TEMPLATE, '-', `${TEMPLATE}-${file.slice(name.split('/').pop()!.length + 1)}`);
    return existsSync(t) ? readFileSync(t) : null;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/-/bench/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total, byPath: Object.fromEntries(counts) }));
      return;
    }
    if (path === '/-/bench/reset' && req.method === 'POST') {
      counts.clear();
      total = 0;
      res.writeHead(204).end();
      return;
    }
    total++;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = () => {
      const send = (status: number, headers: Record<string, string>, body: Buffer | string) => {
        res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers }).end(req.method === 'HEAD' ? undefined : body);
      };
      const notFound = () => send(404, { 'content-type': 'application/json' }, '{"error":"Not found"}');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { 'content-type': 'application/json' }, '{"error":"Method not allowed"}');
      let p: string;
      try {
        p = decodeURIComponent(path.slice(1));
      } catch {
        return notFound();
      }
      const m = /^((?:@[^/]+\/)?[^/@][^/]*)\/-\/([^/]+\.tgz)$/.exec(p);
      if (m) {
        const body = tarball(m[1], m[2]);
        return body ? send(200, { 'content-type': 'application/octet-stream' }, body) : notFound();
      }
      if (!/^(?:@[^/]+\/)?[^/@][^/]*$/.test(p)) return notFound();
      const f = packument(p);
      if (!f) return notFound();
      const abbreviated = (req.headers.accept ?? '').includes('application/vnd.npm.install-v1+json');
      const etag = abbreviated ? f.etagAbbreviated : f.etagFull;
      const headers = { 'content-type': abbreviated ? 'application/vnd.npm.install-v1+json' : 'application/json', etag, vary: 'accept', 'cache-control': 'public, max-age=300' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag }).end();
        return;
      }
      send(200, headers, abbreviated ? f.abbreviated : f.full);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
    process.stdout.write(`listening on ${base}\n`);
  });
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'delay-ms': { type: 'string' } } });
  if (!positionals[0]) {
    process.stderr.write('usage: node --import tsx bench/upstream.ts DIR [--delay-ms N]\n');
    process.exit(2);
  }
  main(resolve(positionals[0]), Number(values['delay-ms'] ?? 0));
}
