// The composition root: from a validated config, the storage adapters, the use cases' deps
// and the HTTP app. Used by `tessera serve` and by tests that want a real server.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.ts';
import { type ConnectionLimits, connectionCap, descriptorWarning, openFileLimit } from './http/connections.ts';
import type { Config } from './config/schema.ts';
import type { CoreSettings, Deps } from './core/deps.ts';
import { type BlobStore, type Clock, systemClock } from './core/ports.ts';
import { ConfigError } from './config/load.ts';
import { proxySettingsFrom } from './config/proxy.ts';
import { createUpstreamClient } from './adapters/upstream-http.ts';
import { createAuditForwarder } from './adapters/upstream-audit.ts';
import { UpstreamState } from './core/proxy/upstream-state.ts';
import { createArgon2Hasher } from './adapters/argon2-hasher.ts';
import { withBlobCache } from './adapters/cached-blobs.ts';
import { withTokenCache } from './adapters/cached-tokens.ts';
import { createFsBlobStore } from './adapters/fs-blobs.ts';
import { loadKeyRing } from './adapters/server-key.ts';
import { loadSigning } from './adapters/signing-keys.ts';
import { signStoredVersions } from './core/packages/sign-stored.ts';
import { TokenUsage } from './core/tokens/usage.ts';
import { createSqliteStore } from './adapters/sqlite/index.ts';

const BLOB_CACHE_BYTES = 64 * 1024 * 1024;

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
    maxUnpackedBytes: config.maxUnpackedMb * 1024 * 1024,
    maxPackumentBytes: config.maxPackumentMb * 1024 * 1024,
    defaultPackageMfa: MFA[config.defaultPackageMfa],
    scopedPackageAccess: config.scopedPackageAccess,
    addressLimits: { passwordFailures: config.passwordFailuresPerAddress, signupsPerHour: config.signupsPerHour, loginsPerHour: config.loginsPerHour },
    stageTtlMs: config.stagedVersionDays * 86_400_000,
    proxy: proxySettingsFrom(config),
  };
}

/** The connection deadlines and caps of the config (http/connections.ts); the server-wide cap from the open-file limit unless configured. */
export function connectionLimits(config: Config, fileLimit: number | null = openFileLimit()): ConnectionLimits {
  return {
    headersTimeoutMs: config.headersTimeoutSeconds * 1000,
    keepAliveMs: config.keepAliveSeconds * 1000,
    minBytesPerSecond: config.minTransferRate,
    graceMs: config.transferGraceSeconds * 1000,
    maxPerClient: config.maxConnectionsPerClient,
    exempt: [...config.connectionLimitExempt],
    maxConnections: connectionCap(fileLimit, config.maxConnections),
  };
}

/** Why this process's open-file limit is low for the configured connection caps, or null (printed by `tessera serve`). */
export function startupWarning(config: Config, fileLimit: number | null = openFileLimit()): string | null {
  return descriptorWarning(fileLimit, config.maxConnections, config.maxConnectionsPerClient);
}

export interface Server {
  app: FastifyInstance;
  deps: Deps;
  close(): Promise<void>;
}

/** The PostgreSQL store, or a start error that names the server (never the password). */
async function openPostgres(url: string, clock: Clock) {
  try {
    // Loaded only when configured: pg and the S3 client cost ~20 MB of memory otherwise unused.
    const { createPostgresStore } = await import('./adapters/postgres/index.ts');
    return await createPostgresStore(url, clock);
  } catch (e) {
    const u = new URL(url);
    throw new ConfigError(`Cannot open the PostgreSQL database ${u.hostname}:${u.port || 5432}${u.pathname}: ${(e as Error).message}`);
  }
}

export interface OpenedDeps {
  deps: Deps;
  /** Hears of package changes made by this process (for caches). */
  onPackageChanged(l: (name: string) => void): void;
  /** Closes the store and the blob store. */
  close(): Promise<void>;
}

/**
 * The deps of the use cases. The backends are config: SQLite in DATA (default) or PostgreSQL
 * (`database`), tarballs in DATA (default) or S3 (`blobs`). Opening applies the migrations.
 */
export async function openDeps(config: Config, clock: Clock = systemClock): Promise<OpenedDeps> {
  // Settings first: a config problem (e.g. a proxy rule naming no upstream) stops before anything opens.
  const settings = settingsFrom(config);
  const data = resolve(config.data);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  if (config.database && !config.totpKeys) {
    // A key generated into one node's DATA folder would not open secrets sealed by another.
    throw new ConfigError('Invalid configuration: totpKeys must be set when database is PostgreSQL (every node needs the same key; see docs/operations.md).');
  }
  if (config.database && !config.signingKeys) {
    // Each node would sign with its own DATA/signing.key and list only that one.
    throw new ConfigError('Invalid configuration: signingKeys must be set when database is PostgreSQL (every node signs with and lists the same keys; see docs/signatures.md).');
  }
  let signing: Deps['signing'];
  try {
    signing = loadSigning(config.signingKeys, data);
  } catch (e) {
    throw new ConfigError(`Invalid configuration: ${(e as Error).message}`);
  }
  const listeners = new Set<(name: string) => void>();
  const raw = config.database ? await openPostgres(config.database, clock) : createSqliteStore(join(data, 'tessera.db'), clock);
  // A token check is one lookup by hash; repeated checks come from memory (see cached-tokens.ts).
  const store = withTokenCache(raw);
  let blobs: BlobStore;
  let closeBlobs = () => {};
  try {
    if (config.blobs) {
      const { createS3BlobStore, parseS3Url } = await import('./adapters/s3-blobs.ts');
      const location = parseS3Url(config.blobs, process.env);
      const s3 = createS3BlobStore(location);
      closeBlobs = () => s3.close();
      await s3.ensureBucket().catch((e: Error) => {
        throw new ConfigError(`Cannot use the S3 bucket ${location.bucket}: ${e.name}: ${e.message}`);
      });
      blobs = s3;
    } else {
      blobs = createFsBlobStore(join(data, 'tarballs'));
    }
  } catch (e) {
    closeBlobs();
    await store.close();
    throw e;
  }
  const upstream = createUpstreamClient();
  const auditForwarder = createAuditForwarder();
  const deps: Deps = {
    store,
    upstream,
    auditForwarder,
    upstreamState: new UpstreamState(),
    // Tarballs are immutable and content-addressed: a memory cache in front is never stale.
    blobs: withBlobCache(blobs, BLOB_CACHE_BYTES),
    clock,
    hasher: createArgon2Hasher(config.hashConcurrency),
    settings,
    secrets: loadKeyRing(config.totpKeys, data),
    signing,
    usage: new TokenUsage(store.tokens),
    packageChanged: (name) => listeners.forEach((l) => l(name)),
  };
  return {
    deps,
    onPackageChanged: (l) => listeners.add(l),
    async close() {
      closeBlobs();
      await upstream.close();
      await auditForwarder.close();
      await store.close();
    },
  };
}

export async function createServer(config: Config, options: { logger?: FastifyServerOptions['logger']; clock?: Clock } = {}): Promise<Server> {
  const opened = await openDeps(config, options.clock);
  const { deps } = opened;
  try {
    // Versions stored before registry signatures existed are signed once (sign-stored.ts).
    await signStoredVersions(deps);
  } catch (e) {
    await opened.close();
    throw e;
  }
  let app: FastifyInstance;
  let unsubscribe: (() => Promise<void>) | undefined;
  try {
    const built = await buildApp(deps, {
      logger: options.logger,
      trustedProxies: [...config.trustedProxies],
      connections: connectionLimits(config),
      bodies: { largeAtOnce: config.largeBodiesAtOnce, largePerUser: config.largeBodiesPerUser },
    });
    app = built.app;
    const { cache } = built;
    opened.onPackageChanged((name) => cache.invalidate(name));
    // Several nodes: a change committed on another node drops this node's cached packument.
    unsubscribe = await deps.store.subscribe?.((event) => {
      if (event.type === 'package') cache.invalidate(event.name);
      else if (event.type === 'reset') cache.clear();
    });
  } catch (e) {
    await opened.close();
    throw e;
  }
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
      await unsubscribe?.();
      await opened.close();
    },
  };
}
