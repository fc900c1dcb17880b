// Passkeys and their challenges in SQLite (core/ports.ts PasskeyStore): the first key turns the
// second factor on in the same transaction, the last one (without TOTP) turns it off.

import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { Passkey, PasskeyStore, TfaState, User, WebAuthnChallenge } from '../../core/ports.ts';
import { toUser, USER_COLUMNS, type UserRow } from '../rows.ts';
import { otpConsumer } from './otp.ts';
import { PASSKEY_COLUMNS, type PasskeyRow, toPasskey } from '../passkey-rows.ts';

export function sqlitePasskeys(db: Database.Database, now: () => string): PasskeyStore {
  const consume = otpConsumer(db, now);
  const byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`);
  const insert = db.prepare(`INSERT INTO webauthn_credentials (${PASSKEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const exists = db.prepare('SELECT 1 FROM webauthn_credentials WHERE id = ?');
  const setTfa = db.prepare('UPDATE users SET tfa_mode = ?, tfa_pending = 0, tfa_secret = NULL, tfa_last_step = NULL, tfa_last_key = NULL, updated_at = ? WHERE id = ?');
  const clearCodes = db.prepare('DELETE FROM recovery_codes WHERE user_id = ?');
  const addCode = db.prepare('INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)');
  const list = db.prepare(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE user_id = ? ORDER BY created_at, id`);
  const find = db.prepare(`SELECT ${PASSKEY_COLUMNS} FROM webauthn_credentials WHERE id = ?`);
  const rename = db.prepare('UPDATE webauthn_credentials SET name = ? WHERE user_id = ? AND id = ?');
  const del = db.prepare('DELETE FROM webauthn_credentials WHERE user_id = ? AND id = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM webauthn_credentials WHERE user_id = ?').pluck();
  const off = db.prepare("UPDATE users SET tfa_mode = NULL, tfa_pending = 0, tfa_secret = NULL, tfa_last_step = NULL, tfa_last_key = NULL, updated_at = ? WHERE id = ? AND tfa_secret IS NULL");
  const insertChallenge = db.prepare('INSERT INTO webauthn_challenges (hash, user_id, binding, expires_at) VALUES (?, ?, ?, ?)');
  const expired = db.prepare('DELETE FROM webauthn_challenges WHERE expires_at <= ?');
  const take = db.prepare('DELETE FROM webauthn_challenges WHERE hash = ? RETURNING hash, user_id, binding, expires_at');

  const add = db.transaction((p: Passkey, tfa: TfaState | undefined, codes: string[] | undefined, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    if (exists.get(p.id)) throw new DomainError('BAD_REQUEST', 'This passkey or security key is registered already.');
    insert.run(p.id, p.userId, p.name, p.publicKey, p.counter, JSON.stringify(p.transports), p.multiDevice ? 1 : 0, p.backedUp ? 1 : 0, p.createdAt, p.lastUsedAt);
    if (tfa) setTfa.run(tfa.mode, now(), p.userId);
    if (codes) {
      clearCodes.run(p.userId);
      for (const h of codes) addCode.run(p.userId, h);
    }
  });
  const remove = db.transaction((userId: number, id: string, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    if (del.run(userId, id).changes !== 1) throw new DomainError('NOT_FOUND', 'No such passkey on your account.');
    if ((count.get(userId) as number) === 0 && off.run(now(), userId).changes === 1) clearCodes.run(userId);
  });
  return {
    async add(p, options = {}) {
      add.immediate(p, options.tfa, options.recoveryHashes, options.otp);
      return toUser(byId.get(p.userId) as UserRow) as User;
    },
    async list(userId) {
      return (list.all(userId) as PasskeyRow[]).map(toPasskey);
    },
    async find(id) {
      const r = find.get(id) as PasskeyRow | undefined;
      return r ? toPasskey(r) : null;
    },
    async rename(userId, id, name) {
      return rename.run(name, userId, id).changes === 1;
    },
    async remove(userId, id, options = {}) {
      remove.immediate(userId, id, options.otp);
      return toUser(byId.get(userId) as UserRow);
    },
    async createChallenge(c: WebAuthnChallenge, nowMs) {
      expired.run(nowMs);
      insertChallenge.run(c.hash, c.userId, c.binding, c.expiresAt);
    },
    async takeChallenge(hash, nowMs) {
      const r = take.get(hash) as { hash: string; user_id: number | null; binding: string; expires_at: number } | undefined;
      if (!r || r.expires_at <= nowMs) return null;
      return { hash: r.hash, userId: r.user_id, binding: r.binding, expiresAt: r.expires_at };
    },
  };
}
