// Temporary folders for end-to-end tests, removed when the test process exits.
// Set E2E_KEEP_TMP=1 to keep them for a post-mortem (their paths appear in failure messages).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
let hooked = false;

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tessera-e2e-${prefix}-`));
  created.push(dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      if (process.env['E2E_KEEP_TMP'] === '1') return;
      for (const d of created) {
        try {
          rmSync(d, { recursive: true, force: true });
        } catch {
          // best effort: a leftover temp folder must not fail the run
        }
      }
    });
  }
  return dir;
}

/** Removes ANSI escape sequences (colours, cursor moves) and carriage returns. */
export function stripAnsi(text: string): string {
  return text
    // CSI sequences: ESC [ params final-byte
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    // OSC sequences: ESC ] ... BEL or ESC \
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '')
    // other two-byte escapes
    .replace(/\u001b[@-Z\\-_]/g, '')
    .replace(/\r/g, '');
}

/** Keeps the last `max` characters of a log, for error messages. */
export function tail(text: string, max = 6000): string {
  return text.length <= max ? text : `…(${text.length - max} chars cut)…\n${text.slice(-max)}`;
}
