// Drives the real npm CLI against a test registry, each instance with its own userconfig,
// cache and HOME, so that nothing from the machine or the parent `npm test` leaks in.
import { api } from './http.ts';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finish } from './child.ts';
import { expectOk } from './expect.ts';
import { cleanEnv, type RunningServer } from './server.ts';
import { stripAnsi, tail, tempDir } from './tmp.ts';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PtyResult {
  code: number | null;
  /** Everything the terminal showed, ANSI sequences and carriage returns removed. */
  output: string;
  /** How many of the answers were given (their prompts appeared). */
  answered: number;
}

export interface Answer {
  prompt: RegExp;
  /**
   * What to type once the prompt has appeared. A function is called with the terminal's text
   * so far (ANSI removed), for answers that depend on npm's output (a TOTP code for the secret
   * npm just printed); it may be async, and nothing else is typed until it resolves.
   */
  answer: string | ((output: string) => string | Promise<string>);
}

export interface RunOptions {
  cwd?: string;
  /** Written to npm's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface PtyOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface Npm {
  /** The folder holding this client's .npmrc, cache and packages. */
  root: string;
  userconfig: string;
  cache: string;
  registry: string;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  pty(args: string[], answers: Answer[], opts?: PtyOptions): Promise<PtyResult>;
  /** Starts npm without a terminal and resolves with the first match of `pattern` in its output, then kills it. */
  until(args: string[], pattern: RegExp, opts?: { timeoutMs?: number }): Promise<RegExpExecArray>;
  /** The _authToken stored for the registry in the userconfig, if any. */
  token(): string | undefined;
  /** Replaces the registry token in the userconfig (or removes it with undefined). */
  setToken(token: string | undefined): void;
  /** A fresh package folder with package.json and index.js exporting "name@version". */
  makePackage(name: string, version: string, extra?: Record<string, unknown>): string;
  /** A fresh, empty project folder (private package.json) to install into. */
  makeProject(): string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** `//host:port/path/` — the prefix npm uses for credentials of a registry URL. */
export function nerfDart(registryUrl: string): string {
  const u = new URL(registryUrl);
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return `//${u.host}${path}`;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `argv` with a terminal on stdin and stdout (script(1) from util-linux: node-pty would have
 * to compile) and types each answer once its prompt has appeared. Shared by npm and yarn 4.
 */
export function runInPty(
  argv: string[],
  answers: Answer[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<PtyResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const command = argv.map(shellQuote).join(' ');
  const label = argv[0] === process.execPath ? argv.slice(1).join(' ') : argv.join(' ');
  return new Promise((resolve, reject) => {
    // -e passes the exit code on
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let raw = '';
    let searchFrom = 0;
    let next = 0;
    let computing = false; // a function answer is being computed
    let answerError: unknown;
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.stdin.on('error', () => {});
    const pump = (): void => {
      // answer each prompt only once it has appeared: typed-ahead answers are lost
      while (!computing && next < answers.length) {
        const text = stripAnsi(raw);
        const rest = text.slice(searchFrom);
        const m = answers[next]!.prompt.exec(rest);
        if (!m) break;
        searchFrom += m.index + m[0].length;
        const answer = answers[next]!.answer;
        if (typeof answer === 'string') {
          child.stdin.write(`${answer}\r`);
          next++;
          continue;
        }
        computing = true;
        Promise.resolve()
          .then(() => answer(text.slice(0, searchFrom)))
          .then(
            (value) => {
              computing = false;
              child.stdin.write(`${value}\r`);
              next++;
              pump();
            },
            (e: unknown) => {
              answerError = e;
              killGroup();
            },
          );
      }
    };
    const onOutput = (d: string): void => {
      raw += d;
      pump();
    };
    child.stdout.setEncoding('utf8').on('data', onOutput);
    child.stderr.setEncoding('utf8').on('data', onOutput);
    const timer = setTimeout(() => {
      killGroup();
      const waiting = next < answers.length ? `waiting for prompt ${answers[next]!.prompt}` : 'all prompts answered';
      reject(
        new Error(
          `${label} (in a pty) did not finish within ${timeoutMs} ms (${waiting})\n--- terminal ---\n${tail(stripAnsi(raw))}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      if (answerError !== undefined) {
        reject(
          new Error(
            `${label} (in a pty): computing the answer to ${answers[next]?.prompt} failed: ${String(answerError)}\n--- terminal ---\n${tail(stripAnsi(raw))}`,
          ),
        );
        return;
      }
      resolve({ code, output: stripAnsi(raw), answered: next });
    });
  });
}

/** The answers to `npm adduser --auth-type=legacy`'s prompts. */
export function adduserAnswers(name: string, password: string, mail = `${name}@example.com`): Answer[] {
  return [
    { prompt: /Username:/, answer: name },
    { prompt: /Password:/, answer: password },
    { prompt: /Email[^:]*:/, answer: mail },
  ];
}

/** `npm adduser --auth-type=legacy` in a fresh npm config; the test fails unless it succeeds. */
export async function adduser(registryUrl: string, name: string, password: string, server?: RunningServer): Promise<{ npm: Npm; r: PtyResult }> {
  const npm = makeNpm(registryUrl);
  const r = await npm.pty(['adduser', '--auth-type=legacy'], adduserAnswers(name, password));
  expectOk(r, `npm adduser ${name}`, server);
  return { npm, r };
}

let packageCounter = 0;

/**
 * A fresh npm config for `registryUrl`. `cli` is the npm-cli.js of another npm than the one on
 * PATH (the client matrix: harness/npm-versions.ts), run with this Node.
 */
export function makeNpm(registryUrl: string, opts: { cli?: string } = {}): Npm {
  const command = opts.cli ? [process.execPath, opts.cli] : ['npm'];
  const registry = registryUrl.endsWith('/') ? registryUrl : `${registryUrl}/`;
  const root = tempDir('npm');
  const home = join(root, 'home');
  const cache = join(root, 'cache');
  const userconfig = join(root, 'npmrc');
  mkdirSync(home);
  mkdirSync(cache);
  writeFileSync(
    userconfig,
    [
      `registry=${registry}`,
      'update-notifier=false',
      'audit=false',
      'fund=false',
      'fetch-retries=0',
      'color=false',
      'progress=false',
      'loglevel=notice',
      '',
    ].join('\n'),
  );

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e = cleanEnv({
      HOME: home,
      npm_config_userconfig: userconfig,
      npm_config_cache: cache,
      // a globalconfig that does not exist, so /usr/etc/npmrc and friends play no part
      npm_config_globalconfig: join(root, 'no-globalconfig'),
      SHELL: '/bin/sh',
      NO_COLOR: '1',
      ...extra,
    });
    delete e['NODE_OPTIONS'];
    // Only a test's own (e.g. the TUF stand-in of signatures.test.ts), never an inherited one.
    if (extra.NODE_OPTIONS) e['NODE_OPTIONS'] = extra.NODE_OPTIONS;
    return e;
  };

  const run = (args: string[], opts: RunOptions = {}): Promise<RunResult> => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      cwd: opts.cwd ?? root,
      env: env(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills npm's children too
    });
    return finish(child, `npm ${args.join(' ')}`, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.input);
  };


  const until = (args: string[], pattern: RegExp, opts: { timeoutMs?: number } = {}): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: root, env: env(), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let out = '';
      const stop = (): void => {
        clearTimeout(timer);
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone already
        }
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`npm ${args.join(' ')} printed no ${pattern} within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms\n${tail(out)}`));
      }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const onData = (d: string): void => {
        out += d;
        const m = pattern.exec(out);
        if (m) {
          stop();
          resolve(m);
        }
      };
      child.stdin.on('error', () => {});
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm ${args.join(' ')} exited (${code}) before printing ${pattern}\n${tail(out)}`));
      });
    });

  const pty = (args: string[], answers: Answer[], opts: PtyOptions = {}): Promise<PtyResult> =>
    runInPty([...command, ...args], answers, {
      cwd: opts.cwd ?? root,
      env: env({ TERM: 'dumb', ...opts.env }),
      timeoutMs: opts.timeoutMs,
    });

  const readConfig = (): string => {
    try {
      return readFileSync(userconfig, 'utf8');
    } catch {
      return '';
    }
  };

  const tokenKey = `${nerfDart(registry)}:_authToken`;

  const token = (): string | undefined => {
    for (const line of readConfig().split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      if (line.slice(0, eq).trim() === tokenKey) {
        return line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      }
    }
    return undefined;
  };

  const setToken = (value: string | undefined): void => {
    const lines = readConfig()
      .split(/\r?\n/)
      .filter((l) => l !== '' && !l.startsWith(`${tokenKey}=`));
    if (value !== undefined) lines.push(`${tokenKey}=${value}`);
    writeFileSync(userconfig, `${lines.join('\n')}\n`);
  };

  const makePackage = (name: string, version: string, extra: Record<string, unknown> = {}): string => {
    const dir = join(root, 'packages', `${name.replace(/[@/]/g, '_')}-${version}-${++packageCounter}`);
    mkdirSync(dir, { recursive: true });
    const manifest = {
      name,
      version,
      description: `test package ${name}`,
      main: 'index.js',
      license: 'MIT',
      ...extra,
    };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(dir, 'index.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
    return dir;
  };

  const makeProject = (): string => {
    const dir = join(root, 'projects', `project-${++packageCounter}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'e2e-project', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    return dir;
  };

  return { root, userconfig, cache, registry, run, pty, until, token, setToken, makePackage, makeProject };
}

/**
 * A new account made over the registry's API (npm adduser's couch PUT, no terminal), and an
 * npm client logged in with its session token: for tests where sign-up is set-up, not subject.
 */
export async function signUpOverApi(registryUrl: string, name: string, password: string): Promise<Npm> {
  const res = await api(registryUrl, `/-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    body: { _id: `org.couchdb.user:${name}`, name, password, email: `${name}@example.com`, type: 'user', roles: [] },
  });
  if (res.status !== 201) throw new Error(`sign-up of ${name} failed: ${res.status} ${res.text}`);
  const client = makeNpm(registryUrl);
  client.setToken(res.json.token);
  return client;
}
