// The interfaces that storage adapters implement. Every method that changes state is atomic:
// it either applies completely or not at all.

import type { Readable } from 'node:stream';
import type { Org, OrgEvent, OrgInvitation, OrgMember, OrgRole, StoredOrgEvent, Team, TeamGrant, TeamPermission } from './orgs/model.ts';
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

/**
 * An account's second factor. `secret` is the TOTP secret, sealed (AES-256-GCM), never the
 * plain secret; null when the account's only factors are passkeys (then it has at least one:
 * the store turns the factor off with the last one, see PasskeyStore.remove).
 */
export interface TfaState {
  mode: TfaMode;
  /** Set up but not yet confirmed with a first code: not enforced. */
  pending: boolean;
  secret: string | null;
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
  /** An administrator of the instance (tessera user admin NAME; docs/admin.md). */
  admin: boolean;
  /** 'disabled': every credential refused until enabled; 'deleted': for good, the name kept. */
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
}

export type UserStatus = 'active' | 'disabled' | 'deleted';

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
  | { userId: number; kind: 'web'; valueHash: string; bindingHash: string }
  /**
   * A verified passkey assertion: the credential's signature counter moves from `previous` to
   * `counter` (compare-and-set, so one assertion counts once) and its last use is recorded.
   */
  | { userId: number; kind: 'passkey'; credentialId: string; previous: number; counter: number };

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
  /**
   * Events of every user whose type is one of `types` (the instance's log for administrators:
   * sign-in failures, lockouts, admin actions), newest first; `before` is an event id for paging.
   */
  listInstance(options: { types: readonly string[]; before?: number; limit: number }): Promise<StoredSecurityEvent[]>;
}

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
}

export type UserPatch = Partial<ProfileFields & { email: string; emailVerified: boolean; passwordHash: string; webOtpChallenge: boolean; admin: boolean; status: UserStatus }>;

/** One row of the administrators' list of users. */
export interface UserSummary {
  id: number;
  name: string;
  email: string;
  admin: boolean;
  status: UserStatus;
  tfa: boolean;
  createdAt: string;
}

export interface UserStore {
  findByName(name: string): Promise<User | null>;
  findById(id: number): Promise<User | null>;
  /** Users sorted by name, after the name `after` (paging), at most `limit`. */
  list(options: { after?: string; limit: number }): Promise<UserSummary[]>;
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

/**
 * session: a CLI login; web: a browser sign-in (cookie only); legacy and granular: npm token
 * create; oidc: the short-lived token of a trusted-publishing exchange (core/trust/exchange.ts),
 * good for nothing but its grant (limits.trusted).
 */
export type TokenKind = 'session' | 'web' | 'legacy' | 'granular' | 'oidc';

/** What a trust relationship lets its workflow do: `npm publish`, `npm stage publish`. */
export type TrustPermission = 'publish' | 'stage';

/** The grant of an 'oidc' token: one package, the matched relationship's permissions, the workflow. */
export interface TrustedGrant {
  package: string;
  configId: string;
  /** The relationship's type: github, gitlab, circleci or a custom issuer's name. */
  type: string;
  permissions: TrustPermission[];
  /** Who exchanged, e.g. `github:owner/repo/.github/workflows/release.yml@refs/heads/main`. */
  workflow: string;
}

/** What a token may touch; null on sessions and legacy tokens (everything the user may). */
export interface TokenLimits {
  packages: string[];
  scopes: string[];
  packagesAll: boolean;
  permission: 'read-only' | 'read-write';
  /** Set on 'oidc' tokens only. */
  trusted?: TrustedGrant;
  /**
   * The organisations whose membership and teams the token may touch (names without '@'), and
   * how (npm token create --orgs/--orgs-permission, lib/commands/token.js). Absent or empty: no
   * org at all (as on npmjs: a granular token without orgs cannot even list an org's members).
   * `packages`, `scopes` and `packagesAll` all empty with `orgs` set: a token for org
   * management only, which covers no package.
   */
  orgs?: string[];
  orgsPermission?: 'no-access' | 'read-only' | 'read-write';
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
  /**
   * What a cache in front of the store holds for the key, without waiting: the token and its
   * user, or undefined when only the store can answer (the read fast path then takes the
   * asynchronous way). Stores without a cache leave it out.
   */
  inMemory?(key: string): { token: TokenRecord; user: User } | undefined;
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
  /**
   * Only for the writers of an org's package (PackageRecord.owners, SearchHit.owners): whether
   * the user has a confirmed second factor, which the org's 2FA requirement asks of writers
   * (core/orgs/writers.ts packageWriters leaves out those it locks out).
   */
  hasTfa?: boolean;
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
  /**
   * For a package in an organisation's scope (issue #18: the org owns it), users who may write
   * it (its owners and admins, and members of teams granted read-write), sorted by name, as
   * npmjs shows an org package's maintainers, each with `hasTfa`; otherwise the package's
   * owners in order. What lists show as writers: core/orgs/writers.ts packageWriters.
   */
  owners: Owner[];
  /**
   * The organisation owning the package's scope, whether it requires 2FA of its members
   * (`requireTfa`), and the teams it granted access (team names without the org), sorted by
   * team; null for a package outside any org's scope.
   */
  org: { name: string; requireTfa: boolean; grants: Array<{ team: string; permission: TeamPermission }> } | null;
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
      create?: {
        ownerId: number;
        access: Access;
        mfa: PackageMfa;
        claimScope?: string;
        /** A new package of an org: the grant its developers team gets (OrgStore.grant), in the same transaction. */
        teamGrant?: { teamId: number; permission: TeamPermission };
      };
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
  /** Only packages of this scope (without '@'); absent or null: every name. */
  scope?: string | null;
  /** 'name' (default, byte order) or 'modified' (most recently changed first, then name). */
  order?: 'name' | 'modified';
}

export interface SearchHit {
  name: string;
  version: string;
  description: string | null;
  keywords: string[];
  modifiedAt: string;
  /** As PackageRecord.owners: for an org's package its possible writers, each with `hasTfa`. */
  owners: Owner[];
  /** For a package in an org's scope: whether the org requires 2FA of its members; else null. */
  org: { requireTfa: boolean } | null;
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
   * Names of every package (unpublished ones too), sorted byte-wise: at most `limit` of them,
   * after the name `after` when given. For administrators' listings (tessera package list).
   */
  names(options: { after?: string; limit: number }): Promise<string[]>;
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
  /** The blob if a cache in front of the store holds it, without waiting; undefined otherwise. */
  inMemory?(key: string): Buffer | undefined;
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

/** The options of every org write: the second factor to consume and the log line to write with it. */
export interface OrgWriteOptions {
  otp?: OtpUse | null;
  event?: OrgEvent;
}

/**
 * Organisations and teams (issue #18; records in core/orgs/model.ts). Every method that changes
 * state is atomic: the change, the org log line (`event`) and the second factor's consumption
 * (`otp`) commit together or not at all. Preconditions that must hold inside the transaction (an
 * org keeps an owner, a team member is an org member, an invitation is accepted only with 2FA
 * while the org requires it) are checked there and thrown as DomainErrors.
 */
export interface OrgStore {
  /**
   * Creates an org owned by `ownerId`, with its developers team (the owner in it). USER_EXISTS
   * when the name is a user's, another org's, or a scope somebody's packages already use (such
   * a scope becomes an org only through `adopt`).
   */
  create(name: string, ownerId: number, options?: OrgWriteOptions): Promise<Org>;
  /**
   * Turns a scope that packages already use (`@scope/...` published by users, the scope not
   * being a user's name) into an org: `ownerId` and the owners of the scope's packages become
   * its owners and join the developers team, which gets `developersAccess` (read-write) on
   * each of the scope's packages; the scope stops belonging to its first publisher.
   * NOT_FOUND when no packages use the scope; USER_EXISTS when it is a user's or an org's name.
   * Returns the org, its owners' names and the packages (sorted).
   */
  adopt(scope: string, ownerId: number, options?: OrgWriteOptions): Promise<{ org: Org; owners: string[]; packages: string[] }>;
  get(name: string): Promise<Org | null>;
  getById(id: number): Promise<Org | null>;
  /** The orgs the user belongs to, with the user's role, sorted by name. */
  listForUser(userId: number): Promise<Array<{ org: Org; role: OrgRole }>>;
  /** The user's role in the org, or null when not a member. */
  role(orgId: number, userId: number): Promise<OrgRole | null>;
  /**
   * Every org the user belongs to, with the role, the org's 2FA requirement and the names of
   * the user's teams in it (sorted), in one read: what the principal carries for access
   * decisions (core/access/permissions.ts), read with the credential on every request.
   */
  membershipsOf(userId: number): Promise<Array<{ org: string; role: OrgRole; teams: string[]; tfaRequired: boolean }>>;
  /** membershipsOf's answer if a cache in front of the store holds it; undefined otherwise. */
  membershipsInMemory?(userId: number): Array<{ org: string; role: OrgRole; teams: string[]; tfaRequired: boolean }> | undefined;
  /** Members sorted by name. */
  members(orgId: number): Promise<OrgMember[]>;
  /**
   * Changes a member's role. NOT_FOUND when the user is not a member; LAST_OWNER when it
   * would leave the org without an owner. Returns whether the role changed.
   */
  setRole(orgId: number, userId: number, role: OrgRole, options?: OrgWriteOptions): Promise<boolean>;
  /**
   * Removes a member from the org and all its teams (and any invitation). LAST_OWNER when the
   * user is its last owner. Returns whether the user was a member.
   */
  removeMember(orgId: number, userId: number, options?: OrgWriteOptions): Promise<boolean>;
  /**
   * Records (or replaces the role and lifetime of) a pending invitation of a user who is not a
   * member; `options.expiresAt` (ISO 8601): when it stops being acceptable (absent: never).
   */
  invite(orgId: number, userId: number, role: OrgRole, invitedById: number | null, options?: OrgWriteOptions & { expiresAt?: string }): Promise<void>;
  /**
   * Pending invitations of the org, sorted by user name: those not expired at the store's clock.
   * Deletes up to 100 expired invitations (of any org) on the way.
   */
  invitations(orgId: number): Promise<OrgInvitation[]>;
  /** Pending invitations of the user, sorted by org name; unexpired only, deleting expired ones as `invitations` does. */
  invitationsForUser(userId: number): Promise<OrgInvitation[]>;
  /**
   * Accepts the user's invitation: the user becomes a member with the invited role and joins
   * the developers team, and the invitation goes. NOT_FOUND when there is none or it expired; TFA_REQUIRED
   * when the org requires 2FA and the user has no confirmed second factor (checked in the
   * transaction). Returns the role taken.
   */
  acceptInvitation(orgId: number, userId: number, options?: OrgWriteOptions): Promise<OrgRole>;
  /** Deletes a pending invitation (declined by the invitee or withdrawn). Returns whether there was one. */
  deleteInvitation(orgId: number, userId: number, options?: OrgWriteOptions): Promise<boolean>;
  /** The org's settings. */
  updateSettings(orgId: number, patch: { requireTfa?: boolean; developersAccess?: TeamPermission | null }, options?: OrgWriteOptions): Promise<Org>;

  /** Creates a team. ALREADY_EXISTS when the org has a team of that name. */
  createTeam(orgId: number, name: string, description: string | null, options?: OrgWriteOptions): Promise<Team>;
  /** Deletes a team, its memberships and its grants. Returns whether it existed. */
  deleteTeam(teamId: number, options?: OrgWriteOptions): Promise<boolean>;
  team(orgId: number, name: string): Promise<Team | null>;
  /** The org's teams, sorted by name. */
  teams(orgId: number): Promise<Team[]>;
  /** The teams of the org the user is in, sorted by name. */
  teamsOfUser(orgId: number, userId: number): Promise<Team[]>;
  /**
   * Adds a member of the team's org to the team. FORBIDDEN when the user is not a member of
   * the org (checked in the transaction). Returns whether the user was added (false: already in).
   */
  addTeamMember(teamId: number, userId: number, options?: OrgWriteOptions): Promise<boolean>;
  /** Returns whether the user was in the team. */
  removeTeamMember(teamId: number, userId: number, options?: OrgWriteOptions): Promise<boolean>;
  /** The team's members, sorted by name. */
  teamMembers(teamId: number): Promise<Array<{ userId: number; name: string }>>;

  /** Grants (or changes) a team's permission on a package. NOT_FOUND when no such package. */
  grant(teamId: number, pkg: string, permission: TeamPermission, options?: OrgWriteOptions): Promise<void>;
  /** Returns whether the team had a grant on the package. */
  revoke(teamId: number, pkg: string, options?: OrgWriteOptions): Promise<boolean>;
  /** Names of the (not unpublished) packages in the org's scope (`@name/...`), sorted. */
  packageNames(orgId: number): Promise<string[]>;
  /** A team's packages, sorted by name. */
  teamPackages(teamId: number): Promise<Array<{ package: string; permission: TeamPermission }>>;
  /** The teams that have a grant on a package, sorted by org and team name. */
  packageTeams(pkg: string): Promise<TeamGrant[]>;
  /** The teams the user is in that have a grant on the package, with the permission (best first). */
  userPackageGrants(userId: number, pkg: string): Promise<TeamGrant[]>;

  /** Appends a line to the org's log on its own (with the second factor consumed in the same transaction). */
  appendEvent(orgId: number, event: OrgEvent, options?: { otp?: OtpUse | null }): Promise<void>;
  /** The org's log, newest first; `before` is an event id for paging. */
  events(orgId: number, options: { before?: number; limit: number }): Promise<StoredOrgEvent[]>;
}

/**
 * A trust relationship (npm trust): a package trusts the workflows whose identity-token claims
 * match `claims` (the body npm's trust commands send, lib/commands/trust/*.js).
 */
export interface TrustConfig {
  /** A UUID. */
  id: string;
  package: string;
  /** github, gitlab, circleci, or the name of a custom issuer (config trustedIssuers). */
  type: string;
  claims: Record<string, unknown>;
  permissions: TrustPermission[];
  /** The owner who made it (null once that account is gone). */
  createdBy: number | null;
  createdAt: string;
}

/** One use of an identity token: its issuer, `jti` and the package it was exchanged for. */
export interface IdTokenUse {
  issuer: string;
  jti: string;
  package: string;
  /** When the identity token expires (ms): its use is remembered at least until then. */
  expiresAt: number;
}

export interface TrustStore {
  /** The package's relationships, oldest first. */
  list(pkg: string): Promise<TrustConfig[]>;
  /** Adds relationships, consuming `otp` and appending `events` in the same transaction. */
  add(configs: TrustConfig[], options?: WriteOptions & { events?: SecurityEvent[] }): Promise<void>;
  /** Removes one relationship of the package (with the OTP and events, atomically); false when there was none. */
  remove(pkg: string, id: string, options?: WriteOptions & { events?: SecurityEvent[] }): Promise<boolean>;
  /**
   * Records the identity token's use and creates the short-lived token, with `events`, in one
   * transaction: false (and nothing written) when that jti was exchanged for that package
   * already, on any node. Forgets uses and 'oidc' tokens that expired before `nowMs`.
   */
  exchange(use: IdTokenUse, token: TokenRecord, events: SecurityEvent[], nowMs: number): Promise<boolean>;
  /**
   * Appends `events` (a refused exchange, on each owner's log) unless a mark with the same
   * issuer, jti and package is still remembered at `nowMs`, on any node; then remembers `mark`
   * until its `expiresAt`. One transaction: true when the events were written. Forgets expired
   * uses and marks first, so marks bound refusal lines to one per key per mark lifetime.
   */
  refuse(mark: IdTokenUse, events: SecurityEvent[], nowMs: number): Promise<boolean>;
}

/**
 * A registered passkey or security key (WebAuthn credential). Only public data: the COSE public
 * key, never a private key or anything secret (W3C WebAuthn Level 3, section 6.1).
 */
export interface Passkey {
  /** The credential ID, base64url: unique across all accounts. */
  id: string;
  userId: number;
  /** Named by its owner, 1-64 characters. */
  name: string;
  /** The COSE-encoded public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that do not count). */
  counter: number;
  /** Transports the authenticator reported (usb, nfc, ble, internal, hybrid...). */
  transports: string[];
  /** Backup eligible (a synced passkey: multiDevice) and currently backed up. */
  multiDevice: boolean;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

/**
 * A WebAuthn challenge handed to a browser, kept until it is answered (once) or expires:
 * `hash` is the SHA-256 of the challenge, `binding` the SHA-256 of what it is good for (the
 * session or sign-in attempt and the action: core/accounts/passkey-challenges.ts).
 */
export interface WebAuthnChallenge {
  hash: string;
  userId: number | null;
  binding: string;
  expiresAt: number;
}

export interface PasskeyStore {
  /**
   * Adds a credential, atomically with the account's second factor when `tfa` is given (the
   * first key turns 2FA on) and its new recovery codes when `recoveryHashes` is given.
   * BAD_REQUEST when the credential ID is registered already (to any account).
   */
  add(passkey: Passkey, options?: WriteOptions & { tfa?: TfaState; recoveryHashes?: string[] }): Promise<User>;
  list(userId: number): Promise<Passkey[]>;
  /** By credential ID, whoever owns it. */
  find(id: string): Promise<Passkey | null>;
  /** Returns whether the user's credential was renamed. */
  rename(userId: number, id: string, name: string): Promise<boolean>;
  /**
   * Removes the user's credential (NOT_FOUND when none). When it was the last one and the
   * account has no TOTP secret, two-factor authentication goes off (and its recovery codes),
   * in the same transaction. Returns the user as it is afterwards.
   */
  remove(userId: number, id: string, options?: WriteOptions): Promise<User>;
  /** Stores a challenge; deletes expired ones on the way. */
  createChallenge(challenge: WebAuthnChallenge, nowMs: number): Promise<void>;
  /** Takes a challenge (deletes it, once, whichever node asks): null when unknown or expired. */
  takeChallenge(hash: string, nowMs: number): Promise<WebAuthnChallenge | null>;
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
  /** Trusted publishing: relationships and identity-token uses (core/trust). */
  trust: TrustStore;
  passkeys: PasskeyStore;
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
  /** Organisations, members, invitations, teams and their package grants (core/orgs/model.ts). */
  orgs: OrgStore;
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
 * ('user': drop what is cached of that user), an organisation's members, roles, teams or
 * settings ('orgs': drop every cached membership), or possibly anything ('reset').
 */
export type StoreChange = { type: 'package'; name: string } | { type: 'user'; id: number } | { type: 'orgs' } | { type: 'reset' };

/** Password hashing runs off the event loop; the adapter caps how many run at once. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
