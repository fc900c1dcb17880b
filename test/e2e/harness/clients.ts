// Drives the real pnpm, yarn classic and yarn 4 CLIs, pinned in devDependencies, against a
// test registry. Each client gets its own HOME, XDG folders, temp folder, config (.npmrc, or
// .yarnrc.yml for yarn 4), store and cache, so nothing from the machine or from `npm test`
// leaks in, and an https proxy that only records: the public registry is https, so any attempt
// to reach it shows up there (and fails) instead of quietly going out to the network.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { nerfDart, runInPty, type Answer, type PtyResult, type RunResult } from './npm.ts';
import { finish } from './child.ts';
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
  /** Runs the client in a terminal, typing each answer once its prompt appears (npm.ts runInPty). */
  pty(args: string[], answers: Answer[], opts?: RunOptions): Promise<PtyResult>;
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

/** The package that pins each client. */
const PACKAGES: Record<ClientName | 'yarn4', string> = { pnpm: 'pnpm', yarn: 'yarn', yarn4: '@yarnpkg/cli-dist' };

/**
 * The JavaScript entry of a pinned client, from the `bin` of its own package.json: yarn 1 and
 * yarn 4 both declare a `yarn` bin, so node_modules/.bin/yarn is whichever npm linked last.
 */
export function clientBin(name: ClientName | 'yarn4'): string {
  const dir = join(repoRoot, 'node_modules', PACKAGES[name]);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: string | Record<string, string> };
  const entry = typeof bin === 'string' ? bin : bin[name === 'yarn4' ? 'yarn' : name];
  if (!entry) throw new Error(`${PACKAGES[name]} declares no ${name} bin`);
  return join(dir, entry);
}

/** Runs `node BIN ...args` with no terminal and no input, killing its process group on timeout. */
function runNode(label: string, bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so a timeout also kills the npm that pnpm publish runs
  });
  // No terminal and no input: a client that wants to prompt must fail.
  return finish(child, `${label} ${args.join(' ')}`, timeoutMs);
}

/** The machine's environment for a client: `own` on top, inherited client settings dropped. */
function clientEnv(own: Record<string, string>): NodeJS.ProcessEnv {
  const e = cleanEnv(own);
  for (const k of Object.keys(e)) {
    if (/^(pnpm_|yarn_|corepack_)/i.test(k) && !(k in own)) delete e[k];
    // the machine's proxies: yarn would send the registry's plain http through them
    if (/^(https?|no|all)_proxy$/i.test(k)) delete e[k];
  }
  delete e['NODE_OPTIONS'];
  return e;
}

let counter = 0;

/** A fresh package folder under root/packages with package.json and index.js exporting "name@version". */
function writePackage(dir: (...parts: string[]) => string, name: string, version: string): string {
  const d = dir('packages', `${name.replace(/[@/]/g, '_')}-${version}-${++counter}`);
  const manifest = { name, version, description: `test package ${name}`, main: 'index.js', license: 'MIT' };
  writeFileSync(join(d, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(d, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  return d;
}

interface Folders {
  root: string;
  /** Makes (if needed) and returns the folder root/...parts. */
  dir(...parts: string[]): string;
  home: string;
  xdgConfig: string;
  /** HOME, XDG_* and TMPDIR inside root; no colours; a plain shell for lifecycle scripts. */
  env: Record<string, string>;
}

/** A fresh temporary folder holding a client's home, XDG folders and temp folder. */
function clientFolders(prefix: string): Folders {
  const root = tempDir(prefix);
  const dir = (...parts: string[]): string => {
    const d = join(root, ...parts);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const home = dir('home');
  const xdgConfig = dir('xdg', 'config');
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: xdgConfig,
    XDG_CACHE_HOME: dir('xdg', 'cache'),
    XDG_DATA_HOME: dir('xdg', 'data'),
    XDG_STATE_HOME: dir('xdg', 'state'),
    TMPDIR: dir('tmp'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    SHELL: '/bin/sh',
  };
  return { root, dir, home, xdgConfig, env };
}

function makeClient(name: ClientName, registryUrl: string, trap: Trap): Client {
  const registry = registryUrl.endsWith('/') ? registryUrl : `${registryUrl}/`;
  const { root, dir, home, xdgConfig, env: folderEnv } = clientFolders(name);
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
    ...folderEnv,
    npm_config_userconfig: npmrc,
    // a globalconfig that does not exist, so /usr/etc/npmrc and friends play no part
    npm_config_globalconfig: join(root, 'no-globalconfig'),
  };

  if (name === 'pnpm') {
    // pnpm's own global config ($XDG_CONFIG_HOME/pnpm/rc): settings npm must not see
    mkdirSync(join(xdgConfig, 'pnpm'));
    writeFileSync(
      join(xdgConfig, 'pnpm', 'rc'),
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

  const bin = clientBin(name);
  const run = (args: string[], opts: RunOptions = {}): Promise<RunResult> =>
    runNode(name, bin, args, opts.cwd ?? root, clientEnv({ ...env, ...opts.env }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  const pty = (args: string[], answers: Answer[], opts: RunOptions = {}): Promise<PtyResult> =>
    runInPty([process.execPath, bin, ...args], answers, {
      cwd: opts.cwd ?? root,
      env: clientEnv({ ...env, TERM: 'dumb', ...opts.env }),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });

  const makeProject = (dependencies: Record<string, string>, npmrcLines: string[] = []): string => {
    const d = dir('projects', `project-${++counter}`);
    const manifest = { name: `${name}-e2e-project`, version: '1.0.0', private: true, dependencies };
    writeFileSync(join(d, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (npmrcLines.length > 0) writeFileSync(join(d, '.npmrc'), `${npmrcLines.join('\n')}\n`);
    return d;
  };

  const makePackage = (pkgName: string, version: string): string => writePackage(dir, pkgName, version);

  return {
    name,
    root,
    registry,
    npmrc,
    run,
    pty,
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

// ---------------------------------------------------------------------------------------
// yarn 4 ("berry"): no .npmrc at all; every setting lives in the .yarnrc.yml of the project
// (or package) folder, and `yarn npm login` writes its token to HOME/.yarnrc.yml.

export interface BerrySettings {
  /** Put into the folder's .yarnrc.yml under npmRegistries, for this registry's host only. */
  token?: string;
  /** Another npmRegistryServer (the public registry, to show that the trap catches it). */
  registry?: string;
}

export interface YarnBerry {
  /** The folder holding this client's home, cache, global folder, projects and packages. */
  root: string;
  /** The registry as yarn 4 names it: no trailing slash. */
  registry: string;
  /** HOME/.yarnrc.yml: where `yarn npm login` stores the token it got. */
  homeRc: string;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs with a terminal (for `yarn npm login`), answering each prompt once it appears. */
  pty(args: string[], answers: Answer[], opts?: RunOptions): Promise<PtyResult>;
  /** A fresh project folder depending on `dependencies`, with its .yarnrc.yml. */
  makeProject(dependencies: Record<string, string>, settings?: BerrySettings): string;
  /** A fresh package folder (package.json, index.js exporting "name@version") with its .yarnrc.yml. */
  makePackage(name: string, version: string, settings?: BerrySettings): string;
}

export function makeYarnBerry(registryUrl: string, trap: Trap): YarnBerry {
  const registry = registryUrl.replace(/\/+$/, '');
  const { root, dir, home, env: folderEnv } = clientFolders('yarn4');
  const cacheFolder = dir('yarn4-cache');
  const globalFolder = dir('yarn4-global'); // also where yarn keeps the packuments it fetched
  const env: Record<string, string> = {
    ...folderEnv,
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_GLOBAL_CACHE: '0',
  };

  const writeRc = (folder: string, settings: BerrySettings): void => {
    const rc: Record<string, unknown> = {
      npmRegistryServer: settings.registry ?? registry,
      unsafeHttpWhitelist: ['127.0.0.1'], // yarn 4 refuses plain http to any other host
      httpsProxy: trap.url,
      httpRetry: 0, // a failed request fails at once instead of three more times
      // yarn 4.18 quarantines versions published less than a day ago (the gate's default is
      // "1d", judged by the packument's `time`); the test's packages are seconds old
      npmMinimalAgeGate: 0,
      nodeLinker: 'node-modules', // so `node -e "require(...)"` finds what was installed
      enableTelemetry: false,
      enableGlobalCache: false,
      cacheFolder,
      globalFolder,
      enableProgressBars: false,
      enableHyperlinks: false,
      ...(settings.token ? { npmRegistries: { [`//${new URL(registry).host}`]: { npmAuthToken: settings.token } } } : {}),
    };
    // JSON values are YAML flow values
    const text = Object.entries(rc).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    writeFileSync(join(folder, '.yarnrc.yml'), `${text.join('\n')}\n`);
  };

  const bin = clientBin('yarn4');
  const run = (args: string[], opts: RunOptions = {}): Promise<RunResult> =>
    runNode('yarn 4', bin, args, opts.cwd ?? root, clientEnv({ ...env, ...opts.env }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const pty = (args: string[], answers: Answer[], opts: RunOptions = {}): Promise<PtyResult> =>
    runInPty([process.execPath, bin, ...args], answers, {
      cwd: opts.cwd ?? root,
      env: clientEnv({ ...env, TERM: 'dumb', ...opts.env }),
      timeoutMs: opts.timeoutMs,
    });

  return {
    root,
    registry,
    homeRc: join(home, '.yarnrc.yml'),
    run,
    pty,
    makeProject: (dependencies, settings = {}) => {
      const d = dir('projects', `project-${++counter}`);
      const manifest = { name: 'yarn4-e2e-project', version: '1.0.0', private: true, dependencies };
      writeFileSync(join(d, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      writeRc(d, settings);
      return d;
    },
    makePackage: (name, version, settings = {}) => {
      const d = writePackage(dir, name, version);
      writeRc(d, settings); // yarn leaves .yarnrc.yml out of the tarball it packs
      return d;
    },
  };
}
