// The closed catalogue of domain errors. Core code throws these; http/ maps each kind to a
// status, headers and a JSON body. Nothing in core knows about HTTP.

export type ErrorKind =
  | 'bad-input' // the request is malformed or names something invalid
  | 'unauthenticated' // no or dead credential where one is required
  | 'bad-login' // wrong user name or password
  | 'needs-otp' // a second factor is required and was missing or wrong
  | 'ip-not-allowed' // the token may not be used from this address
  | 'forbidden' // authenticated, but not allowed
  | 'not-found' // does not exist, or may not be seen by the caller
  | 'conflict' // a stale revision
  | 'too-many' // throttled
  | 'too-large' // body over the configured limit
  | 'unsupported' // a body in a form the server does not read (Content-Encoding)
  | 'busy' // the server takes no more of this kind of work at the moment; retry later
  | 'upstream-down' // an upstream registry the request needs cannot be reached or did not answer in time
  | 'upstream-bad' // an upstream registry the request needs sent an answer that is refused
  | 'upstream-failed' // an upstream registry could not be used (unreachable, bad answer) and nothing usable is cached
  | 'upstream-timeout'; // an upstream registry did not answer in time and nothing usable is cached

export const errorCatalogue = {
  BAD_REQUEST: 'bad-input',
  INVALID_NAME: 'bad-input',
  INVALID_VERSION: 'bad-input',
  INVALID_TAG: 'bad-input',
  INVALID_EMAIL: 'bad-input',
  INVALID_PUBLISH: 'bad-input',
  INTEGRITY_MISMATCH: 'bad-input',
  MANIFEST_MISMATCH: 'bad-input',
  LAST_OWNER: 'bad-input',
  UNAUTHENTICATED: 'unauthenticated',
  OIDC_TOKEN_REFUSED: 'unauthenticated',
  BAD_LOGIN: 'bad-login',
  OTP_REQUIRED: 'needs-otp',
  IP_NOT_ALLOWED: 'ip-not-allowed',
  FORBIDDEN: 'forbidden',
  SIGNUP_CLOSED: 'forbidden',
  ACCOUNT_DISABLED: 'forbidden',
  VERSION_EXISTS: 'forbidden',
  READ_ONLY_TOKEN: 'forbidden',
  TFA_REQUIRED: 'forbidden',
  NAME_TOO_SIMILAR: 'forbidden',
  NAME_EXISTS_UPSTREAM: 'forbidden',
  TRUST_NOT_MATCHED: 'forbidden',
  TRUSTED_TOKEN_LIMIT: 'forbidden',
  NOT_FOUND: 'not-found',
  USER_EXISTS: 'conflict',
  ALREADY_EXISTS: 'conflict',
  REV_CONFLICT: 'conflict',
  TOO_MANY_ATTEMPTS: 'too-many',
  BODY_TOO_LARGE: 'too-large',
  UNSUPPORTED_ENCODING: 'unsupported',
  TOO_MANY_CONNECTIONS: 'too-many',
  TOO_MANY_UPLOADS: 'too-many',
  SERVER_BUSY: 'busy',
  UPSTREAM_UNAVAILABLE: 'upstream-down',
  UPSTREAM_BAD_ANSWER: 'upstream-bad',
  UPSTREAM_CHECK_FAILED: 'busy',
  UPSTREAM_FAILED: 'upstream-failed',
  UPSTREAM_TIMEOUT: 'upstream-timeout',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof errorCatalogue;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  /** Seconds the client should wait, for 'too-many' and 'busy'. */
  readonly retryAfter?: number;
  /** Extra fields for the error body (e.g. authUrl/doneUrl of a web OTP challenge). */
  readonly details?: Record<string, string>;
  /** For 'needs-otp': which factors the account can answer with, when not an authenticator app (the npm-notice says so). */
  readonly factors?: 'passkeys';

  constructor(code: ErrorCode, message: string, options: { retryAfter?: number; details?: Record<string, string>; factors?: 'passkeys' } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.kind = errorCatalogue[code];
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.details !== undefined) this.details = options.details;
    if (options.factors !== undefined) this.factors = options.factors;
  }
}

export function fail(code: ErrorCode, message: string, options?: { retryAfter?: number; details?: Record<string, string>; factors?: 'passkeys' }): never {
  throw new DomainError(code, message, options);
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/**
 * A client-sent value for an error message. String() and template literals throw on objects
 * such as {"toString": null}; JSON always renders what JSON.parse made. Long values are cut.
 */
export function shown(value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(typeof value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
