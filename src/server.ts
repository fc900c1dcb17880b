// The composition root: from a validated config, the storage adapters, the use cases' deps
// and the HTTP app. Used by `tessera serve` and by tests that want a real server.

import { mkdirSync, readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
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
import { createOidcVerifier } from './adapters/oidc.ts';
import { audienceOf, type TrustedIssuer, type TrustSettings } from './core/trust/issuers.ts';
import { signStoredVersions } from './core/packages/sign-stored.ts';
import { TokenUsage } from './core/tokens/usage.ts';
import { createSqliteStore } from './adapters/sqlite/index.ts';
import { createWebAuthnCeremonies } from './adapters/webauthn.ts';
import { relyingPartyOf } from './core/accounts/passkey-policy.ts';
import { keepTickObjectShapes } from './runtime/tick-object-shapes.ts';

const BLOB_CACHE_BYTES = 64 * 1024 * 1024;

const MFA = {
  none: { publishRequiresTfa: false, automationOverridesTfa: false },
  publish: { publishRequiresTfa: true, automationOverridesTfa: false },
  automation: { publishRequiresTfa: true, automationOverridesTfa: true },
} as const;

export function defaultPublicUrl(config: Pick<Config, 'url' | 'host' | 'port'> & Partial<Pick<Config, 'tlsCert'>>, port = config.port): string {
  if (config.url) return config.url.endsWith('/') ? config.url : `${config.url}/`;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.tlsCert ? 'https' : 'http'}://${host}:${port}/`;
}

/**
 * The certificate and key files of `tlsCert` / `tlsKey`, read and checked as a pair (a
 * ConfigError naming the file or the mismatch, never the key's content); null when neither is
 * set. Called at start and on every SIGHUP.
 */
export function readTls(config: Pick<Config, 'tlsCert' | 'tlsKey'>): { cert: Buffer; key: Buffer } | null {
  if (!config.tlsCert && !config.tlsKey) return null;
  if (!config.tlsCert || !config.tlsKey) throw new ConfigError('Invalid configuration: tlsCert and tlsKey go together (a PEM certificate and its private key).');
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new ConfigError(`Cannot read the TLS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const tls = { cert: read(config.tlsCert, 'certificate'), key: read(config.tlsKey, 'key') };
  try {
    createSecureContext(tls);
  } catch (e) {
    throw new ConfigError(`The TLS certificate ${config.tlsCert} and key ${config.tlsKey} cannot be used together: ${(e as Error).message}`);
  }
  return tls;
}

/** Whether `host` reaches only this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** The sign-up rule in force: `auto` is open on loopback only (issue #20: safe where it matters). */
export function signupFrom(config: Pick<Config, 'signup' | 'host'>): 'open' | 'closed' {
  if (config.signup !== 'auto') return config.signup;
  return isLoopbackHost(config.host) ? 'open' : 'closed';
}

/** The start-up line about sign-up: which rule holds, why, and how to change it. */
export function signupLine(config: Pick<Config, 'signup' | 'host'>): string {
  const state = signupFrom(config);
  const why = config.signup === 'auto' ? (state === 'open' ? ` (signup: auto, and ${config.host} is loopback only)` : ` (signup: auto, and ${config.host} is reachable beyond this machine)`) : ' (signup set in the configuration)';
  const how = state === 'open' ? '--signup closed (or signup: closed) closes it' : '--signup open (or signup: open) opens it; tessera user add creates accounts either way';
  return `Sign-up is ${state}${why}: ${how}.`;
}

export function settingsFrom(config: Config): CoreSettings {
  return {
    publicUrl: defaultPublicUrl(config),
    registryName: config.registryName,
    signup: signupFrom(config),
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
    orgInvitationTtlMs: config.orgInvitationDays * 86_400_000,
    proxy: proxySettingsFrom(config),
    trust: trustSettingsFrom(config),
    twoFactorMethods: config.twoFactorMethods,
  };
}

/** The trusted issuers of trusted publishing (core/trust/issuers.ts) from the config. */
export function trustSettingsFrom(config: Config): TrustSettings {
  const issuers: TrustedIssuer[] = [];
  if (config.trustGithub) issuers.push({ type: 'github', issuer: config.trustGithubIssuer });
  if (config.trustGitlab) issuers.push({ type: 'gitlab', issuer: config.trustGitlabIssuer });
  if (config.trustCircleci) issuers.push({ type: 'circleci', issuer: config.trustCircleciIssuer.replace(/\/*$/, '/'), prefix: true });
  const names = new Set<string>();
  for (const i of config.trustedIssuers) {
    if (names.has(i.name)) throw new ConfigError(`Invalid configuration: trustedIssuers names ${i.name} twice.`);
    if (i.claims.length === 0) throw new ConfigError(`Invalid configuration: trustedIssuers ${i.name} needs at least one claim that identifies a workflow.`);
    names.add(i.name);
    issuers.push({ type: i.name, issuer: i.issuer, claims: [...i.claims] });
  }
  return { issuers, audience: audienceOf(defaultPublicUrl(config)), tokenTtlMs: config.trustTokenMinutes * 60_000 };
}

/**
 * Why passkeys are off, or null (printed once by `tessera serve`): an IP address cannot be a
 * WebAuthn RP ID (W3C WebAuthn L3 5.1.3, "relying party identifier" is a valid domain).
 * Throws ConfigError when passkeys are the only method allowed and cannot work.
 */
export function passkeyNotice(config: Config): string | null {
  const publicUrl = defaultPublicUrl(config);
  if (relyingPartyOf(publicUrl, config.registryName)) return null;
  if (config.twoFactorMethods === 'webauthn') {
    throw new ConfigError(`Invalid configuration: twoFactorMethods is "webauthn" but the public URL ${publicUrl} has an IP address, which cannot be a WebAuthn RP ID: set \`url\` to a host name (localhost included).`);
  }
  if (config.twoFactorMethods === 'totp') return null;
  return `passkeys and security keys are off: the public URL ${publicUrl} has an IP address, which cannot be a WebAuthn RP ID. Set \`url\` to a host name (localhost included) to turn them on.`;
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
  /** Whether the server speaks https itself (tlsCert and tlsKey). */
  https: boolean;
  /**
   * Reads the TLS files again and serves new connections with them (SIGHUP); connections
   * open keep theirs. Throws a ConfigError, keeping the old pair, when the new one is unusable.
   */
  reloadTls(): void;
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
  passkeyNotice(config);
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
    webauthn: createWebAuthnCeremonies(),
    signing,
    oidc: createOidcVerifier(settings.trust),
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
  keepTickObjectShapes();
  const tls = readTls(config);
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
      ...(tls ? { tls } : {}),
      hstsSeconds: config.hstsSeconds,
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
    https: tls !== null,
    reloadTls() {
      const next = readTls(config);
      if (!tls || !next) throw new ConfigError('Tessera was not started with tlsCert and tlsKey: there is nothing to reload.');
      (app.server as unknown as import('node:tls').Server).setSecureContext(next);
    },
    async close() {
      clearInterval(flusher);
      await app.close();
      await deps.usage.flush();
      await unsubscribe?.();
      await opened.close();
    },
  };
}
