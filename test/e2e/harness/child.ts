// Runs a spawned child to its end: collects stdout and stderr, writes its input (or none), and
// on timeout kills its process group (or the child alone when it has none) and fails with the
// tail of what it printed.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { tail } from './tmp.ts';

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function finish(child: ChildProcessWithoutNullStreams, label: string, timeoutMs: number, input = ''): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {}); // the child may exit before reading its input
    child.stdin.end(input);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL'); // detached children lead a group: kill it whole
      } catch {
        child.kill('SIGKILL');
      }
      reject(new Error(`${label} did not finish within ${timeoutMs} ms\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
