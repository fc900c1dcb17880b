// Profiles Tessera under one workload: starts it with --cpu-prof, prepares the read package,
// runs the workload, stops the server and summarises the profile (bench/profile-top.ts).
//
//   node --import tsx bench/profile.ts WORKLOAD [SECONDS]
//   WORKLOAD: full-bearer full-anonymous abbreviated-bearer abbreviated-anonymous
//             tarball-bearer tarball-anonymous publish login

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { couchLogin, publishOnce } from './lib/client.ts';
import { measure, type Sample } from './lib/measure.ts';
import { BodyPool, PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { loginLoad, PUBLISH_CONNECTIONS, type ReadKind, readLoad, type Target } from './lib/scenarios.ts';
import { repoRoot, startTessera } from './lib/servers.ts';
import { publishReadPackage, readPackageBodies } from './lib/setup.ts';

const workload = process.argv[2] ?? '';
const seconds = Number(process.argv[3] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'tessera-profile-'));
const server = await startTessera('tessera', join(dir, 'data'), dir, dir);
try {
  const t: Target = { name: 'tessera', base: server.url, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com') };
  await publishReadPackage(t, readPackageBodies());
  let s: Sample;
  const read = /^(full|abbreviated|tarball)-(bearer|anonymous)$/.exec(workload);
  if (read) {
    s = await measure(readLoad(t, read[1] as ReadKind, read[2] === 'bearer', seconds));
  } else if (workload === 'publish') {
    await publishOnce(t.base, t.token, 'bench-pub', new BodyPool('bench-pub', 1, 1).take());
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.token}` };
    s = await measure({ base: t.base, path: '/bench-pub', method: 'PUT', headers, gen: { kind: 'publish', name: 'bench-pub', major: 2, prebuild: 300 * seconds }, connections: PUBLISH_CONNECTIONS, durationS: seconds });
  } else if (workload === 'login') {
    s = await measure(loginLoad(t, seconds));
  } else {
    throw new Error(`unknown workload "${workload}"`);
  }
  process.stdout.write(`${workload}: ${Math.round(s.rps)} req/s, p50 ${s.p50} ms, p99 ${s.p99} ms (${s.statuses})\n`);
} finally {
  await server.stop(20_000);
  killAll();
}
const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!profile) throw new Error(`no profile was written in ${dir}`);
process.stdout.write(`profile: ${join(dir, profile)}\n`);
spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/profile-top.ts'), join(dir, profile), '25'], { stdio: 'inherit', cwd: repoRoot });
