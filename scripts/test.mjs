#!/usr/bin/env node
// `npm test`: type-check, then run unit and HTTP tests, then the end-to-end tests (real npm CLI)
// and the browser tests (Chromium).
//
//   npm test                      everything
//   npm test -- registry totp     only test files whose path contains "registry" or "totp"
//   npm test -- --test-name-pattern=logout   options starting with "-" go to `node --test`
//   npm test -- --no-typecheck    skip `tsc --noEmit`
//
// Node 20's `--test` takes no globs and finds no .ts files, so the files are listed here.
// Off a terminal the default reporter is TAP: each phase prints its `# pass N` / `# fail N`,
// and a last `# total` block sums both phases.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const typecheck = !argv.includes('--no-typecheck');
const nodeFlags = argv.filter((a) => a.startsWith('-') && a !== '--no-typecheck');
const filters = argv.filter((a) => !a.startsWith('-'));
const e2eConcurrency = process.env.E2E_CONCURRENCY ?? '2';

function run(cmd, args, { tee } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: tee ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    });
    let out = '';
    if (tee) {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        out += d;
        process.stdout.write(d);
      });
    }
    child.on('error', (e) => {
      console.error(`could not run ${cmd}: ${e.message}`);
      resolve({ code: 1, out });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(full));
    else if (/\.test\.(ts|mts|js|mjs)$/.test(entry.name)) found.push(full);
  }
  return found;
}

function counts(out) {
  const grab = (name) => {
    const all = [...out.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return { tests: grab('tests'), pass: grab('pass'), fail: grab('fail'), cancelled: grab('cancelled'), skipped: grab('skipped'), todo: grab('todo') };
}

if (typecheck) {
  console.log('# tsc --noEmit -p .');
  const tsc = await run('npx', ['tsc', '--noEmit', '-p', '.']);
  if (tsc.code !== 0) {
    console.error('# type check failed: no tests run');
    process.exit(tsc.code || 1);
  }
}

let files = findTests(join(root, 'test'))
  .map((f) => relative(root, f))
  .sort();
if (filters.length) files = files.filter((f) => filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error(`# no test files match ${filters.join(', ') || '(none found under test/)'}`);
  process.exit(1);
}
// Browser tests (Chromium, the real npm CLI, the real clock) run with the end-to-end tests.
const isE2e = (f) => f.startsWith(`test${sep}e2e${sep}`) || f.startsWith(`test${sep}browser${sep}`);
const phases = [
  { name: 'unit and http', files: files.filter((f) => !isE2e(f)), flags: [] },
  {
    name: 'e2e',
    files: files.filter(isE2e),
    flags: [`--test-concurrency=${e2eConcurrency}`, '--test-force-exit'],
  },
];

// No test may leave this machine (issue #15): every test process loads the network guard,
// which refuses connections to non-loopback addresses and records them in this file.
const guardDir = mkdtempSync(join(tmpdir(), 'tessera-net-guard-'));
const guardLog = join(guardDir, 'refused.jsonl');
process.env.TESSERA_NETWORK_GUARD_LOG = guardLog;
const guardImport = ['--import', new URL('../test/support/network-guard.mjs', import.meta.url).href];

const tee = !process.stdout.isTTY;
const total = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
let failed = false;
for (const phase of phases) {
  if (phase.files.length === 0) continue;
  console.log(`# ${phase.name}: ${phase.files.length} file(s)`);
  const result = await run(
    process.execPath,
    [...guardImport, '--import', 'tsx', '--test', ...phase.flags, ...nodeFlags, ...phase.files],
    { tee },
  );
  if (result.code !== 0) failed = true;
  const c = counts(result.out);
  for (const k of Object.keys(total)) total[k] += c[k];
}

let refusedLines = '';
try {
  refusedLines = readFileSync(guardLog, 'utf8').trim();
} catch {
  // no attempt was recorded
}
rmSync(guardDir, { recursive: true, force: true });
if (refusedLines) {
  failed = true;
  console.log(`# network guard: connections to non-loopback addresses were attempted (and refused):`);
  for (const line of refusedLines.split('\n').slice(0, 20)) console.log(`#   ${line}`);
}

if (tee) {
  console.log('# total (all phases)');
  for (const [k, v] of Object.entries(total)) console.log(`# total ${k} ${v}`);
}
process.exit(failed ? 1 : 0);
