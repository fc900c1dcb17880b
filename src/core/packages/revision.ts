// Package revisions as npm sees them: the `_rev` a client read (CouchDB's optimistic
// concurrency, which npm's unpublish, deprecate and owner commands echo back) must still be the
// current one when it is sent with a change.

import { fail } from '../errors.ts';
import type { PackageRecord } from '../ports.ts';
import { parseRev } from './rules.ts';

/**
 * The revision number a change expects, from `_rev` in the path or the body: undefined when
 * none was sent (npm sends none for some changes, or the string "undefined"). Errors:
 * REV_CONFLICT (409) when the value is malformed or not the package's current revision.
 */
export function expectedRev(pkg: Pick<PackageRecord, 'rev'>, rev: unknown): number | undefined {
  if (rev === undefined || rev === null || rev === 'undefined') return undefined;
  const n = typeof rev === 'string' ? parseRev(rev) : null;
  if (n === null || n !== pkg.rev) fail('REV_CONFLICT', 'Document update conflict: the package changed since you read it. Try again.');
  return n;
}
