// The one configuration schema: every key with its type, default, environment variable and
// a line of documentation (docs/configuration.md lists the same; a test keeps them equal).
// Sources, later ones winning: defaults, the config file (JSON), TESSERA_* variables, flags.

import { availableParallelism } from 'node:os';
import { rangeOf } from '../http/connections.ts';

export type ConfigValue = string | number | boolean | string[];

interface KeyBase {
  doc: string;
  /** Shown in docs instead of the default, when the default is computed. */
  defaultDoc?: string;
  /** Never echoed in error messages. */
  secret?: boolean;
}
export type KeySpec =
  | (KeyBase & { type: 'string'; default: string; check?: (v: string) => string | null })
  | (KeyBase & { type: 'int'; default: number; min: number; max: number })
  | (KeyBase & { type: 'enum'; default: string; values: string[] })
  | (KeyBase & { type: 'list'; default: string[]; check?: (v: string) => string | null });

const urlCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an absolute http(s) URL';
  }
};

const databaseCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:' ? null : 'must be a postgres:// URL (or empty for SQLite)';
  } catch {
    return 'must be a postgres:// URL (or empty for SQLite)';
  }
};

const blobsCheck = (v: string) => {
  if (v === '') return null;
  try {
    const u = new URL(v);
    if (u.protocol !== 's3:' || !u.hostname) return 'must be an s3://BUCKET URL (or empty for DATA/tarballs)';
    const endpoint = u.searchParams.get('endpoint');
    if (endpoint !== null && urlCheck(endpoint) !== null) return 'has an endpoint that is not an http(s) URL';
    return null;
  } catch {
    return 'must be an s3://BUCKET URL (or empty for DATA/tarballs)';
  }
};

export const schema = {
  host: { type: 'string', default: '127.0.0.1', doc: 'Address to listen on.' },
  port: { type: 'int', default: 4873, min: 0, max: 65535, doc: 'Port to listen on (0 picks a free one).' },
  data: { type: 'string', default: './data', doc: 'Folder for the SQLite database, tarballs and the server key.' },
  database: {
    type: 'string',
    default: '',
    defaultDoc: 'SQLite in DATA/tessera.db',
    secret: true,
    check: databaseCheck,
    doc: 'A `postgres://USER:PASSWORD@HOST:PORT/DB` URL to keep users, tokens, packages and security state in PostgreSQL, shared by several nodes (needs `totpKeys`).',
  },
  blobs: {
    type: 'string',
    default: '',
    defaultDoc: 'DATA/tarballs',
    secret: true,
    check: blobsCheck,
    doc: 'An `s3://BUCKET[/PREFIX]?region=R&endpoint=URL` URL (credentials as `s3://KEY:SECRET@BUCKET` or from `AWS_*` variables) to keep tarballs in an S3-compatible store.',
  },
  url: { type: 'string', default: '', defaultDoc: 'http://HOST:PORT/', check: urlCheck, doc: 'Public URL of the registry, used in tarball and login URLs.' },
  registryName: {
    type: 'string',
    default: 'Tessera',
    check: (v: string) => (v.length === 0 || v.length > 64 || v.includes(':') ? 'must be 1-64 characters without ":"' : null),
    doc: 'Name shown to people; the issuer in authenticator apps.',
  },
  totpKeys: {
    type: 'string',
    default: '',
    defaultDoc: 'generated into DATA/server.key',
    secret: true,
    check: (v: string) => (v === '' || /^[A-Za-z0-9_-]{1,64}:[A-Za-z0-9+/_=-]+(,[A-Za-z0-9_-]{1,64}:[A-Za-z0-9+/_=-]+)*$/.test(v) ? null : 'must be "id:base64key[,id:base64key...]"'),
    doc: 'Keys that encrypt TOTP secrets, `id:base64key,...` (32-byte keys), the current one first; older ones still decrypt. Several nodes sharing a database need the same value.',
  },
  signup: { type: 'enum', default: 'open', values: ['open', 'closed'], doc: 'Whether `npm adduser` may create accounts; `tessera user add` always can.' },
  sessionHours: { type: 'int', default: 12, min: 1, max: 24 * 90, doc: 'Lifetime of the session token a login hands out.' },
  tokenWriteDays: { type: 'int', default: 7, min: 1, max: 3650, doc: 'Lifetime of a write token created without --expires, in days.' },
  tokenWriteMaxDays: { type: 'int', default: 90, min: 1, max: 3650, doc: 'Longest lifetime a write token may ask for, in days.' },
  tokenReadDays: { type: 'int', default: 30, min: 1, max: 3650, doc: 'Lifetime of a read-only token created without --expires, in days.' },
  tokenReadMaxDays: { type: 'int', default: 365, min: 1, max: 3650, doc: 'Longest lifetime a read-only token may ask for, in days.' },
  maxTokens: { type: 'int', default: 1000, min: 1, max: 100000, doc: 'Most tokens (besides login sessions) one account may hold.' },
  maxBodyMb: { type: 'int', default: 140, min: 1, max: 2048, doc: 'Largest request body accepted, in MiB (a 100 MB tarball is ~134 MiB base64\'d).' },
  defaultPackageMfa: { type: 'enum', default: 'none', values: ['none', 'publish', 'automation'], doc: 'The 2FA requirement of new packages, as `npm access set mfa=`.' },
  hashConcurrency: {
    type: 'int',
    default: Math.max(1, availableParallelism() - 1),
    defaultDoc: 'cores - 1 (at least 1)',
    min: 1,
    max: 64,
    doc: 'Password hashes computed at once (each takes ~16 ms of a core and 19 MiB); one core stays free for requests, and while requests keep the server busy each hash is followed by an equal rest.',
  },
  trustedProxies: { type: 'list', default: [], doc: 'Addresses (or CIDRs) of reverse proxies whose X-Forwarded-For is believed.' },
  headersTimeoutSeconds: { type: 'int', default: 30, min: 1, max: 3600, doc: 'Time a client has to send the request line and headers; then 408 and the connection is closed.' },
  keepAliveSeconds: { type: 'int', default: 72, min: 1, max: 3600, doc: 'Idle time after which a kept-alive connection between requests is closed.' },
  minTransferRate: {
    type: 'int',
    default: 4096,
    min: 0,
    max: 1024 * 1024 * 1024,
    doc: 'Bytes per second a connection must move while the server waits on the client (the rest of a request body, or response bytes the client has not read); 0 turns the watch off.',
  },
  transferGraceSeconds: {
    type: 'int',
    default: 20,
    min: 1,
    max: 3600,
    doc: 'Seconds in a row a transfer may stay below `minTransferRate` before its connection is dropped (a slow but steady upload still finishes).',
  },
  maxConnectionsPerClient: {
    type: 'int',
    default: 128,
    min: 0,
    max: 1000000,
    doc: 'Connections one client address (IPv6: one /64) may hold open at once; more get 429 and are closed. 0 = no cap. Trusted proxies are not capped.',
  },
  connectionLimitExempt: {
    type: 'list',
    default: [],
    check: (v: string) => (rangeOf(v) ? null : 'must be an IP address or CIDR range'),
    doc: 'Addresses or CIDR ranges `maxConnectionsPerClient` does not apply to (loopback is capped unless listed here).',
  },
  logLevel: { type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'], doc: 'Log level of the JSON request log on stdout.' },
} satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof schema;

export interface Config {
  host: string;
  port: number;
  data: string;
  /** '' for SQLite in DATA, or a postgres:// URL. */
  database: string;
  /** '' for DATA/tarballs, or an s3:// URL. */
  blobs: string;
  url: string;
  registryName: string;
  totpKeys: string;
  signup: 'open' | 'closed';
  sessionHours: number;
  tokenWriteDays: number;
  tokenWriteMaxDays: number;
  tokenReadDays: number;
  tokenReadMaxDays: number;
  maxTokens: number;
  maxBodyMb: number;
  defaultPackageMfa: 'none' | 'publish' | 'automation';
  hashConcurrency: number;
  trustedProxies: string[];
  headersTimeoutSeconds: number;
  keepAliveSeconds: number;
  minTransferRate: number;
  transferGraceSeconds: number;
  maxConnectionsPerClient: number;
  connectionLimitExempt: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

/** TESSERA_ + the key in upper snake case: registryName → TESSERA_REGISTRY_NAME. */
export const envName = (key: string) => `TESSERA_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
/** --kebab-case flag: registryName → --registry-name. */
export const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
