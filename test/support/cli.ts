// Driving a server as an administrator does: the `tessera` command beside it (a child process of
// bin/tessera.js: exit status, output, errors; the request log silenced) and reads over a socket.

import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `tessera ARGS` with `input` on standard input; resolves with status, stdout and stderr. */
export function runTessera(args: string[], input = ''): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['bin/tessera.js', ...args], { cwd: root, timeout: 60_000, env: { ...process.env, TESSERA_LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** GET `path` from a server on 127.0.0.1:`port` over a real socket (the read fast path included), with a bearer token when given. */
export function getOverSocket(port: number, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
