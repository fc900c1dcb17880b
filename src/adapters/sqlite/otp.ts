// Consuming a checked second factor inside a write's transaction (compare-and-set), so that
// a TOTP step is accepted once per account (again only by the credential that presented it)
// and a recovery code once. Called from within better-sqlite3 transactions.

import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { OtpUse } from '../../core/ports.ts';

export function otpConsumer(db: Database.Database, now: () => string): (otp: OtpUse | null | undefined) => void {
  const step = db.prepare(`UPDATE users SET tfa_last_step = @step, tfa_last_key = @key, otp_failures = 0
    WHERE id = @id AND tfa_mode IS NOT NULL AND tfa_pending = 0
      AND (tfa_last_step IS NULL OR tfa_last_step < @step OR (tfa_last_step = @step AND tfa_last_key IS NOT NULL AND tfa_last_key = @key))`);
  const reseal = db.prepare('UPDATE users SET tfa_secret = ? WHERE id = ?');
  const recovery = db.prepare('UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND hash = ? AND used_at IS NULL');
  const resetFailures = db.prepare('UPDATE users SET otp_failures = 0 WHERE id = ?');
  const event = db.prepare('INSERT INTO security_events (user_id, at, type, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?)');
  // The value, its user and the binding of the request presenting it, in one compare-and-delete.
  const webValue = db.prepare('DELETE FROM otp_challenges WHERE value_hash = ? AND user_id = ? AND binding_hash = ? AND approved = 1 AND expires_at > ?');
  // A passkey assertion counts once: its counter moves only from the value it was checked against.
  const passkey = db.prepare('UPDATE webauthn_credentials SET counter = ?, last_used_at = ? WHERE id = ? AND user_id = ? AND counter = ?');
  return (otp) => {
    if (!otp) return;
    if (otp.kind === 'passkey') {
      if (passkey.run(otp.counter, now(), otp.credentialId, otp.userId, otp.previous).changes !== 1) {
        throw new DomainError('OTP_REQUIRED', 'That passkey was removed or used meanwhile; try again.');
      }
      resetFailures.run(otp.userId);
      return;
    }
    if (otp.kind === 'web') {
      if (webValue.run(otp.valueHash, otp.userId, otp.bindingHash, Date.parse(now())).changes !== 1) {
        throw new DomainError('OTP_REQUIRED', 'That browser approval was already used, has expired, or was given for another request.');
      }
      return;
    }
    if (otp.kind === 'totp') {
      if (step.run({ step: otp.step, key: otp.credentialKey, id: otp.userId }).changes !== 1) {
        throw new DomainError('OTP_REQUIRED', 'That one-time password was already used; wait for the next one from your authenticator.');
      }
      if (otp.reseal) reseal.run(otp.reseal, otp.userId);
    } else {
      if (recovery.run(now(), otp.userId, otp.codeHash).changes !== 1) {
        throw new DomainError('OTP_REQUIRED', 'That recovery code was already used.');
      }
      resetFailures.run(otp.userId);
      const left = (db.prepare('SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').get(otp.userId) as { n: number }).n;
      event.run(otp.userId, now(), 'recovery-code-used', otp.ip, otp.userAgent, JSON.stringify({ remaining: left }));
    }
  };
}
