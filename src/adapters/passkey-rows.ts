// Rows of webauthn_credentials as both SQL adapters read them (SQLite: 0/1 and JSON text;
// PostgreSQL: booleans, JSONB, BIGINT as strings), and their mapping to core's Passkey.

import type { Passkey } from '../core/ports.ts';

export interface PasskeyRow {
  id: string;
  user_id: number;
  name: string;
  public_key: string;
  counter: number | string;
  transports: string | string[];
  multi_device: number | boolean;
  backed_up: number | boolean;
  created_at: string;
  last_used_at: string | null;
}

/** A row of webauthn_credentials as either SQL adapter reads it. */
export const toPasskey = (r: PasskeyRow): Passkey => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  publicKey: r.public_key,
  counter: Number(r.counter),
  transports: typeof r.transports === 'string' ? (JSON.parse(r.transports) as string[]) : r.transports,
  multiDevice: r.multi_device === true || r.multi_device === 1,
  backedUp: r.backed_up === true || r.backed_up === 1,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

export const PASSKEY_COLUMNS = 'id, user_id, name, public_key, counter, transports, multi_device, backed_up, created_at, last_used_at';

