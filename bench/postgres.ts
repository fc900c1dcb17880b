// The same reads and publishes on Tessera over SQLite and over PostgreSQL (a durable local
// cluster: fsync and synchronous commit on), side by side in one run, alternating, as ratios.
//   node --import tsx bench/postgres.ts [SECONDS_PER_MEASUREMENT] [ROUNDS]

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '../src/core/packages/signatures.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { ABBREVIATED, couchLogin, publishOnce } from './lib/client.ts';
import { measure, type Sample } from './lib/measure.ts';
import { PASSWORD, publishBody } from './lib/packages.ts';
import { killAll, type Proc, spawnNode } from './lib/procs.ts';
import { cleanEnv, repoRoot, upstreamNoneArgs } from './lib/servers.ts';

const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 2);
const work = mkdtempSync(join(tmpdir(), 'tessera-bench-pg-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tessera(name: string, extra: string[]): Promise<Proc> {
  return spawnNode({
    name,
    args: [join(repoRoot, 'bin/tessera.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data', join(work, name), '--log-level', 'silent', '--logins-per-hour', '1000000', '--signups-per-hour', '1000000', ...upstreamNoneArgs(), ...extra],
    cwd: repoRoot,
    env: cleanEnv(),
    logFile: join(work, `${name}.log`),
    urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+\/)/,
  });
}

async function main() {
  const pg = await startPostgres({ durable: true });
  const url = await pg.createDatabase();
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  const servers = { sqlite: await tessera('sqlite', []), postgres: await tessera('postgres', ['--database', url, '--totp-keys', keys, '--signing-keys', generateSigningKey()]) };
  const tokens: Record<string, string> = {};
  for (const [name, s] of Object.entries(servers)) {
    tokens[name] = await couchLogin(s.url, 'bench', PASSWORD, 'bench@example.com');
    for (let i = 0; i < 20; i++) await publishOnce(s.url, tokens[name], 'bench-pkg', publishBody('bench-pkg', `1.0.${i}`).body);
  }
  const rows: Array<[string, (s: Proc, token: string, round: number) => Promise<Sample>]> = [
    ['full packument, bearer (-c 50)', (s, t) => measure({ base: s.url, path: '/bench-pkg', headers: { accept: 'application/json', authorization: `Bearer ${t}` }, connections: 50, durationS: seconds, pid: s.pid })],
    ['abbreviated, bearer (-c 50)', (s, t) => measure({ base: s.url, path: '/bench-pkg', headers: { accept: ABBREVIATED, authorization: `Bearer ${t}` }, connections: 50, durationS: seconds, pid: s.pid })],
    ['tarball, bearer (-c 50)', (s, t) => measure({ base: s.url, path: '/bench-pkg/-/bench-pkg-1.0.0.tgz', headers: { authorization: `Bearer ${t}` }, connections: 50, durationS: seconds, pid: s.pid })],
    [
      'publish, distinct versions (-c 8)',
      async (s, t, round) => {
        const name = `pub-${round}`;
        await publishOnce(s.url, t, name, publishBody(name, '0.0.0').body);
        return measure({
          base: s.url,
          path: `/${name}`,
          method: 'PUT',
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
          gen: { kind: 'publish', name, major: 1, prebuild: 0 },
          connections: 8,
          durationS: seconds,
          pid: s.pid,
        });
      },
    ],
  ];
  const results: Record<string, Record<string, Sample[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [label, run] of rows) {
      const order = (round + rows.findIndex((r) => r[0] === label)) % 2 ? (['postgres', 'sqlite'] as const) : (['sqlite', 'postgres'] as const);
      for (const name of order) {
        results[label] ??= {};
        (results[label][name] ??= []).push(await run(servers[name], tokens[name], round));
      }
    }
  }
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${rounds} round(s) of ${seconds} s, medians\n`);
  console.log('| measurement | SQLite req/s | PostgreSQL req/s | PostgreSQL/SQLite | CPU µs/response Tessera (SQLite / PostgreSQL) |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [label] of rows) {
    const a = results[label].sqlite;
    const b = results[label].postgres;
    const ra = median(a.map((x) => x.rps));
    const rb = median(b.map((x) => x.rps));
    console.log(`| ${label} | ${ra.toFixed(0)} | ${rb.toFixed(0)} | ${(rb / ra).toFixed(2)} | ${median(a.map((x) => x.cpuUs)).toFixed(0)} / ${median(b.map((x) => x.cpuUs)).toFixed(0)} |`);
  }
  for (const s of Object.values(servers)) await s.stop();
  await pg.stop();
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => killAll());
