// Ids of browser approvals: the web login a CLI starts (`npm login --auth-type=web`,
// web-login.ts) and the web OTP challenge (web-otp-start.ts, web-otp.ts). An id is a capability:
// whoever holds it can open the approval page and poll for its result, so it carries 256 random
// bits, is stored only as a SHA-256 hash, and is redacted from logs (src/http/redact.ts).

import { createHash, randomBytes } from 'node:crypto';

const ID = /^[A-Za-z0-9_-]{43}$/;

/** A new id (43 base64url characters: 32 random bytes) and the hex SHA-256 under which it is stored. */
export function newApprovalId(): { id: string; idHash: string } {
  const id = randomBytes(32).toString('base64url');
  return { id, idHash: approvalHash(id) };
}

/** Whether a client-sent value has the shape of an id (checked before any store lookup). */
export const isApprovalId = (id: unknown): id is string => typeof id === 'string' && ID.test(id);

/** The hex SHA-256 of an id or of a single-use value handed out for one. */
export const approvalHash = (value: string): string => createHash('sha256').update(value).digest('hex');
