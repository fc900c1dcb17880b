// The port of the HTTP client that forwards `npm audit` bodies to an upstream registry
// (adapters/upstream-audit.ts), with the endpoints' paths. The use cases are in audit.ts.

import type { Upstream } from './rules.ts';

/** The bulk advisory endpoint (npm 7+, @npmcli/arborist lib/audit-report.js), relative to a registry URL. */
export const AUDIT_BULK_PATH = '-/npm/v1/security/advisories/bulk';
/** The older quick-audit endpoint (npm 6, and the fallback of older npm 7+ clients when the bulk request failed), relative to a registry URL. */
export const AUDIT_QUICK_PATH = '-/npm/v1/security/audits/quick';
export type AuditPath = typeof AUDIT_BULK_PATH | typeof AUDIT_QUICK_PATH;

/** The most bytes of an upstream's audit answer that are read (after gzip). */
export const AUDIT_ANSWER_MAX_BYTES = 16 * 1024 * 1024;

/** The HTTP client that sends an audit body to an upstream registry. */
export interface AuditForwarder {
  /**
   * POSTs `body` as JSON to `<upstream.url><path>` with the upstream's authorization and
   * timeout, and resolves with the answer parsed as JSON (any JSON value: the caller checks its
   * shape). Throws UpstreamError: `unreachable` (no connection, or a 5xx answer), `timeout`, or
   * `bad-answer` (another status than 200, a redirect, a content type other than JSON, more
   * than `maxBytes`, not JSON). Messages name the upstream, never its credentials.
   */
  post(upstream: Upstream, path: AuditPath, body: unknown, options: { maxBytes: number }): Promise<unknown>;
}

/** "npmjs (registry.npmjs.org)": an upstream's name and host for messages, never its credentials. */
export function upstreamLabel(upstream: Upstream): string {
  try {
    return `${upstream.name} (${new URL(upstream.url).host})`;
  } catch {
    return upstream.name;
  }
}
