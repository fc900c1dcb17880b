import type Database from 'better-sqlite3';
import { DomainError } from '../../core/errors.ts';
import type { NewUser, User, UserPatch, UserStore, UserSummary } from '../../core/ports.ts';
import { toUser, USER_COLUMNS, type UserRow } from '../rows.ts';
import { otpConsumer } from './otp.ts';
import { USER_PATCH_COLUMNS } from '../user-columns.ts';

export function sqliteUsers(db: Database.Database, now: () => string): UserStore {
  const byName = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = ?`);
  const byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`);
  const scopeTaken = db.prepare('SELECT 1 FROM scopes WHERE scope = ? UNION ALL SELECT 1 FROM orgs WHERE name = ?');
  const insert = db.prepare('INSERT INTO users (name, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
  const create = db.transaction((u: NewUser): number => {
    // The scope @NAME belongs to user NAME, so a name somebody's scope or an org already uses is taken.
    if (byName.get(u.name) || scopeTaken.get(u.name, u.name)) throw new DomainError('USER_EXISTS', 'The user name is taken.');
    const t = now();
    return Number(insert.run(u.name, u.email, u.passwordHash, t, t).lastInsertRowid);
  });
  const consume = otpConsumer(db, now);
  const update = db.transaction((id: number, patch: UserPatch, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(patch) as Array<[keyof UserPatch, unknown]>) {
      if (v === undefined) continue;
      sets.push(`${USER_PATCH_COLUMNS[k]} = ?`);
      values.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    }
    sets.push('updated_at = ?');
    values.push(now(), id);
    db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values);
  });
  // The last accepted step only moves forward while a factor stays active (a step consumed in
  // this same transaction must not be overwritten by the caller's older copy).
  const setTfaStmt = db.prepare(`UPDATE users SET tfa_mode = @mode, tfa_pending = @pending, tfa_secret = @secret,
    tfa_last_step = CASE WHEN @mode IS NULL OR @pending = 1 THEN NULL
      WHEN tfa_last_step IS NULL OR @step > tfa_last_step THEN @step ELSE tfa_last_step END,
    tfa_last_key = CASE WHEN @mode IS NULL OR @pending = 1 THEN NULL
      WHEN tfa_last_step IS NULL OR @step > tfa_last_step THEN @key ELSE tfa_last_key END,
    updated_at = @now WHERE id = @id`);
  const clearCodes = db.prepare('DELETE FROM recovery_codes WHERE user_id = ?');
  // 2FA off (disable, an administrator's reset) leaves no factor behind: passkeys go too.
  const clearPasskeys = db.prepare('DELETE FROM webauthn_credentials WHERE user_id = ?');
  const addCode = db.prepare('INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)');
  const setTfa = db.transaction((id: number, tfa: User['tfa'], codes: string[] | null, otp: Parameters<typeof consume>[0]) => {
    consume(otp);
    setTfaStmt.run({
      id,
      mode: tfa?.mode ?? null,
      pending: tfa?.pending ? 1 : 0,
      secret: tfa?.secret ?? null,
      step: tfa?.lastStep ?? null,
      key: tfa?.lastStepKey ?? null,
      now: now(),
    });
    if (codes !== null || tfa === null) clearCodes.run(id);
    if (tfa === null) clearPasskeys.run(id);
    for (const hash of codes ?? []) addCode.run(id, hash);
  });
  const unused = db.prepare('SELECT hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL').pluck();
  const failuresOf = db.prepare('SELECT otp_failures AS failures, otp_last_failure_at AS last FROM users WHERE id = ?');
  const countFailure = db.prepare('UPDATE users SET otp_failures = otp_failures + 1, otp_last_failure_at = ? WHERE id = ?');
  const reserve = db.transaction((id: number, nowMs: number, decide: (f: number, l: number | null) => { allowed: boolean }) => {
    const row = failuresOf.get(id) as { failures: number; last: number | null };
    if (!decide(row.failures, row.last).allowed) return { allowed: false, failures: row.failures, lastFailureAt: row.last };
    countFailure.run(nowMs, id);
    return { allowed: true, failures: row.failures + 1, lastFailureAt: nowMs };
  });
  const clearFailures = db.prepare('UPDATE users SET otp_failures = 0 WHERE id = ?');
  // A token's own budget (verify-otp.ts): the same protocol on its row.
  const tokenFailuresOf = db.prepare('SELECT otp_failures AS failures, otp_last_failure_at AS last FROM tokens WHERE key = ? AND user_id = ?');
  const countTokenFailure = db.prepare('UPDATE tokens SET otp_failures = otp_failures + 1, otp_last_failure_at = ? WHERE key = ? AND user_id = ?');
  const reserveForToken = db.transaction((id: number, key: string, nowMs: number, decide: (f: number, l: number | null) => { allowed: boolean }) => {
    const row = tokenFailuresOf.get(key, id) as { failures: number; last: number | null } | undefined;
    if (!row) throw new DomainError('NOT_FOUND', 'That token no longer exists.');
    if (!decide(row.failures, row.last).allowed) return { allowed: false, failures: row.failures, lastFailureAt: row.last };
    countTokenFailure.run(nowMs, key, id);
    return { allowed: true, failures: row.failures + 1, lastFailureAt: nowMs };
  });
  const clearTokenFailures = db.prepare('UPDATE tokens SET otp_failures = 0, otp_last_failure_at = NULL WHERE key = ? AND user_id = ?');
  const listPage = db.prepare(
    'SELECT id, name, email, admin, status, tfa_mode IS NOT NULL AND tfa_pending = 0 AS tfa, created_at FROM users WHERE name > ? ORDER BY name LIMIT ?',
  );
  const consumeAlone = db.transaction((otp: Parameters<typeof consume>[0]) => consume(otp));
  return {
    async findByName(name) {
      const r = byName.get(name) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async findById(id) {
      const r = byId.get(id) as UserRow | undefined;
      return r ? toUser(r) : null;
    },
    async list({ after, limit }) {
      const rows = listPage.all(after ?? '', limit) as Array<{ id: number; name: string; email: string; admin: number; status: UserSummary['status']; tfa: number; created_at: string }>;
      return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, admin: r.admin === 1, status: r.status, tfa: r.tfa === 1, createdAt: r.created_at }));
    },
    async create(u) {
      const id = create.immediate(u);
      return toUser(byId.get(id) as UserRow);
    },
    async update(id, patch, options = {}) {
      update.immediate(id, patch, options.otp);
      return toUser(byId.get(id) as UserRow);
    },
    async setTfa(id, tfa, codes, options = {}) {
      setTfa.immediate(id, tfa, codes, options.otp);
      return toUser(byId.get(id) as UserRow);
    },
    async unusedRecoveryCodes(id) {
      return unused.all(id) as string[];
    },
    async reserveOtpAttempt(id, nowMs, decide, tokenKey) {
      return tokenKey ? reserveForToken.immediate(id, tokenKey, nowMs, decide) : reserve.immediate(id, nowMs, decide);
    },
    async clearOtpFailures(id, tokenKey) {
      if (tokenKey) clearTokenFailures.run(tokenKey, id);
      else clearFailures.run(id);
    },
    async consumeOtp(otp) {
      consumeAlone.immediate(otp);
    },
  };
}
