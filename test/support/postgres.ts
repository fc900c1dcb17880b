// A throwaway PostgreSQL 15 cluster for tests: initdb into a temporary folder, start on a free
// port of 127.0.0.1 with fsync off, a fresh database per test, stop and delete in `after`.
// Run as root (CI), the folder is chowned to the postgres user and the binaries run through
// runuser, since initdb refuses root.
//
// Where the binaries are missing the suites skip with a message saying so; under CI=true they
// never skip: startPostgres() throws and the suite fails.

import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = process.env.TESSERA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

/** Why the PostgreSQL suites cannot run here, or null when they can. Never a reason under CI. */
export function postgresSkipReason(): string | null {
  if (existsSync(join(PG_BIN, 'initdb'))) return null;
  if (process.env.CI === 'true') return null; // startPostgres() will fail loudly instead
  return `PostgreSQL tests skipped: ${join(PG_BIN, 'initdb')} not found (apt-get install postgresql-15, or set TESSERA_TEST_PG_BIN)`;
}

export interface TestPostgres {
  port: number;
  /** A new empty database; returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

function run(bin: string, args: string[]): Promise<string> {
  const [cmd, argv] = isRoot ? [existsSync('/usr/sbin/runuser') ? '/usr/sbin/runuser' : 'runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

let counter = 0;

/** `durable`: the server's own defaults (fsync, synchronous commit), for benchmarks. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`CI=true but ${join(PG_BIN, 'initdb')} does not exist: the PostgreSQL suites must run in CI (install postgresql-15).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const data = join(dir, 'data');
  if (isRoot) {
    const pwd = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(pwd.stdout.trim()), Number(gid.stdout.trim()));
  }
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'tessera', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const fast = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast} -c max_connections=200`;
    try {
      await run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
      break;
    } catch (e) {
      if (attempt >= 3) throw e; // the port may have been taken meanwhile: try another
    }
  }
  // If the test process dies without `after`, do not leave a server behind.
  const stopNow = () => {
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    if (isRoot) spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), ...args]);
    else spawnSync(join(PG_BIN, 'pg_ctl'), args);
  };
  process.once('exit', stopNow);
  const base = `postgres://tessera@127.0.0.1:${port}`;
  let stopped = false;
  return {
    port,
    async createDatabase() {
      const name = `t_${process.pid}_${++counter}`;
      const admin = new pg.Client({ connectionString: `${base}/postgres` });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `${base}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', stopNow);
      await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => stopNow());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
