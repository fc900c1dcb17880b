// The proxy's ports: the HTTP client of upstream registries, and the tables that keep what was
// fetched from them. Adapters: src/adapters/upstream-http.ts (undici) and the store adapters
// (src/adapters/sqlite/proxy.ts, src/adapters/postgres/proxy.ts).

import type { Readable } from 'node:stream';
import type { Upstream } from './rules.ts';

/** Which packument form: npm installs ask for the abbreviated one (Accept: application/vnd.npm.install-v1+json). */
export type PackumentForm = 'full' | 'abbreviated';

/**
 * The upstream's answer to a packument GET. `not-modified` answers a conditional request
 * (If-None-Match / If-Modified-Since, RFC 9110 §13.1); `not-found` is its 404 (the name does not
 * exist there). `body` is the raw JSON, at most the configured packument limit.
 */
export type UpstreamPackumentAnswer =
  | { kind: 'ok'; body: Buffer; etag: string | null; lastModified: string | null }
  | { kind: 'not-modified'; etag: string | null; lastModified: string | null }
  | { kind: 'not-found' };

/**
 * Why an upstream could not be used: `unreachable` (connection refused, DNS, reset),
 * `timeout` (no answer within the upstream's timeoutMs), `bad-answer` (a status other than
 * 200/304/404, a wrong content type, a redirect, a body too large or not JSON). `message`
 * names the upstream and the reason, and never holds its credentials.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'bad-answer',
    readonly upstream: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UpstreamClient {
  /**
   * GET `<upstream.url><escaped name>` in the given form, conditionally when `etag` or
   * `lastModified` is given. Throws UpstreamError.
   */
  packument(upstream: Upstream, name: string, options: { form: PackumentForm; etag?: string | null; lastModified?: string | null; maxBytes: number }): Promise<UpstreamPackumentAnswer>;
  /**
   * GET a tarball URL (from the upstream packument's dist.tarball; it must be on the
   * upstream's host, else UpstreamError bad-answer). null on 404. The body streams; its
   * declared size (content-length) may be null.
   */
  tarball(upstream: Upstream, url: string, options: { maxBytes: number }): Promise<{ body: Readable; size: number | null } | null>;
  /**
   * Whether a scope (without "@") has packages on the upstream, asked as `npm access list
   * packages @scope` asks (libnpmaccess getPackages): GET `<url>-/org/<scope>/package`, and on
   * a 404 `<url>-/user/<scope>/package`. True when either answers 200 with a JSON object that
   * lists at least one package; false on 404, 401 or 403 (registries without these endpoints,
   * or that do not tell anonymous callers) or an empty list. Throws UpstreamError otherwise.
   * Used once, at the first publish into a new scope (core/proxy/publish-check.ts).
   */
  scopeHasPackages(upstream: Upstream, scope: string, options: { maxBytes: number }): Promise<boolean>;
  /**
   * GET `<upstream.url><path>` for a JSON answer (the registry keys and attestations endpoints,
   * core/proxy/upstream-signatures.ts): 200 with a JSON content type is `ok` (body at most
   * `maxBytes`), 404 `not-found`. Throws UpstreamError otherwise. Optional: without it those
   * endpoints list nothing of the upstream.
   */
  json?(upstream: Upstream, path: string, options: { maxBytes: number }): Promise<{ kind: 'ok'; body: Buffer } | { kind: 'not-found' }>;
}

/** A packument as fetched from an upstream, kept so that it can be served when the upstream is down. */
export interface CachedUpstreamPackument {
  name: string;
  form: PackumentForm;
  /** The upstream's name (config), so a rule change re-fetches. */
  upstream: string;
  /** The upstream's JSON, as received (validated before it is kept). */
  body: Buffer;
  etag: string | null;
  lastModified: string | null;
  /** When it was last fetched or revalidated (ms since the epoch). */
  fetchedAt: number;
}

/** A tarball fetched from an upstream and stored in the blob store (never expires). */
export interface CachedUpstreamTarball {
  name: string;
  /** The tarball's file name, e.g. "lodash-4.17.21.tgz". */
  file: string;
  version: string;
  blobKey: string;
  /** The SRI string it was checked against (sha512-..., or sha1-... where only a shasum exists). */
  integrity: string;
  size: number;
  fetchedAt: number;
}

/** A cached upstream version an administrator blocked (`tessera proxy block NAME@VERSION`). */
export interface ProxyBlock {
  name: string;
  version: string;
  reason: string;
  /** Who blocked it (the administrator's note or user name). */
  by: string;
  at: number;
}

/** What the proxy keeps of one name (`tessera proxy list`). */
export interface CachedUpstreamPackage {
  name: string;
  /** The upstream (config name) its packument came from. */
  upstream: string;
  /** The packument forms kept, sorted ('abbreviated', 'full'). */
  forms: PackumentForm[];
  /** When a packument of it was last fetched or revalidated (ms since the epoch). */
  fetchedAt: number;
  /** Tarballs stored, and their bytes. */
  tarballs: number;
  tarballBytes: number;
  /** Versions an administrator blocked. */
  blocked: number;
}

/** The proxy's tables. Every method is atomic. */
export interface ProxyStore {
  /**
   * The names with a cached upstream packument, sorted, `limit` at most, after the name `after`
   * (paging), only those starting with `prefix` (compared as text: no wildcards) when given.
   */
  cached(options: { prefix?: string; after?: string; limit: number }): Promise<CachedUpstreamPackage[]>;
  getPackument(name: string, form: PackumentForm): Promise<CachedUpstreamPackument | null>;
  /** Inserts or replaces the (name, form) row. */
  putPackument(p: CachedUpstreamPackument): Promise<void>;
  /** After a 304: the new validators and fetch time, body unchanged. */
  revalidated(name: string, form: PackumentForm, fetchedAt: number, etag: string | null, lastModified: string | null): Promise<void>;
  getTarball(name: string, file: string): Promise<CachedUpstreamTarball | null>;
  /** Whether any packument of the scope (without '@') was fetched from an upstream and is kept. */
  hasScope(scope: string): Promise<boolean>;
  /** Inserts the row unless one exists for (name, file); returns the row that is stored. */
  putTarball(t: CachedUpstreamTarball): Promise<CachedUpstreamTarball>;
  /** Removes cached packuments and tarball rows of a name (all names when null); returns the blob keys no longer referenced by the proxy's rows. */
  purge(name: string | null): Promise<{ packuments: number; tarballs: string[] }>;
  block(b: ProxyBlock): Promise<void>;
  unblock(name: string, version: string): Promise<boolean>;
  /** Blocks of one name (all when null). */
  blocks(name: string | null): Promise<ProxyBlock[]>;
  /** Adds (`starred`) or removes a user's star on a proxied package; returns whether anything changed. */
  setStar(name: string, userId: number, starred: boolean): Promise<boolean>;
  /** Names of the proxied packages the user starred, sorted. */
  starredBy(userId: number): Promise<string[]>;
}
