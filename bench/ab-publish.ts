// Server CPU per publish of this checkout against another one (an older commit's worktree),
// alternating rounds of the benchmark's publish load on two fresh servers, paired ratios:
// for judging the publish path against a baseline on a machine whose speed drifts.
//
//   node --import tsx bench/ab-publish.ts OTHER_CHECKOUT [ROUNDS=8] [SECONDS=3]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { couchLogin, publishOnce } from './lib/client.ts';
import { measure, type Sample } from './lib/measure.ts';
import { BodyPool, PASSWORD } from './lib/packages.ts';
import { killAll, spawnNode } from './lib/procs.ts';
import { PUBLISH_CONNECTIONS } from './lib/scenarios.ts';
import { cleanEnv, repoRoot } from './lib/servers.ts';

const other = resolve(process.argv[2] ?? '');
const rounds = Number(process.argv[3] ?? 8);
const seconds = Number(process.argv[4] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tessera-abpub-'));
/** `tessera serve` from a checkout, never proxying (`--upstream none`; builds without the option have no proxy). */
async function start(name: string, root: string) {
  const run = (extra: string[]) =>
    spawnNode({
      name,
      args: [join(root, 'bin/tessera.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data', join(dir, name), '--log-level', 'silent', ...extra],
      cwd: root,
      env: cleanEnv(),
      logFile: join(dir, `${name}.log`),
      urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
    });
  try {
    return await run(['--upstream', 'none']);
  } catch (e) {
    if (!/Unknown option --upstream/.test((e as Error).message)) throw e;
    return run([]);
  }
}
try {
  const servers = [{ name: 'this', proc: await start('this', repoRoot) }, { name: 'other', proc: await start('other', other) }];
  const tokens = new Map<string, string>();
  for (const s of servers) tokens.set(s.name, await couchLogin(s.proc.url, 'bench', PASSWORD, 'bench@example.com'));
  const samples = new Map<string, Sample[]>(servers.map((s) => [s.name, []]));
  const once = async (s: (typeof servers)[number], r: number) => {
    const name = `bench-pub-${r}`;
    const token = tokens.get(s.name)!;
    await publishOnce(s.proc.url, token, name, new BodyPool(name, 1, 1).take());
    return measure({ base: s.proc.url, path: `/${name}`, method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-command': 'publish' }, gen: { kind: 'publish', name, major: 2, prebuild: 300 * seconds }, connections: PUBLISH_CONNECTIONS, durationS: seconds, pid: s.proc.pid });
  };
  // One warm-up round each (compiling the publish path), not counted.
  for (const s of servers) await once(s, 0);
  for (let r = 1; r <= rounds; r++) {
    for (const s of r % 2 ? servers : [...servers].reverse()) samples.get(s.name)!.push(await once(s, r));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const a = samples.get('this')!;
  const b = samples.get('other')!;
  for (const [name, xs] of samples) console.log(`${name}: CPU per publish ${xs.map((s) => (s.cpuUs / 1000).toFixed(2)).join(' ')} ms (median ${(median(xs.map((s) => s.cpuUs)) / 1000).toFixed(2)}), ${xs.map((s) => Math.round(s.rps)).join(' ')}/s`);
  console.log(`this ÷ other, CPU per publish, median of paired rounds: ${median(a.map((s, i) => s.cpuUs / b[i].cpuUs)).toFixed(3)}; publishes/s: ${median(a.map((s, i) => s.rps / b[i].rps)).toFixed(3)}`);
} finally {
  killAll();
}
process.exit(0);
