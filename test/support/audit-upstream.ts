// A tiny upstream registry for audit tests (node:http): it records every request exactly as
// received (gzip bodies inflated), answers the bulk and quick audit endpoints with canned
// advisories for the names it knows, serves the packuments and tarballs it is given, and can be
// told to misbehave (garbage, wrong statuses, silence).

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The body as text (inflated when it came gzip- or deflate-encoded). */
  body: string;
}

export type AuditMode =
  | 'ok'
  | 'html' // 200 with text/html
  | 'not-json' // 200, application/json, but not JSON
  | 'array' // 200 with a JSON array
  | 'bad-entry' // 200 with an entry that is not an array of advisories
  | 'status-404'
  | 'status-500'
  | 'redirect'
  | 'hang' // never answers
  | 'huge'; // more than the 16 MiB the proxy reads

/** Advisories as the npm registry's bulk endpoint gives them (one per vulnerable range). */
export const ADVISORIES: Record<string, unknown[]> = {
  lodash: [
    {
      id: 1106913,
      url: 'https://github.com/advisories/GHSA-jf85-cpcp-j695',
      title: 'Prototype Pollution in lodash',
      severity: 'critical',
      vulnerable_versions: '<4.17.12',
      cwe: ['CWE-1321'],
      cvss: { score: 9.1, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' },
    },
  ],
  minimist: [
    {
      id: 1096465,
      url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
      title: 'Prototype Pollution in minimist',
      severity: 'high',
      vulnerable_versions: '<1.2.6',
      cwe: ['CWE-1321'],
      cvss: { score: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    },
  ],
  '@mirror/x': [{ id: 42, url: 'https://example.test/42', title: 'Mirrored advisory', severity: 'low', vulnerable_versions: '*', cwe: [], cvss: { score: 2, vectorString: null } }],
};

/** The npm 6 report (what npm-audit-report reads) for the names of a quick body that have advisories. */
export function quickReport(body: Record<string, unknown>): Record<string, unknown> {
  const names = Object.keys((body.dependencies as object | undefined) ?? {}).filter((n) => ADVISORIES[n]);
  const advisories = Object.fromEntries(names.flatMap((n) => ADVISORIES[n].map((a) => [String((a as { id: number }).id), { ...(a as object), module_name: n, findings: [] }])));
  const vulnerabilities = { info: 0, low: 0, moderate: 0, high: 0, critical: 0 } as Record<string, number>;
  for (const a of Object.values(advisories)) vulnerabilities[(a as unknown as { severity: string }).severity] += 1;
  const count = Object.keys((body.dependencies as object | undefined) ?? {}).length;
  return { actions: [], advisories, muted: [], metadata: { vulnerabilities, dependencies: count, devDependencies: 0, optionalDependencies: 0, totalDependencies: count } };
}

export interface AuditUpstream {
  url: string;
  port: number;
  requests: Recorded[];
  mode: AuditMode;
  /** GET answers by path (e.g. "/lodash", "/lodash/-/lodash-4.17.20.tgz"). */
  files: Map<string, { type: string; body: Buffer }>;
  /** The recorded requests to the audit endpoints. */
  audits(): Recorded[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      const coding = req.headers['content-encoding'];
      if (coding === 'gzip') raw = gunzipSync(raw);
      else if (coding === 'deflate') raw = inflateSync(raw);
      resolve(raw.toString('utf8'));
    });
  });
}

export async function startAuditUpstream(port = 0): Promise<AuditUpstream> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const up: AuditUpstream = {
    url: '',
    port: 0,
    requests: [],
    mode: 'ok',
    files: new Map(),
    audits: () => up.requests.filter((r) => r.url.includes('/-/npm/v1/security/')),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const json = (res: import('node:http').ServerResponse, status: number, value: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    up.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET') {
      const file = up.files.get(decodeURIComponent(path));
      if (file) return void res.writeHead(200, { 'content-type': file.type }).end(file.body);
      return json(res, 404, { error: 'Not found' });
    }
    const bulk = path === '/-/npm/v1/security/advisories/bulk';
    const quick = path === '/-/npm/v1/security/audits/quick';
    if (req.method !== 'POST' || (!bulk && !quick)) return json(res, 404, { error: 'Not found' });
    switch (up.mode) {
      case 'html':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login page</html>');
      case 'not-json':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"lodash": [');
      case 'array':
        return json(res, 200, []);
      case 'bad-entry':
        return json(res, 200, { lodash: 'vulnerable', minimist: 'yes' });
      case 'status-404':
        return json(res, 404, { error: 'no audit here' });
      case 'status-500':
        return json(res, 500, { error: 'boom' });
      case 'redirect':
        return void res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
      case 'hang':
        hanging.add(res);
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"lodash": [');
        const chunk = Buffer.from(`${JSON.stringify({ pad: 'x'.repeat(1000) })},`.repeat(1000));
        for (let i = 0; i < 17 && !res.destroyed; i++) res.write(chunk);
        return void res.end('{}]}');
      }
      default: {
        const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
        if (quick) return json(res, 200, quickReport(parsed));
        return json(res, 200, Object.fromEntries(Object.keys(parsed).filter((n) => ADVISORIES[n]).map((n) => [n, ADVISORIES[n]])));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  up.port = (server.address() as AddressInfo).port;
  up.url = `http://127.0.0.1:${up.port}/`;
  return up;
}

/** A loopback port with nothing listening (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
