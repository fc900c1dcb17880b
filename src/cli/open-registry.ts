// How the admin commands open the registry they act on: the server's own configuration (flags,
// TESSERA_* variables, --config), its storage opened, the command run, everything closed.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/load.ts';
import type { Deps } from '../core/deps.ts';
import type { Config } from '../config/schema.ts';

/**
 * Throws a ConfigError naming the data folder when it holds no registry (no tessera.db) and no
 * PostgreSQL `database` is configured: what an admin command pointed at the wrong folder gets.
 */
export function requireRegistry(config: Pick<Config, 'database' | 'data'>): void {
  if (!config.database && !existsSync(join(resolve(config.data), 'tessera.db'))) {
    throw new ConfigError(`There is no registry in ${resolve(config.data)} (no tessera.db there): pass the server's own --data DIR or --config FILE.`);
  }
}

/**
 * Runs `fn` with the deps of the registry that `configFlags` (plus TESSERA_* variables and
 * --config) name, then closes them. With `existing: true` (commands that act on what a server
 * keeps: logs, 2FA resets, proxy blocks and purges) a data folder without a database is refused
 * with a ConfigError naming it, rather than creating an empty registry there and reporting
 * success against it; `user add` may create one (an account before the first start).
 */
export async function withRegistry<T>(configFlags: Record<string, string>, options: { existing: boolean }, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig({ flags: configFlags, env: process.env });
  if (options.existing) requireRegistry(config);
  const { openDeps } = await import('../server.ts');
  const opened = await openDeps(config);
  try {
    return await fn(opened.deps);
  } finally {
    await opened.close();
  }
}
