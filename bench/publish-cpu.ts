// Server CPU per publish, several rounds of the benchmark's publish load on one Tessera, no
// profiler and no other registry: for judging a change to the publish path on a busy machine.
//
//   node --import tsx bench/publish-cpu.ts [ROUNDS] [SECONDS]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { couchLogin, publishOnce } from './lib/client.ts';
import { measure } from './lib/measure.ts';
import { BodyPool, PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { PUBLISH_CONNECTIONS } from './lib/scenarios.ts';
import { startTessera } from './lib/servers.ts';
const rounds = Number(process.argv[2] ?? 4), seconds = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tessera-pubcpu-'));
const server = await startTessera('tessera', join(dir, 'data'), dir);
try {
  const token = await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com');
  const out: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const name = `bench-pub-${r}`;
    await publishOnce(server.url, token, name, new BodyPool(name, 1, 1).take());
    const s = await measure({ base: server.url, path: `/${name}`, method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'npm-command': 'publish' }, gen: { kind: 'publish', name, major: 2, prebuild: 300 * seconds }, connections: PUBLISH_CONNECTIONS, durationS: seconds, pid: server.pid });
    out.push(`${Math.round(s.rps)}/s cpu ${(s.cpuUs / 1000).toFixed(2)} ms (${s.statuses})`);
  }
  console.log(out.join('\n'));
} finally { await server.stop(20_000); killAll(); }
