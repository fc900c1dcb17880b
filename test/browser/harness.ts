// Shared pieces of the browser tests: Tessera in process on a real port, Debian's chromium
// through playwright-core with a fresh profile, screenshots, TOTP codes from the real clock,
// accounts made over the npm API, and the real npm CLI with a throwaway userconfig.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.ts';
import { totpCode } from '../../src/core/accounts/totp.ts';
import { createServer, type Server } from '../../src/server.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'copper thistle harbor 58';
const root = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(root, 'test-results', 'screenshots');

/** Skip only on a machine without chromium, never under CI. */
export const skip: string | false = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;

export interface Registry {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Tessera in this process, listening on 127.0.0.1 with a port the system picked. */
export async function startRegistry(flags: Record<string, string> = {}): Promise<Registry> {
  const data = mkdtempSync(join(tmpdir(), 'tessera-browser-'));
  const server = await createServer(loadConfig({ flags: { data, host: '127.0.0.1', port: '0', upstream: 'none', 'password-failures-per-address': '1000000', 'signups-per-hour': '1000000', 'logins-per-hour': '1000000', ...flags }, env: {} }));
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  server.deps.settings.publicUrl = url;
  return {
    url,
    server,
    async close() {
      await server.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport: { width: 1000, height: 800 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves what the page shows into test-results/screenshots/NAME.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const stepAt = (ms: number) => Math.floor(ms / 30_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * TOTP codes for one account from the real clock. A step is accepted once per account (again
 * only by the session that used it), within one step of the server's clock: `next()` hands out
 * the current step, then the following one, and waits for the next 30 s boundary when both
 * are spent; `again()` repeats the last code while it is still accepted (same session).
 */
export class Codes {
  last: number | null = null;
  constructor(readonly secret: string) {}

  /** Marks a step as used (e.g. by the enrolment's confirmation). */
  used(step: number): void {
    this.last = step;
  }

  async next(): Promise<string> {
    for (;;) {
      const now = stepAt(Date.now());
      const step = this.last === null ? now : Math.max(now, this.last + 1);
      // Valid on the server for at least a few more seconds.
      if (step <= now + 1 && step >= stepAt(Date.now() + 5000) - 1) {
        this.last = step;
        return totpCode(this.secret, step);
      }
      await sleep((now + 1) * 30_000 - Date.now() + 100);
    }
  }

  async again(): Promise<string> {
    const last = this.last;
    if (last !== null && last <= stepAt(Date.now()) + 1 && last >= stepAt(Date.now() + 5000) - 1) return totpCode(this.secret, last);
    return this.next();
  }
}

/** An account made over the npm API (couch sign-up); returns its CLI session token. */
export async function signUp(reg: Pick<Registry, 'url'>, name: string): Promise<string> {
  const res = await fetch(`${reg.url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password: PASSWORD, email: `${name}@example.com`, type: 'user', roles: [] }),
  });
  if (res.status !== 201) throw new Error(`sign-up of ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Turns 2FA on over the npm API (as `npm profile enable-2fa` does); returns the code source. */
export async function enrolOverApi(reg: Registry, token: string): Promise<Codes> {
  const post = (body: unknown) =>
    fetch(`${reg.url}-/npm/v1/user`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const start = await post({ tfa: { mode: 'auth-and-writes', password: PASSWORD } });
  if (start.status !== 200) throw new Error(`enable-2fa: ${start.status} ${await start.text()}`);
  const secret = new URL(((await start.json()) as { tfa: string }).tfa).searchParams.get('secret')!;
  const codes = new Codes(secret);
  const confirm = await post({ tfa: [await codes.next()] });
  if (confirm.status !== 200) throw new Error(`confirm 2FA: ${confirm.status} ${await confirm.text()}`);
  return codes;
}

/** Signs in through the pages, with the keyboard only: type, Tab, Enter. */
export async function signInWithKeyboard(page: Page, name: string, password = PASSWORD): Promise<void> {
  await page.locator('#name').focus();
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
}

export interface NpmRun {
  child: ChildProcess;
  /** Everything npm printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `re` in the output (fails after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exit(timeoutMs?: number): Promise<number | null>;
}

/** The real npm CLI with a throwaway userconfig, cache and HOME, and no terminal. */
export function makeNpm(registryUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-npm-'));
  const userconfig = join(dir, 'npmrc');
  writeFileSync(userconfig, [`registry=${registryUrl}`, 'update-notifier=false', 'audit=false', 'fund=false', 'fetch-retries=0', 'color=false', 'progress=false', ''].join('\n'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|tessera_)/i.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  Object.assign(env, { HOME: dir, npm_config_userconfig: userconfig, npm_config_cache: join(dir, 'cache'), npm_config_globalconfig: join(dir, 'no-globalconfig'), NO_COLOR: '1' });

  const start = (args: string[]): NpmRun => {
    const child = spawn('npm', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const waiters = new Set<() => void>();
    const onData = (d: Buffer) => {
      out += d.toString('utf8');
      for (const w of waiters) w();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    };
    return {
      child,
      output: () => out,
      waitFor(re, timeoutMs = 30_000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const m = re.exec(out);
            if (!m) return;
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            kill();
            reject(new Error(`npm ${args.join(' ')}: no ${re} within ${timeoutMs} ms\n${out}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      },
      async exit(timeoutMs = 60_000) {
        const timer = setTimeout(kill, timeoutMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
  };

  return {
    dir,
    start,
    async run(args: string[]): Promise<{ code: number | null; output: string }> {
      const r = start(args);
      const code = await r.exit();
      return { code, output: r.output() };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
