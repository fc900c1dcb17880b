// The HTTP status of each kind of domain error (src/core/errors.ts), shared by both surfaces:
// the npm API (http/reply-error.ts) and the web UI (web/). A leaf: it imports only core types.

import type { ErrorKind } from '../core/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  'bad-input': 400,
  unauthenticated: 401,
  'bad-login': 401,
  'needs-otp': 401,
  'ip-not-allowed': 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-many': 429,
  'too-large': 413,
  unsupported: 415,
  busy: 503,
  'upstream-down': 503,
  'upstream-bad': 502,
  'upstream-failed': 502,
  'upstream-timeout': 504,
};

/** 400-429 for an error kind (415 for an unsupported Content-Encoding, 503 when busy or an upstream is down, 502 for an upstream's bad answer, 504 when it did not answer in time) (RFC 9110 sections 15.5, 15.6.3-15.6.5; 429 from RFC 6585). */
export const statusOfKind = (kind: ErrorKind): number => STATUS[kind];
