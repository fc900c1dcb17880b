// A small upstream registry of the test's own (node:http on 127.0.0.1): it answers the
// packuments and tarballs a test gives it, records every request it receives, and can be made
// slow, down, tampered, redirecting, or answer with anything else a test needs.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  accept: string | undefined;
  ifNoneMatch: string | undefined;
  authorization: string | undefined;
}

/** A custom answer: status, headers, body (and an optional delay before the headers, ms). */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  delayMs?: number;
}

export interface TestUpstream {
  url: string;
  requests: Recorded[];
  /** name → packument document (served as JSON, with an ETag). */
  packuments: Map<string, Record<string, unknown>>;
  /** URL path → tarball bytes. */
  tarballs: Map<string, Buffer>;
  /** URL path → an answer that replaces the normal one. */
  overrides: Map<string, Answer>;
  /** Delay before every answer (ms). */
  delayMs: number;
  /** Adds a package with one version per entry: the tarball's bytes are `content`; returns its dist. */
  addVersion(name: string, version: string, content: Buffer, options?: { shasumOnly?: boolean; time?: string }): { tarball: string; integrity?: string; shasum: string };
  /** Stops listening and drops open connections (the upstream is then "down"). */
  close(): Promise<void>;
}

const escaped = (name: string) => (name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name));

export async function startUpstream(): Promise<TestUpstream> {
  const requests: Recorded[] = [];
  const packuments = new Map<string, Record<string, unknown>>();
  const tarballs = new Map<string, Buffer>();
  const overrides = new Map<string, Answer>();
  const sockets = new Set<import('node:net').Socket>();
  const up: TestUpstream = {
    url: '',
    requests,
    packuments,
    tarballs,
    overrides,
    delayMs: 0,
    addVersion(name, version, content, options = {}) {
      const base = name.split('/').pop() as string;
      const path = `/${name}/-/${base}-${version}.tgz`;
      tarballs.set(path, content);
      const shasum = createHash('sha1').update(content).digest('hex');
      const integrity = `sha512-${createHash('sha512').update(content).digest('base64')}`;
      const dist = options.shasumOnly ? { tarball: `${up.url.replace(/\/$/, '')}${path}`, shasum } : { tarball: `${up.url.replace(/\/$/, '')}${path}`, integrity, shasum };
      const doc = (packuments.get(name) ?? { name, 'dist-tags': {}, versions: {}, time: {} }) as { 'dist-tags': Record<string, string>; versions: Record<string, unknown>; time: Record<string, string> };
      doc.versions[version] = { name, version, dist };
      doc['dist-tags'].latest = version;
      doc.time[version] = options.time ?? '2020-01-01T00:00:00.000Z';
      packuments.set(name, doc as unknown as Record<string, unknown>);
      return dist;
    },
    close: async () => {},
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', url, accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'], authorization: req.headers.authorization });
    if (up.delayMs) await new Promise((r) => setTimeout(r, up.delayMs));
    const override = overrides.get(url);
    if (override) {
      if (override.delayMs) await new Promise((r) => setTimeout(r, override.delayMs));
      res.writeHead(override.status ?? 200, override.headers ?? {});
      res.end(override.body ?? '');
      return;
    }
    const tarball = tarballs.get(url);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
      res.end(tarball);
      return;
    }
    const name = decodeURIComponent(url.slice(1));
    const doc = packuments.get(name);
    if (!doc || url !== `/${escaped(name)}`) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"Not found"}');
      return;
    }
    const body = JSON.stringify(doc);
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag });
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  up.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return up;
}
