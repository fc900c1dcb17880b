// An in-process Tessera for HTTP tests: a temp data folder, app.inject(), helpers for users.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.ts';
import type { Deps } from '../../src/core/deps.ts';
import type { Clock } from '../../src/core/ports.ts';
import { createServer } from '../../src/server.ts';

export const PASSWORD = 'violet kettle orbit 42';

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  dataDir: string;
  request(opts: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  signUp(name: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The per-address limits (sign-ups, logins, wrong passwords), raised: these tests sign up, log
 * in and try wrong passwords with many users from one address (127.0.0.1). Tests of those
 * limits pass `{ defaultLimits: true }`.
 */
export const RAISED_LIMITS = { 'password-failures-per-address': '1000000', 'signups-per-hour': '1000000', 'logins-per-hour': '1000000' };

export async function startApp(flags: Record<string, string> = {}, clock?: Clock, options: { defaultLimits?: boolean } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-http-'));
  const limits = options.defaultLimits ? {} : RAISED_LIMITS;
  const config = loadConfig({ flags: { data: dataDir, url: 'http://registry.test/', upstream: 'none', ...limits, ...flags }, env: {} });
  const server = await createServer(config, { clock });
  const t: TestApp = {
    app: server.app,
    deps: server.deps,
    dataDir,
    request({ token, headers, ...rest }) {
      return server.app.inject({ ...rest, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
    },
    async signUp(name, password = PASSWORD) {
      const res = await t.request({
        method: 'PUT',
        url: `/-/user/org.couchdb.user:${name}`,
        payload: { _id: `org.couchdb.user:${name}`, name, password, email: `${name}@example.com`, type: 'user', roles: [] },
      });
      if (res.statusCode !== 201) throw new Error(`sign-up of ${name} failed: ${res.statusCode} ${res.body}`);
      return res.json().token as string;
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
