// The interfaces that storage adapters implement. Every method that changes state is atomic:
// it either applies completely or not at all.

import type { Readable } from 'node:stream';
import type { ProxyStore } from './proxy/ports.ts';

export interface Clock {
  now(): number; // milliseconds since the epoch
}

export const systemClock: Clock = { now: () => Date.now() };

export type TfaMode = 'auth-only' | 'auth-and-writes';

export interface ProfileFields {
  fullname: string | null;
  homepage: string | null;
  freenode: string | null;
  twitter: string | null;
  github: string | null;
}

/** An account's second factor. `secret` is sealed (AES-256-GCM), never the plain secret. */
export interface TfaState {
  mode: TfaMode;
  /** Set up but not yet confirmed with a first code: not enforced. */
  pending: boolean;
  secret: string;
  /** The last TOTP time step accepted, and the credential (token key) that presented it. */
  lastStep: number | null;
  lastStepKey: string | null;
}

export interface User extends ProfileFields {
  id: number;
  name: string;
  email: string;
  emailVerified: boolean;
  passwordHash: string;
  tfa: TfaState | null;
  /** Consecutive failed second-factor attempts, and when the last one was. */
  otpFailures: number;
  otpLastFailureAt: number | null;
  /** Offer npm's browser approval (a web OTP challenge) instead of the OTP prompt. */
  webOtpChallenge: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * A second factor that was checked and must be consumed in the same transaction as the write
 * it authorises: a TOTP step (compare-and-set: accepted once per account, except again by the
 * credential that presented it) or a recovery code (used once).
 */
export type OtpUse =
  | { userId: number; kind: 'totp'; step: number; credentialKey: string | null; reseal?: string }
  | { userId: number; kind: 'recovery'; codeHash: string; ip: string; userAgent: string }
  /**
   * The single-use value a browser approval handed to npm (a web OTP challenge), and the
   * binding of the request presenting it: consumed only where it equals the challenge's.
   */
  | { userId: number; kind: 'web'; valueHash: string; bindingHash: string };

export interface WriteOptions {
  otp?: OtpUse | null;
}

export interface SecurityEvent {
  userId: number;
  type: string;
  ip: string | null;
  userAgent: string | null;
  /** Non-secret details: a token prefix, a mode, a package name. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface StoredSecurityEvent extends SecurityEvent {
  id: number;
  at: string;
}

export interface SecurityLog {
  append(event: SecurityEvent): Promise<void>;
  /** Newest first; `before` is an event id for paging. */
  list(userId: number, options: { before?: number; limit: number }): Promise<StoredSecurityEvent[]>;
}

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
}

export type UserPatch = Partial<ProfileFields & { email: string; emailVerified: boolean; passwordHash: string; webOtpChallenge: boolean }>;

export interface UserStore {
  findByName(name: string): Promise<User | null>;
  findById(id: number): Promise<User | null>;
  /** Throws USER_EXISTS when the name is taken (by a user or by someone else's scope). */
  create(input: NewUser): Promise<User>;
  /** Throws OTP_REQUIRED when `otp` was consumed meanwhile (a replay). */
  update(id: number, patch: UserPatch, options?: WriteOptions): Promise<User>;
  /** Sets (or clears) the second factor and replaces the recovery codes, atomically. */
  setTfa(id: number, tfa: TfaState | null, recoveryHashes: string[] | null, options?: WriteOptions): Promise<User>;
  /** Hashes of the user's unused recovery codes. */
  unusedRecoveryCodes(id: number): Promise<string[]>;
  /**
   * Reserves a second-factor attempt: counts it as a failure up front (so parallel guesses
   * cannot outrun the lock), unless `decide` says the budget is locked, in which case
   * nothing is counted. A verified attempt clears the count (clearOtpFailures).
   * The budget charged: with `tokenKey`, that token's own (a token of user `id`; NOT_FOUND
   * when there is none); without, the account's, kept for sign-ins with the password.
   */
  reserveOtpAttempt(
    id: number,
    nowMs: number,
    decide: (failures: number, lastFailureAt: number | null) => { allowed: boolean },
    tokenKey?: string | null,
  ): Promise<{ allowed: boolean; failures: number; lastFailureAt: number | null }>;
  /** Clears the count of a budget: that token's with `tokenKey`, else the account's. */
  clearOtpFailures(id: number, tokenKey?: string | null): Promise<void>;
  /** Consumes a second factor on its own (when the write is not a store write). */
  consumeOtp(otp: OtpUse): Promise<void>;
}

/** session: a CLI login; web: a browser sign-in (cookie only); legacy and granular: npm token create. */
export type TokenKind = 'session' | 'web' | 'legacy' | 'granular';

/** What a token may touch; null on sessions and legacy tokens (everything the user may). */
export interface TokenLimits {
  packages: string[];
  scopes: string[];
  packagesAll: boolean;
  permission: 'read-only' | 'read-write';
}

export interface TokenRecord {
  /** SHA-256 of the secret, hex: the token's key. The secret itself is never stored. */
  key: string;
  userId: number;
  kind: TokenKind;
  /** The first characters of the secret, shown in lists so that people can tell tokens apart. */
  prefix: string;
  name: string | null;
  description: string | null;
  readonly: boolean;
  cidr: string[];
  limits: TokenLimits | null;
  bypass2fa: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface TokenStore {
  create(token: TokenRecord, options?: WriteOptions): Promise<void>;
  /** One lookup by hash: the token and its user, or null. */
  findWithUser(key: string): Promise<{ token: TokenRecord; user: User } | null>;
  /** Returns whether a token was deleted. */
  delete(key: string): Promise<boolean>;
  listForUser(userId: number): Promise<TokenRecord[]>;
  /** Writes a batch of last-use times (tokens deleted meanwhile are skipped). */
  recordUse(uses: Array<{ key: string; at: string }>): Promise<void>;
  /** Deletes the user's tokens of the given kinds, except one. Returns how many went. */
  deleteForUser(userId: number, kinds: TokenKind[], exceptKey?: string): Promise<number>;
}

export type Access = 'public' | 'restricted';

export interface PackageMfa {
  publishRequiresTfa: boolean;
  automationOverridesTfa: boolean;
}

export interface Owner {
  id: number;
  name: string;
  email: string;
}

export interface TarballRef {
  /** File name as it appears in URLs: `<unscoped name>-<version>.tgz`. */
  file: string;
  blobKey: string;
  size: number;
  integrity: string;
  shasum: string;
}

export interface VersionRecord {
  version: string;
  manifest: Record<string, unknown>;
  publishedAt: string;
  deprecated: string | null;
  tarball: TarballRef;
}

export interface PackageRecord {
  name: string;
  /** Grows by one with every change; `_rev` is derived from it. */
  rev: number;
  access: Access;
  /** A whole-package unpublish keeps the name reserved for its former owners. */
  unpublished: boolean;
  mfa: PackageMfa;
  createdAt: string;
  modifiedAt: string;
  owners: Owner[];
  distTags: Record<string, string>;
  versions: VersionRecord[];
  /**
   * Versions published once and unpublished since, with their publication time (kept, as on
   * npmjs, so that the packument's `time` still shows they existed). Oldest first.
   */
  removedVersions: Array<{ version: string; publishedAt: string }>;
  /** Names of the users who starred the package (npm star), sorted. */
  stars: string[];
}

export type PackageMutation =
  | {
      type: 'publish';
      version: VersionRecord;
      tag: string;
      /** Set on the first publish of a name (or of a name whose package was unpublished). */
      create?: { ownerId: number; access: Access; mfa: PackageMfa; claimScope?: string };
      access?: Access;
      /**
       * Most bytes the package's stored manifests (JSON, every version, this one included) may
       * total: checked inside the transaction; beyond it the commit throws BODY_TOO_LARGE.
       */
      maxManifestBytes?: number;
    }
  | { type: 'set-tag'; tag: string; version: string }
  | { type: 'remove-tag'; tag: string }
  | { type: 'deprecate'; messages: Record<string, string | null> }
  | { type: 'remove-versions'; versions: string[]; distTags: Record<string, string> }
  | { type: 'unpublish-all' }
  | { type: 'owners'; add: number[]; remove: number[] }
  | { type: 'settings'; access?: Access; mfa?: PackageMfa };

export interface SearchQuery {
  text: string;
  from: number;
  size: number;
  /** Restricted packages are only found by their owners. */
  viewerId: number | null;
  /**
   * The viewer's credential limits (a granular token's packages and scopes, scopes without
   * '@'): a restricted package is found only when they cover it, as `tokenCoversPackage`
   * decides for packument reads. Absent or null: no limits.
   */
  viewerLimits?: { packages: string[]; scopes: string[] } | null;
}

export interface SearchHit {
  name: string;
  version: string;
  description: string | null;
  keywords: string[];
  modifiedAt: string;
  owners: Owner[];
}

/** A package without its versions and tags: what deciding who may write needs. */
export type PackageHead = Omit<PackageRecord, 'versions' | 'distTags' | 'removedVersions' | 'stars'>;

/** A version without its manifest: what lists of versions show. */
export type VersionSummary = Omit<VersionRecord, 'manifest'>;

/** A package with its dist-tags and versions, but no manifest: work bounded by its row count. */
export type PackageOverview = PackageHead & { distTags: Record<string, string>; versions: VersionSummary[] };

/** What a commit changed, cheaply: the new revision and the dist-tags after it. */
export interface CommitResult {
  rev: number;
  distTags: Record<string, string>;
}

export interface PackageStore {
  get(name: string): Promise<PackageRecord | null>;
  /** The package's settings and owners, without reading its versions. */
  head(name: string): Promise<PackageHead | null>;
  /**
   * Applies one mutation atomically. Checks the preconditions that must hold inside the
   * transaction (a version is never published twice, a tag points at an existing version,
   * a package keeps at least one owner) and throws DomainErrors when they do not.
   */
  /**
   * Applies a mutation atomically. `event`, when given, is appended to the security log in the
   * same transaction (a publish's log line costs no transaction of its own). A publish refuses
   * (VERSION_EXISTS) a version that is staged and not expired (StageStore). `stageId` (an
   * approval, core/stage/decide.ts): that staged version is taken (deleted) in the same
   * transaction, NOT_FOUND when it is gone or expired, before the publish is applied.
   */
  commit(name: string, mutation: PackageMutation, options?: WriteOptions & { expectRev?: number; event?: SecurityEvent; stageId?: string }): Promise<CommitResult>;
  /** The user who owns a scope (without '@'), or null when unclaimed. */
  scopeOwner(scope: string): Promise<number | null>;
  /**
   * Reads only the search data kept per package at write time (latest version, its
   * description and keywords, modified time, owners): never a version's manifest.
   */
  search(query: SearchQuery): Promise<{ hits: SearchHit[]; total: number }>;
  /**
   * One version of a package, `versionOrTag` being a version or a dist-tag name: the package
   * head, its dist-tags and that one version row (one manifest read, none when there is no
   * such version). null when the package or the version does not exist.
   */
  getVersion(name: string, versionOrTag: string): Promise<{ pkg: PackageHead & { distTags: Record<string, string> }; version: VersionRecord } | null>;
  /** The package without any manifest (versions in publish order), or null. */
  overview(name: string): Promise<PackageOverview | null>;
  /** Names of the packages a user owns (also unpublished ones), sorted: for cache invalidation. */
  namesOwnedBy(userId: number): Promise<string[]>;
  /**
   * Adds (`starred`) or removes the user's star on a package, without changing its revision
   * (a star never conflicts with a publish). Returns whether anything changed. NOT_FOUND when
   * the package does not exist or is unpublished. Multi-node stores tell the other nodes.
   */
  setStar(name: string, userId: number, starred: boolean): Promise<boolean>;
  /** Names of the (not unpublished) packages the user starred, sorted; no visibility check. */
  starredBy(userId: number): Promise<string[]>;
  /** Whether a version, a staged version, or a cached upstream tarball (proxy_tarballs), refers to the blob: a blob nothing refers to may be deleted. */
  isBlobReferenced(blobKey: string): Promise<boolean>;
  /**
   * Up to `limit` versions that the migration bringing registry signatures marked as stored
   * unsigned (never one published since), with their tarball's integrity: for the one-off
   * signing pass (core/packages/sign-stored.ts).
   */
  unsignedVersions(limit: number): Promise<Array<{ name: string; version: string; integrity: string }>>;
  /**
   * Stores a marked version's `dist.signatures` in its manifest and clears its mark, atomically
   * (the package's revision is kept: nothing a client changed). false when the version is gone or
   * no longer marked. Multi-node stores tell the other nodes.
   */
  setSignatures(name: string, version: string, signatures: Array<{ keyid: string; sig: string }>): Promise<boolean>;
}

/**
 * A blob opened for sending: its size in bytes, and either the whole of it (`bytes`, when it is
 * in memory already) or a stream of it (`body`, read with back-pressure). The caller must
 * consume or destroy `body`; destroying it releases the file or connection behind it.
 */
export type BlobStream = { size: number; bytes: Buffer; body?: undefined } | { size: number; body: Readable; bytes?: undefined };

export interface BlobStore {
  /** Stores bytes durably under a key derived from their content; idempotent. */
  put(bytes: Buffer, sha512Hex: string): Promise<string>;
  /** The whole blob in memory, or null when there is none under the key. */
  get(key: string): Promise<Buffer | null>;
  /**
   * The blob for sending without holding it in memory (large tarballs): null when there is none
   * under the key. Memory per reader stays bounded by the stream's buffer whatever the size.
   */
  stream(key: string): Promise<BlobStream | null>;
  delete(key: string): Promise<void>;
}

/** Failure counters for throttling (password guessing per account and per address). */
export interface Counters {
  get(key: string): Promise<{ count: number; lastAt: number } | null>;
  /** Adds one; a counter whose last hit is older than `windowMs` starts again at one (it expires `windowMs` after its last hit). */
  increment(key: string, nowMs: number, windowMs: number): Promise<{ count: number; lastAt: number }>;
  reset(key: string): Promise<void>;
  /**
   * One atomic read-decide-write over several counters, the same step for every node (one
   * transaction; PostgreSQL locks the rows). `decide` (synchronous) gets the state of each key
   * in order (null when there is none or its `expiresAt` has passed) and returns the new state
   * of each (null deletes it), or null to change nothing. Resolves with whether anything was
   * written and the states `decide` saw. Rows past their `expiresAt` are deleted on the way (a
   * bounded number per call), so counters of many addresses do not accumulate.
   */
  update(keys: readonly string[], nowMs: number, decide: (current: (CounterState | null)[]) => (CounterState | null)[] | null): Promise<{ written: boolean; seen: (CounterState | null)[] }>;
}

/** A throttling counter: `count` hits, the last at `lastAt`, forgotten at `expiresAt` (ms). */
export interface CounterState {
  count: number;
  lastAt: number;
  expiresAt: number;
}

/** Web logins started by `npm login` (POST /-/v1/login) and approved in the browser. */
export interface LoginRequest {
  /** SHA-256 of the request id (the id is a bearer capability in the done URL). */
  idHash: string;
  createdAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
  create: boolean;
  approvedUserId: number | null;
}

export interface LoginRequestStore {
  create(request: LoginRequest): Promise<void>;
  get(idHash: string): Promise<LoginRequest | null>;
  approve(idHash: string, userId: number): Promise<boolean>;
  /** Atomically takes an approved request (once): returns its user id, and deletes it. */
  claim(idHash: string, nowMs: number): Promise<number | null>;
  deleteExpired(nowMs: number): Promise<void>;
}

/** A CLI write waiting for approval in the browser (the web OTP challenge). */
export interface OtpChallenge {
  /** SHA-256 of the challenge id (a bearer capability in the auth and done URLs). */
  idHash: string;
  userId: number;
  createdAt: number;
  expiresAt: number;
  ip: string;
  userAgent: string;
  /** What the CLI was doing, for the approval page (e.g. "PUT /left-pad"). */
  action: string;
  approved: boolean;
  /**
   * SHA-256 of what the approval is good for (webOtpBinding): the credential that started the
   * challenge, the operation class, the method and the path. The value is consumed only by a
   * request with the same binding.
   */
  bindingHash: string;
}

export interface OtpChallengeStore {
  create(challenge: OtpChallenge): Promise<void>;
  get(idHash: string): Promise<OtpChallenge | null>;
  approve(idHash: string, userId: number, nowMs: number): Promise<boolean>;
  /** Once approved: records the hash of the value handed to npm (once); false otherwise. */
  issue(idHash: string, valueHash: string, nowMs: number): Promise<boolean>;
  deleteExpired(nowMs: number): Promise<void>;
}

/**
 * A version staged by `npm stage publish` (core/stage/): checked like a publish and stored, but
 * in no packument, tarball URL, search or install until approved. Times are ISO 8601 (UTC).
 */
export interface StagedVersion {
  /** A UUID (npm's lib/utils/validate-uuid.js), the `stageId` npm prints. */
  id: string;
  package: string;
  version: string;
  /** The dist-tag the approval will set, fixed at staging. */
  tag: string;
  /** The access the publish body asked for (`npm publish --access`), or null. */
  access: Access | null;
  /** The manifest as it will be stored, `_npmUser` and provenance included, signatures not. */
  manifest: Record<string, unknown>;
  tarball: TarballRef;
  /** The account whose credential staged it, and what kind of credential it was. */
  userId: number;
  userName: string;
  actorType: string;
  createdAt: string;
  expiresAt: string;
}

/** Staged versions. Every method ignores versions whose `expiresAt` is not after `now`. */
export interface StageStore {
  /**
   * Stores a staged version, atomically refusing VERSION_EXISTS when that version of the
   * package was ever published (burned) or is staged and not expired; an expired stage of the
   * same version is removed first. `event` is appended in the same transaction.
   */
  create(stage: StagedVersion, now: string, options?: { event?: SecurityEvent }): Promise<void>;
  get(id: string, now: string): Promise<StagedVersion | null>;
  /** Unexpired staged versions (of one package when given), oldest first. */
  list(now: string, pkg?: string | null): Promise<StagedVersion[]>;
  /**
   * Deletes an unexpired staged version (a rejection), consuming `otp` and appending `event` in
   * the same transaction: the deleted record, or null when there was none (nothing consumed).
   */
  remove(id: string, now: string, options?: WriteOptions & { event?: SecurityEvent }): Promise<StagedVersion | null>;
  /** Deletes up to `limit` expired staged versions and returns them (for their logs and blobs). */
  deleteExpired(now: string, limit: number): Promise<StagedVersion[]>;
}

export interface Store {
  users: UserStore;
  tokens: TokenStore;
  packages: PackageStore;
  events: SecurityLog;
  counters: Counters;
  loginRequests: LoginRequestStore;
  otpChallenges: OtpChallengeStore;
  /** Staged versions (npm stage): core/stage/. */
  stages: StageStore;
  /**
   * What the upstream proxy fetched and keeps, and administrators' blocks of upstream versions
   * (core/proxy/ports.ts). A purge or block reaches the other processes on the same data as a
   * package change (PostgreSQL: a 'package' notification of the name; SQLite: the data_version
   * poll's 'reset').
   */
  proxy: ProxyStore;
  /**
   * Hears of package changes committed by any process sharing this store (several nodes on
   * one PostgreSQL), so that caches drop them. 'reset' means changes may have been missed
   * (the notification connection was lost): drop everything. Single-node stores omit it.
   * Resolves once listening; the returned function stops listening.
   */
  subscribe?(listener: (event: StoreChange) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * A change another process committed: a package ('package'), a user's account or tokens
 * ('user': drop what is cached of that user), or possibly anything ('reset').
 */
export type StoreChange = { type: 'package'; name: string } | { type: 'user'; id: number } | { type: 'reset' };

/** Password hashing runs off the event loop; the adapter caps how many run at once. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
