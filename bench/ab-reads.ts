// Alternating read measurements on one Tessera and the ceiling: anonymous, bearer and the
// ceiling in turn, ROUNDS times, medians of server CPU per response (µs). For comparing one
// change's effect on the read path without the full run's other rows. With AB_HISTORY=1 the
// Tessera also takes, after each round, the publishes, logins and login storm that `npm run
// bench` gives it between its read rounds (their figures unused).
//
//   node --import tsx bench/ab-reads.ts [KIND=abbreviated] [ROUNDS=5] [SECONDS=3]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { couchLogin } from './lib/client.ts';
import { measure } from './lib/measure.ts';
import { PASSWORD } from './lib/packages.ts';
import { killAll } from './lib/procs.ts';
import { Results } from './lib/report.ts';
import { logins, publishes, type ReadKind, readLoad, storm, type Target } from './lib/scenarios.ts';
import { startCeiling, startTessera } from './lib/servers.ts';
import { capture, publishReadPackage, readPackageBodies } from './lib/setup.ts';

const kinds = (process.argv[2] ?? 'abbreviated').split(',') as ReadKind[];
const rounds = Number(process.argv[3] ?? 5);
const seconds = Number(process.argv[4] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'tessera-ab-'));
try {
  const server = await startTessera('tessera', join(dir, 'data'), dir);
  const T: Target = { name: 'tessera', base: server.url, pid: server.pid, token: await couchLogin(server.url, 'bench', PASSWORD, 'bench@example.com') };
  await publishReadPackage(T, readPackageBodies());
  await capture(T, join(dir, 'capture.json'));
  const ceiling = await startCeiling(join(dir, 'capture.json'), dir);
  const C: Target = { name: 'ceiling', base: ceiling.url, pid: ceiling.pid, token: T.token };
  for (const kind of kinds) for (const t of [T, C]) await measure(readLoad(t, kind, true, 1));
  const runs: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const order: Array<[string, Target, boolean]> = [[`${kind} bearer`, T, true], [`${kind} anonymous`, T, false], [`${kind} ceiling`, C, true]];
      for (let i = 0; i < r % 3; i++) order.push(order.shift()!);
      for (const [label, t, auth] of order) {
        await delay(300);
        const s = await measure(readLoad(t, kind, auth, seconds));
        (runs[label] ??= []).push(s.cpuUs);
      }
    }
    if (process.env.AB_HISTORY === '1') {
      const unused = new Results();
      await publishes(unused, r, [T], seconds);
      await logins(unused, r, [T], seconds);
      await storm(unused, r, [T], seconds);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const kind of kinds) {
    const cs = runs[`${kind} ceiling`];
    for (const which of ['bearer', 'anonymous', 'ceiling']) {
      const xs = runs[`${kind} ${which}`];
      const paired = median(xs.map((x, i) => x / cs[i]));
      process.stdout.write(`${kind} ${which}: median ${median(xs).toFixed(1)} µs (${xs.map((x) => x.toFixed(0)).join(' ')}), paired ÷ ceiling ${paired.toFixed(2)}\n`);
    }
  }
} finally {
  killAll();
}
process.exit(0);
