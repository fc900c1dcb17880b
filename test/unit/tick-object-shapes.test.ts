// process.nextTick stays on V8's fast path after an idle full GC (src/runtime/tick-object-shapes.ts).
// Each case starts a process with test/support/tick-shapes-probe.mjs preloaded, which collects
// all garbage while no tick is queued and then reports whether a new tick object has the hidden
// class of the one held (V8's inline caches for nextTick's literal stay monomorphic exactly then;
// docs/performance.md has the profiles and the measured cost).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = join(root, 'test/support/tick-shapes-probe.mjs');
const module = join(root, 'src/runtime/tick-object-shapes.ts');

/** Whether a tick object made after the collection has the held one's hidden class; null when none is held. */
function sameAsKept(args: string[], afterMs: number): Promise<boolean | null> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TESSERA_LOG_LEVEL: 'silent', PROBE_MODULE: module, PROBE_AFTER_MS: String(afterMs) };
    execFile(process.execPath, ['--expose-gc', '--allow-natives-syntax', '--import', 'tsx', '--import', probe, ...args], { cwd: root, timeout: 60_000, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      const line = /\{"sameAsKept":(true|false|null)\}/.exec(stdout);
      if (!line) return reject(new Error(`the probe printed no result:\n${stdout.slice(-1000)}\n${stderr.slice(-1000)}`));
      resolve(JSON.parse(line[1]) as boolean | null);
    });
  });
}

describe('nextTick after an idle full garbage collection', () => {
  it('makes tick objects of the held hidden class when keepTickObjectShapes ran first', async () => {
    const keep = `(await import(${JSON.stringify(module)})).keepTickObjectShapes();`;
    assert.equal(await sameAsKept(['--input-type=module', '-e', keep], 1000), true);
  });

  it('holds nothing unless asked', async () => {
    assert.equal(await sameAsKept(['--input-type=module', '-e', ''], 0), null);
  });

  it('does so in a running `tessera serve` (bin/tessera.js holds one first)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tick-'));
    try {
      assert.equal(await sameAsKept(['bin/tessera.js', 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir, '--upstream', 'none'], 3000), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
