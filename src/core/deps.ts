// What the use cases get: the ports, the clock and the settings that shape behaviour.

import type { Principal } from './access/principal.ts';
import type { KeyRing } from './accounts/secret-box.ts';
import type { WebAuthnCeremonies } from './accounts/webauthn-port.ts';
import type { RegistrySigning } from './packages/signatures.ts';
import type { ProxySettings } from './proxy/rules.ts';
import type { UpstreamClient } from './proxy/ports.ts';
import type { AuditForwarder } from './proxy/audit-port.ts';
import type { UpstreamState } from './proxy/upstream-state.ts';
import type { TokenUsage } from './tokens/usage.ts';
import type { TrustSettings } from './trust/issuers.ts';
import type { IdTokenVerifier } from './trust/verifier.ts';
import type { Access, BlobStore, Clock, OtpUse, PackageMfa, PasswordHasher, SecurityEvent, Store } from './ports.ts';

export interface CoreSettings {
  /** Absolute public URL of the registry, ending in '/'. */
  publicUrl: string;
  /** Name shown to people, and the issuer in otpauth URLs. */
  registryName: string;
  signup: 'open' | 'closed';
  sessionTtlMs: number;
  tokens: { writeDays: number; writeMaxDays: number; readDays: number; readMaxDays: number; maxPerUser: number };
  /** Largest publish body; the tarball inside may be about 3/4 of it (base64). */
  maxBodyBytes: number;
  maxTarballBytes: number;
  /** Most bytes a published tarball may inflate to (its tar archive); inflating stops there. */
  maxUnpackedBytes: number;
  /** Most bytes a package's stored manifests may total, readmes aside (manifest-limits.ts). */
  maxPackumentBytes: number;
  defaultPackageMfa: PackageMfa;
  /** The access of a new scoped package whose publish names none (config scopedPackageAccess). */
  scopedPackageAccess: Access;
  /** Per network (IPv4 address, IPv6 /64) and hour: unauthenticated work that creates state. */
  addressLimits: { passwordFailures: number; signupsPerHour: number; loginsPerHour: number };
  /** How long a staged version (npm stage publish) waits for approval before it expires, in ms (config stagedVersionDays). */
  stageTtlMs: number;
  /** How long an org invitation may be accepted, in ms (config orgInvitationDays). */
  orgInvitationTtlMs: number;
  /** The upstream proxy's upstreams and rules (config/proxy.ts); PROXY_OFF when `upstream: none`. */
  proxy: ProxySettings;
  /** Trusted publishing: the trusted issuers, the audience, the exchanged token's lifetime. */
  trust: TrustSettings;
  /**
   * What new two-factor set-ups may use (config twoFactorMethods): TOTP, passkeys and security
   * keys (WebAuthn), or both. Set-ups made before keep working either way.
   */
  twoFactorMethods: 'totp' | 'webauthn' | 'both';
}

export interface Deps {
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  hasher: PasswordHasher;
  settings: CoreSettings;
  /** Last-use times of tokens, written in batches. */
  usage: TokenUsage;
  /** The HTTP client of upstream registries (adapters/upstream-http.ts). */
  upstream: UpstreamClient;
  /** Sends `npm audit` bodies of proxied names to their upstream (adapters/upstream-audit.ts); without it such audits answer 503. */
  auditForwarder?: AuditForwarder;
  /** How each upstream fared lately, in memory (the web UI shows it). */
  upstreamState: UpstreamState;
  /** The WebAuthn ceremonies (adapters/webauthn.ts): passkeys and security keys. */
  webauthn: WebAuthnCeremonies;
  /** Keys that seal TOTP secrets at rest. */
  secrets: KeyRing;
  /** The registry's signing keys (dist.signatures, /-/npm/v1/keys); none: versions are not signed. */
  signing?: RegistrySigning;
  /** Verifies CI identity tokens for trusted publishing (adapters/oidc.ts); none: the exchange refuses. */
  oidc?: IdTokenVerifier;
  /** Told after every committed change of a package, so caches can drop it. */
  packageChanged(name: string): void;
}

/** One request as the use cases see it. */
export interface RequestContext {
  principal: Principal;
  /** The raw npm-otp header, if any. */
  otp: string | undefined;
  ip: string;
  userAgent: string;
  /**
   * For the web OTP challenge: the npm-auth-type header ("web" when the client can open a
   * browser) and what the request does, e.g. "PUT /left-pad".
   */
  authType?: string;
  action?: string;
  /**
   * A passkey answer checked already for this request (a web form confirmed with a passkey,
   * passkey-assertion.ts): the second factor the write consumes instead of `otp`.
   */
  passkeyFactor?: OtpUse;
  /** The npm command that sent the request (npm-command header, npm-registry-fetch), if any. */
  command?: string;
  /**
   * The request's method and path (no query), as received: what a browser approval is bound to
   * (the path may hold a secret, e.g. a token to revoke, so it is only ever stored hashed).
   */
  target?: { method: string; path: string };
}

export const isoNow = (deps: Pick<Deps, 'clock'>): string => new Date(deps.clock.now()).toISOString();

/** Appends to the account's security log, with the request's address and user agent. */
export function logEvent(deps: Deps, ctx: Pick<RequestContext, 'ip' | 'userAgent'> | null, userId: number, type: string, detail?: SecurityEvent['detail']): Promise<void> {
  return deps.store.events.append({ userId, type, ip: ctx?.ip ?? null, userAgent: ctx?.userAgent ?? null, ...(detail ? { detail } : {}) });
}
