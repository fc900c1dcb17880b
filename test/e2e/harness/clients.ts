// Drives the real pnpm and yarn (classic) CLIs, pinned in devDependencies, against a test
// registry. Each client gets its own HOME, XDG folders, temp folder, .npmrc, store and cache,
// so nothing from the machine or from `npm test` leaks in, and an https proxy that only
// records: the public registry is https, so any attempt to reach it shows up there (and fails)
// instead of quietly going out to the network.
import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nerfDart, type RunResult } from './npm.ts';
import { cleanEnv, repoRoot } from './server.ts';
import { tail, tempDir } from './tmp.ts';

export type ClientName = 'pnpm' | 'yarn';

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface Client {
  name: ClientName;
  /** The folder holding this client's home, config, store/cache, projects and packages. */
  root: string;
  registry: string;
  /** The user-level .npmrc (registry, token, proxy, no update checks). */
  npmrc: string;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Puts the registry token into the user-level .npmrc, or removes it with undefined. */
  setToken(token: string | undefined): void;
  /** `//host:port/:_authToken=TOKEN`, the line pnpm and yarn users put in an .npmrc. */
  tokenLine(token: string): string;
  /** A fresh project folder depending on `dependencies`, with an optional project .npmrc. */
  makeProject(dependencies: Record<string, string>, npmrcLines?: string[]): string;
  /** A fresh package folder with package.json and index.js exporting "name@version". */
  makePackage(name: string, version: string): string;
}

/** An https proxy that refuses everything and remembers what was asked of it. */
export interface Trap {
  url: string;
  /** `CONNECT host:port` targets and absolute request URLs, in arrival order. */
  attempts: string[];
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export async function startTrapProxy(): Promise<Trap> {
  const attempts: string[] = [];
  const server: Server = createServer((req, res) => {
    attempts.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket) => {
    attempts.push(`CONNECT ${req.url}`);
    // "connected", then bytes that are not TLS: the client fails at once with a TLS error,
    // where a refused tunnel would look like a network hiccup that yarn retries for 12 s
    socket.on('error', () => {});
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    socket.once('data', () => socket.end('this is not TLS\r\n')); // the answer to its ClientHello
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The JavaScript entry of a pinned client (node_modules/.bin/NAME resolved from the repo root). */
export function clientBin(name: ClientName): string {
  return realpathSync(join(repoRoot, 'node_modules', '.bin', name));
}

let counter = 0;

function makeClient(name: ClientName, registryUrl: string, trap: Trap): Client {
  const registry = registryUrl.endsWith('/') ? registryUrl : `${registryUrl}/`;
  const root = tempDir(name);
  const dir = (...parts: string[]): string => {
    const d = join(root, ...parts);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const home = dir('home');
  const xdg = { config: dir('xdg', 'config'), cache: dir('xdg', 'cache'), data: dir('xdg', 'data'), state: dir('xdg', 'state') };
  const tmp = dir('tmp');
  const npmrc = join(home, '.npmrc');
  const tokenKey = `${nerfDart(registry)}:_authToken`;

  // Read by pnpm, by yarn, and by the npm that `pnpm publish` hands the packed tarball to.
  const baseNpmrc = [
    `registry=${registry}`,
    `https-proxy=${trap.url}`,
    // pnpm sends plain http through the https proxy too, unless the host is exempt
    'noproxy=127.0.0.1',
    'update-notifier=false',
    'fetch-retries=0',
    'audit=false',
    'fund=false',
    'color=false',
    'progress=false',
    `cache=${dir('npm-cache')}`,
  ];
  let token: string | undefined;
  const writeNpmrc = (): void => {
    writeFileSync(npmrc, `${[...baseNpmrc, ...(token ? [`${tokenKey}=${token}`] : [])].join('\n')}\n`);
  };
  writeNpmrc();

  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: xdg.config,
    XDG_CACHE_HOME: xdg.cache,
    XDG_DATA_HOME: xdg.data,
    XDG_STATE_HOME: xdg.state,
    TMPDIR: tmp,
    npm_config_userconfig: npmrc,
    // a globalconfig that does not exist, so /usr/etc/npmrc and friends play no part
    npm_config_globalconfig: join(root, 'no-globalconfig'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    SHELL: '/bin/sh',
  };

  if (name === 'pnpm') {
    // pnpm's own global config ($XDG_CONFIG_HOME/pnpm/rc): settings npm must not see
    mkdirSync(join(xdg.config, 'pnpm'));
    writeFileSync(
      join(xdg.config, 'pnpm', 'rc'),
      [`store-dir=${dir('pnpm-store')}`, `cache-dir=${dir('pnpm-cache')}`, `state-dir=${dir('pnpm-state')}`, ''].join('\n'),
    );
  } else {
    // yarn 1 reads ${PREFIX}/etc/npmrc (the machine's global npm config) and, as root,
    // /usr/local/share/.yarnrc: point both at this client's folders.
    env['PREFIX'] = dir('prefix');
    env['YARN_USERCONFIG'] = join(home, '.yarnrc');
    env['YARN_IGNORE_PATH'] = '1'; // never hand over to a yarn-path from some .yarnrc
    writeFileSync(
      join(home, '.yarnrc'),
      [
        `registry "${registry}"`,
        `https-proxy "${trap.url}"`,
        `cache-folder "${dir('yarn-cache')}"`,
        `global-folder "${dir('yarn-global')}"`,
        'disable-self-update-check true',
        '',
      ].join('\n'),
    );
  }

  const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e = cleanEnv({ ...env, ...extra });
    for (const k of Object.keys(e)) {
      if (/^(pnpm_|yarn_|corepack_)/i.test(k) && !(k in env) && !(k in extra)) delete e[k];
      // the machine's proxies: yarn would send the registry's plain http through them
      if (/^(https?|no|all)_proxy$/i.test(k)) delete e[k];
    }
    delete e['NODE_OPTIONS'];
    return e;
  };

  const bin = clientBin(name);

  const run = (args: string[], opts: RunOptions = {}): Promise<RunResult> => {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: opts.cwd ?? root,
        env: childEnv(opts.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true, // own process group, so a timeout also kills the npm that pnpm publish runs
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdin.on('error', () => {});
      child.stdin.end(); // no terminal and no input: a client that wants to prompt must fail
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        reject(
          new Error(
            `${name} ${args.join(' ')} did not finish within ${timeoutMs} ms\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
          ),
        );
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  };

  const makeProject = (dependencies: Record<string, string>, npmrcLines: string[] = []): string => {
    const d = dir('projects', `project-${++counter}`);
    const manifest = { name: `${name}-e2e-project`, version: '1.0.0', private: true, dependencies };
    writeFileSync(join(d, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (npmrcLines.length > 0) writeFileSync(join(d, '.npmrc'), `${npmrcLines.join('\n')}\n`);
    return d;
  };

  const makePackage = (pkgName: string, version: string): string => {
    const d = dir('packages', `${pkgName.replace(/[@/]/g, '_')}-${version}-${++counter}`);
    const manifest = { name: pkgName, version, description: `test package ${pkgName}`, main: 'index.js', license: 'MIT' };
    writeFileSync(join(d, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(d, 'index.js'), `module.exports = ${JSON.stringify(`${pkgName}@${version}`)};\n`);
    return d;
  };

  return {
    name,
    root,
    registry,
    npmrc,
    run,
    setToken: (value) => {
      token = value;
      writeNpmrc();
    },
    tokenLine: (value) => `${tokenKey}=${value}`,
    makeProject,
    makePackage,
  };
}

export function makePnpm(registryUrl: string, trap: Trap): Client {
  return makeClient('pnpm', registryUrl, trap);
}

export function makeYarn(registryUrl: string, trap: Trap): Client {
  return makeClient('yarn', registryUrl, trap);
}
