// Consuming a checked second factor inside a write's transaction (compare-and-set), so that a
// TOTP step is accepted once per account (again only by the credential that presented it) and
// a recovery code once, whichever node handles the request. The UPDATE ... WHERE is the
// compare-and-set: a concurrent transaction that consumed the same step first holds the row
// lock, and once it commits PostgreSQL re-checks the WHERE against the new row, so exactly one
// of them changes a row.

import { DomainError } from '../../core/errors.ts';
import type { OtpUse } from '../../core/ports.ts';
import { ACCOUNT_CHANNEL, PACKAGE_CHANNEL } from './channels.ts';
import type { Queryable } from './pool.ts';

/** Tells the other nodes to drop what they cache of this user (credentials, 2FA state). */
export async function notifyAccount(c: Queryable, userId: number): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [ACCOUNT_CHANNEL, String(userId)]);
}

/**
 * A user's second factor was confirmed or removed: the packages of the orgs they belong to
 * that require 2FA change writers (core/orgs/writers.ts), so every node drops their packuments.
 */
export async function notifyOrgPackagesOf(c: Queryable, userId: number): Promise<void> {
  await c.query(
    `SELECT pg_notify($1, p.name) FROM org_members m JOIN orgs o ON o.id = m.org_id AND o.require_tfa
       JOIN packages p ON left(p.name, length(o.name) + 2) = '@' || o.name || '/' WHERE m.user_id = $2`,
    [PACKAGE_CHANNEL, userId],
  );
}

export async function consumeOtp(c: Queryable, otp: OtpUse | null | undefined, now: string): Promise<void> {
  if (!otp) return;
  await notifyAccount(c, otp.userId);
  if (otp.kind === 'totp') {
    const step = await c.query(
      `UPDATE users SET tfa_last_step = $1, tfa_last_key = $2, otp_failures = 0
        WHERE id = $3 AND tfa_mode IS NOT NULL AND NOT tfa_pending
          AND (tfa_last_step IS NULL OR tfa_last_step < $1 OR (tfa_last_step = $1 AND tfa_last_key IS NOT NULL AND tfa_last_key = $2))`,
      [otp.step, otp.credentialKey, otp.userId],
    );
    if (step.rowCount !== 1) throw new DomainError('OTP_REQUIRED', 'That one-time password was already used; wait for the next one from your authenticator.');
    if (otp.reseal) await c.query('UPDATE users SET tfa_secret = $1 WHERE id = $2', [otp.reseal, otp.userId]);
    return;
  }
  if (otp.kind === 'passkey') {
    // A passkey assertion counts once: its counter moves only from the value it was checked against.
    const used = await c.query('UPDATE webauthn_credentials SET counter = $1, last_used_at = $2 WHERE id = $3 AND user_id = $4 AND counter = $5', [
      otp.counter,
      now,
      otp.credentialId,
      otp.userId,
      otp.previous,
    ]);
    if (used.rowCount !== 1) throw new DomainError('OTP_REQUIRED', 'That passkey was removed or used meanwhile; try again.');
    await c.query('UPDATE users SET otp_failures = 0 WHERE id = $1', [otp.userId]);
    return;
  }
  if (otp.kind === 'web') {
    // The value, its user and the binding of the request presenting it, in one compare-and-delete.
    const used = await c.query('DELETE FROM otp_challenges WHERE value_hash = $1 AND user_id = $2 AND binding_hash = $3 AND approved AND expires_at > $4', [
      otp.valueHash,
      otp.userId,
      otp.bindingHash,
      Date.parse(now),
    ]);
    if (used.rowCount !== 1) throw new DomainError('OTP_REQUIRED', 'That browser approval was already used, has expired, or was given for another request.');
    return;
  }
  const used = await c.query('UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND hash = $3 AND used_at IS NULL', [now, otp.userId, otp.codeHash]);
  if (used.rowCount !== 1) throw new DomainError('OTP_REQUIRED', 'That recovery code was already used.');
  await c.query('UPDATE users SET otp_failures = 0 WHERE id = $1', [otp.userId]);
  const left = await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [otp.userId]);
  await c.query('INSERT INTO security_events (user_id, at, type, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    otp.userId,
    now,
    'recovery-code-used',
    otp.ip,
    otp.userAgent,
    JSON.stringify({ remaining: left.rows[0].n }),
  ]);
}
