// Assertions on npm runs whose failure messages carry everything needed to debug them:
// npm's stdout and stderr, and the tail of the server's log.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { RunResult, PtyResult } from './npm.ts';
import type { RunningServer } from './server.ts';
import { tail } from './tmp.ts';

export function describeRun(r: RunResult | PtyResult, server?: RunningServer): string {
  const body =
    'output' in r
      ? `--- terminal ---\n${tail(r.output)}`
      : `--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
  const log = server ? `\n--- server output (tail) ---\n${tail(server.output(), 3000)}` : '';
  return `exit code ${r.code}\n${body}${log}`;
}

/** Asserts a successful exit (code 0). */
export function expectOk(r: RunResult | PtyResult, what: string, server?: RunningServer): void {
  assert.equal(r.code, 0, `${what} should succeed; ${describeRun(r, server)}`);
}

/**
 * Asserts that npm failed with exit code 1 and that its error output (stderr, or the terminal
 * for pty runs) matches every pattern.
 */
export function expectFail(
  r: RunResult | PtyResult,
  what: string,
  patterns: RegExp[],
  server?: RunningServer,
): void {
  assert.equal(r.code, 1, `${what} should fail with exit code 1; ${describeRun(r, server)}`);
  const text = 'output' in r ? r.output : r.stderr;
  for (const p of patterns) assert.match(text, p, `${what}: expected ${p}; ${describeRun(r, server)}`);
}

/** Runs `node -e CODE` in a folder (to require installed packages); resolves with stdout. */
export function nodeEval(code: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { cwd, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`node -e failed in ${cwd}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Escapes a string for use inside a RegExp. */
export function re(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
