// Rows of the users and tokens tables as both SQL adapters read them, and their mapping to
// the core's records. The two dialects differ only in how values arrive (SQLite: 0/1 for
// booleans, JSON as text; PostgreSQL: booleans, JSONB as values, BIGINT as strings), so one
// mapping with small coercions serves both.

import type { TfaMode, TokenKind, TokenRecord, User, UserStatus } from '../core/ports.ts';

const USER_FIELDS = [
  'id', 'name', 'email', 'email_verified', 'password_hash', 'fullname', 'homepage', 'freenode', 'twitter', 'github',
  'tfa_mode', 'tfa_pending', 'tfa_secret', 'tfa_last_step', 'tfa_last_key', 'otp_failures', 'otp_last_failure_at',
  'web_otp_challenge', 'created_at', 'updated_at', 'admin', 'status',
] as const;
const TOKEN_FIELDS = [
  'key', 'user_id', 'kind', 'prefix', 'name', 'description', 'readonly', 'cidr', 'limits', 'bypass_2fa', 'created_at',
  'expires_at', 'last_used_at',
] as const;

/** Column lists for SELECTs over `users u` and `tokens t`. */
export const USER_COLUMNS = USER_FIELDS.map((f) => `u.${f}`).join(', ');
export const TOKEN_COLUMNS = TOKEN_FIELDS.map((f) => `t.${f}`).join(', ');

type Flag = boolean | number;
type BigNumber = number | string | null;

export interface UserRow {
  id: number;
  name: string;
  email: string;
  email_verified: Flag;
  password_hash: string;
  fullname: string | null;
  homepage: string | null;
  freenode: string | null;
  twitter: string | null;
  github: string | null;
  tfa_mode: TfaMode | null;
  tfa_pending: Flag;
  tfa_secret: string | null;
  tfa_last_step: BigNumber;
  tfa_last_key: string | null;
  otp_failures: number;
  otp_last_failure_at: BigNumber;
  web_otp_challenge: Flag;
  created_at: string;
  updated_at: string;
  admin: Flag;
  status: UserStatus;
}

export interface TokenRow {
  key: string;
  user_id: number;
  kind: TokenKind;
  prefix: string;
  name: string | null;
  description: string | null;
  readonly: Flag;
  cidr: string | string[];
  limits: string | TokenRecord['limits'];
  bypass_2fa: Flag;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const flag = (v: Flag): boolean => v === true || v === 1;
const num = (v: BigNumber): number | null => (v === null ? null : Number(v));
const json = <T>(v: string | T): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    emailVerified: flag(r.email_verified),
    passwordHash: r.password_hash,
    fullname: r.fullname,
    homepage: r.homepage,
    freenode: r.freenode,
    twitter: r.twitter,
    github: r.github,
    tfa:
      // A mode without a TOTP secret: the account's factors are passkeys only.
      r.tfa_mode
        ? { mode: r.tfa_mode, pending: flag(r.tfa_pending), secret: r.tfa_secret, lastStep: num(r.tfa_last_step), lastStepKey: r.tfa_last_key }
        : null,
    otpFailures: r.otp_failures,
    otpLastFailureAt: num(r.otp_last_failure_at),
    webOtpChallenge: flag(r.web_otp_challenge),
    admin: flag(r.admin),
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toToken(r: TokenRow): TokenRecord {
  return {
    key: r.key,
    userId: r.user_id,
    kind: r.kind,
    prefix: r.prefix,
    name: r.name,
    description: r.description,
    readonly: flag(r.readonly),
    cidr: json<string[]>(r.cidr),
    limits: r.limits ? json<TokenRecord['limits']>(r.limits) : null,
    bypass2fa: flag(r.bypass_2fa),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
  };
}

/** A `SELECT TOKEN_COLUMNS, USER_COLUMNS` row read as an array (both tables share names). */
export function tokenWithUser(row: unknown[]): { token: TokenRecord; user: User } {
  const t: Record<string, unknown> = {};
  TOKEN_FIELDS.forEach((f, i) => (t[f] = row[i]));
  const u: Record<string, unknown> = {};
  USER_FIELDS.forEach((f, i) => (u[f] = row[TOKEN_FIELDS.length + i]));
  return { token: toToken(t as unknown as TokenRow), user: toUser(u as unknown as UserRow) };
}
