// The `tessera` command as an administrator runs it beside a server: a child process of
// bin/tessera.js, its exit status, output and errors (the request log silenced).

import { execFile } from 'node:child_process';
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
