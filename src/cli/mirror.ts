// tessera mirror LOCKFILE: fetches every packument and tarball a project's lockfile needs
// through a running Tessera, so that a proxying Tessera holds them all and the project installs
// (`npm ci`) while the upstream registry is unreachable. An HTTP client of the registry, like
// npm: it needs no access to the server's data. Progress on stderr (a bar on a terminal, a
// line per package otherwise), the summary on stdout. Exit 0 when every package is there,
// 1 when any failed, 2 for wrong arguments, an unreadable lockfile or a refused token.

import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { loadConfig } from '../config/load.ts';
import { isDomainError } from '../core/errors.ts';
import { type LockfileContents, readLockfile } from '../core/proxy/lockfile.ts';
import { escapeControls } from '../core/text.ts';
import { causeOf, httpProblem, mirrorPackages, type Outcome } from './mirror-fetch.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = {
  synopsis: 'tessera mirror LOCKFILE [--registry URL] [--token TOKEN] [--concurrency N]',
  note: 'fetch what a lockfile needs into the cache',
};

const MAX_CONCURRENCY = 64;
const USER_AGENT = `tessera-mirror node/${process.version}`;

const say = (stream: NodeJS.WriteStream, line: string) => stream.write(`${escapeControls(line)}\n`);
const fail = (message: string, code: number): number => {
  say(process.stderr, `tessera mirror: ${message}`);
  return code;
};

export async function mirror(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { registry: registryFlag, token: tokenFlag, concurrency: concurrencyFlag = '8', ...configFlags } = flags;
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0 || registryFlag === 'true' || tokenFlag === 'true') return printUsage(usage);
  const concurrency = /^\d+$/.test(concurrencyFlag) ? Number(concurrencyFlag) : NaN;
  if (!(concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) return fail(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}; got ${concurrencyFlag}.`, 2);
  // Validates the other flags and the configuration even when --registry is given.
  const config = loadConfig({ flags: configFlags, env: process.env });
  const given = registryFlag ?? (await import('../server.ts')).defaultPublicUrl(config);
  const where = registryFlag !== undefined ? '--registry' : 'The configured public URL (url)';
  let registry: string;
  try {
    const u = new URL(given);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    if (u.username || u.password) return fail(`${where} must not carry a user name or password: give a token with --token or TESSERA_TOKEN.`, 2);
    registry = u.href.endsWith('/') ? u.href : `${u.href}/`;
  } catch {
    return fail(`${where} must be an http(s) URL; got ${given}.`, 2);
  }
  const token = (tokenFlag ?? process.env.TESSERA_TOKEN) || undefined;

  let lock: LockfileContents;
  try {
    lock = readLockfile(readFileSync(file, 'utf8'));
  } catch (e) {
    if (isDomainError(e)) return fail(`${file}: ${e.message}`, 2);
    return fail(`cannot read ${file}: ${(e as Error).message}`, 2);
  }

  const ready = await checkRegistry(registry, token);
  if (ready) return fail(ready.message, ready.code);

  say(process.stdout, `${lock.format}: ${lock.packages.length} packages from the registry, through ${registry} (${concurrency} at a time)`);
  const progress = startProgress(lock.packages.length);
  let outcomes: Outcome[];
  try {
    outcomes = await mirrorPackages(lock.packages, { registry, token, concurrency, userAgent: USER_AGENT, onDone: progress.done });
  } finally {
    progress.stop();
  }
  return summarise(lock, outcomes);
}

/** Whether Tessera answers at `registry` and, when a token is given, accepts it; null when both hold. */
async function checkRegistry(registry: string, token: string | undefined): Promise<{ message: string; code: number } | null> {
  const get = (path: string) =>
    fetch(`${registry}${path}`, { headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  try {
    const ping = await get('-/ping');
    if (ping.status !== 200) return { message: `${registry} answered ${await httpProblem(ping)} to GET /-/ping: is that Tessera's URL?`, code: 2 };
    await ping.body?.cancel();
    if (token) {
      const whoami = await get('-/whoami');
      if (whoami.status === 401 || whoami.status === 403) return { message: `${registry} refused the token: ${await httpProblem(whoami)}`, code: 2 };
      await whoami.body?.cancel();
    }
  } catch (e) {
    return { message: `cannot reach ${registry} (${causeOf(e)})`, code: 1 };
  }
  return null;
}

const WORD = { fetched: 'fetched', cached: 'already cached', failed: 'failed' } as const;

/** A bar on a terminal (cli-progress), else one plain line per package: "fetched 12/340 name@1.0.0". */
function startProgress(total: number): { done: (o: Outcome, n: number, total: number) => void; stop: () => void } {
  if (process.stderr.isTTY && total > 0) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'mirror [{bar}] {value}/{total} {last}',
      hideCursor: true,
      barsize: 30,
      etaBuffer: 50,
    });
    bar.start(total, 0, { last: '' });
    return {
      done: (o) => bar.increment(1, { last: escapeControls(`${WORD[o.state]} ${o.pkg.name}@${o.pkg.version}`) }),
      stop: () => bar.stop(),
    };
  }
  return {
    done: (o, n, all) => say(process.stderr, `${WORD[o.state]} ${n}/${all} ${o.pkg.name}@${o.pkg.version}${o.state === 'failed' ? `: ${o.reason}` : ''}`),
    stop: () => {},
  };
}

/** The summary on stdout; the exit code: 1 when any package failed or an entry could not be read. */
function summarise(lock: LockfileContents, outcomes: Outcome[]): number {
  const count = (state: Outcome['state']) => outcomes.filter((o) => o.state === state).length;
  const failures = [
    ...lock.problems.map((p) => `${p.entry}: ${p.reason}`),
    ...outcomes.flatMap((o) => (o.state === 'failed' ? [`${o.pkg.name}@${o.pkg.version}: ${o.reason}`] : [])),
  ];
  say(process.stdout, `fetched ${count('fetched')}`);
  say(process.stdout, `already cached ${count('cached')}`);
  say(process.stdout, `skipped ${lock.skipped.length}${lock.skipped.length > 0 ? ' (not from a registry):' : ''}`);
  for (const s of lock.skipped) say(process.stdout, `  ${s.entry}: ${s.reason}`);
  say(process.stdout, `failed ${failures.length}${failures.length > 0 ? ':' : ''}`);
  for (const f of failures) say(process.stdout, `  ${f}`);
  return failures.length > 0 ? 1 : 0;
}
