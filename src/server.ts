// The composition root: from a validated config, the storage adapters, the use cases' deps
// and the HTTP app. Used by `tessera serve` and by tests that want a real server.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config/schema.ts';
import type { CoreSettings, Deps } from './core/deps.ts';
import { type Clock, systemClock } from './core/ports.ts';
import { createArgon2Hasher } from './storage/argon2-hasher.ts';
import { createFsBlobStore } from './storage/fs-blobs.ts';
import { loadKeyRing } from './storage/server-key.ts';
import { TokenUsage } from './core/tokens/usage.ts';
import { createSqliteStore } from './storage/sqlite/index.ts';

const MFA = {
  none: { publishRequiresTfa: false, automationOverridesTfa: false },
  publish: { publishRequiresTfa: true, automationOverridesTfa: false },
  automation: { publishRequiresTfa: true, automationOverridesTfa: true },
} as const;

export function defaultPublicUrl(config: Pick<Config, 'url' | 'host' | 'port'>, port = config.port): string {
  if (config.url) return config.url.endsWith('/') ? config.url : `${config.url}/`;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `http://${host}:${port}/`;
}

export function settingsFrom(config: Config): CoreSettings {
  return {
    publicUrl: defaultPublicUrl(config),
    registryName: config.registryName,
    signup: config.signup,
    sessionTtlMs: config.sessionHours * 3600_000,
    tokens: {
      writeDays: config.tokenWriteDays,
      writeMaxDays: config.tokenWriteMaxDays,
      readDays: config.tokenReadDays,
      readMaxDays: config.tokenReadMaxDays,
      maxPerUser: config.maxTokens,
    },
    maxBodyBytes: config.maxBodyMb * 1024 * 1024,
    maxTarballBytes: Math.floor((config.maxBodyMb * 1024 * 1024 * 3) / 4),
    defaultPackageMfa: MFA[config.defaultPackageMfa],
  };
}

export interface Server {
  app: FastifyInstance;
  deps: Deps;
  close(): Promise<void>;
}

/** The deps of the use cases, and a way to hear of package changes (for caches). */
export function openDeps(config: Config, clock: Clock = systemClock): { deps: Deps; onPackageChanged(l: (name: string) => void): void } {
  const data = resolve(config.data);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const listeners = new Set<(name: string) => void>();
  const store = createSqliteStore(join(data, 'tessera.db'), clock);
  const deps: Deps = {
    store,
    blobs: createFsBlobStore(join(data, 'tarballs')),
    clock,
    hasher: createArgon2Hasher(config.hashConcurrency),
    settings: settingsFrom(config),
    secrets: loadKeyRing(config.totpKeys, data),
    usage: new TokenUsage(store.tokens),
    packageChanged: (name) => listeners.forEach((l) => l(name)),
  };
  return { deps, onPackageChanged: (l) => listeners.add(l) };
}

export async function createServer(config: Config, options: { logger?: FastifyServerOptions['logger']; clock?: Clock } = {}): Promise<Server> {
  const { deps, onPackageChanged } = openDeps(config, options.clock);
  const { app, cache } = await buildApp(deps, { logger: options.logger, trustedProxies: config.trustedProxies });
  onPackageChanged((name) => cache.invalidate(name));
  const flusher = setInterval(() => {
    deps.usage.flush().catch((e: unknown) => app.log.error({ err: e }, 'could not record token use'));
  }, 30_000);
  flusher.unref();
  return {
    app,
    deps,
    async close() {
      clearInterval(flusher);
      await app.close();
      await deps.usage.flush();
      await deps.store.close();
    },
  };
}
