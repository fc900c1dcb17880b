// What slows reads down when something else wants a core: abbreviated bearer reads alone, next
// to a busy loop at nice 19 and at nice 0, and during a login storm, in turns.
//
//   node --import tsx bench/contention.ts [SECONDS]
//
// On the project machine (kernel 6.18) a busy loop halves reads whatever its niceness, which is
// why password hashing takes turns with busy requests instead of running at a lower priority.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { couchLogin } from './lib/client.ts';
import { measure, measurePair } from './lib/measure.ts';
import { PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { loginLoad, readLoad, type Target } from './lib/scenarios.ts';
import { startTessera } from './lib/servers.ts';
import { publishReadPackage, readPackageBodies } from './lib/setup.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-exp-'));
const server = await startTessera('tessera', join(dir, 'data'), dir);
try {
  const t: Target = { name: 'tessera', base: server.url, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com'), pid: server.pid };
  await publishReadPackage(t, readPackageBodies());
  const s = Number(process.argv[2] ?? 3);
  const r = (x: { rps: number; cpuUs: number }) => `${Math.round(x.rps)} req/s ${x.cpuUs.toFixed(0)}us`;
  await measure(readLoad(t, 'abbreviated', true, 1));
  for (let i = 0; i < 2; i++) {
    console.log('alone', r(await measure(readLoad(t, 'abbreviated', true, s))));
    for (const nice of ['19', '0']) {
      const burn = spawn('nice', ['-n', nice, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
      try {
        console.log(`with a busy loop at nice ${nice}`, r(await measure(readLoad(t, 'abbreviated', true, s))));
      } finally {
        burn.kill();
      }
    }
    const [a, b] = await measurePair(readLoad(t, 'abbreviated', true, s), loginLoad(t, s));
    console.log('during logins', r(a), 'logins', Math.round(b.rps));
  }
} finally {
  killAll();
}
process.exit(0);
