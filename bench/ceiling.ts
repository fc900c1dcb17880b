// The ceiling: a plain node:http server that answers with bytes captured from Tessera (same
// status, headers and body), held in memory. No routing framework, no auth, no storage: the
// fastest any Node registry could answer these requests on this machine.
//
//   node --import tsx bench/ceiling.ts CAPTURE.json     prints `listening on http://127.0.0.1:PORT/`

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Captured {
  path: string;
  /** The packument form this answer is for; null for tarballs. */
  form: 'full' | 'abbreviated' | null;
  status: number;
  headers: Record<string, string>;
  bodyB64: string;
}

/** The headers of a Tessera answer worth replaying (connection and date are node:http's own). */
export const REPLAYED = ['content-type', 'content-length', 'etag', 'vary', 'cache-control'];

function main(file: string): void {
  const entries = (JSON.parse(readFileSync(file, 'utf8')) as Captured[]).map((e) => ({ ...e, body: Buffer.from(e.bodyB64, 'base64') }));
  const server = createServer((req, res) => {
    const abbreviated = (req.headers.accept ?? '').startsWith('application/vnd.npm.install-v1+json');
    const e = entries.find((x) => x.path === req.url && (x.form === null || (x.form === 'abbreviated') === abbreviated));
    if (!e) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found."}');
      return;
    }
    res.writeHead(e.status, e.headers).end(e.body);
  });
  server.keepAliveTimeout = 72_000;
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`listening on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/\n`);
  });
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/ceiling.ts CAPTURE.json\n');
    process.exit(2);
  }
  main(file);
}
