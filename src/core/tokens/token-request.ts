// Validation of POST /-/npm/v1/tokens bodies, in both shapes: the legacy one ({password,
// readonly, cidr_whitelist}: npm-profile, npm <= 10, enable-2fa) and npm 11's granular one.

import { fail, shown } from '../errors.ts';
import type { CoreSettings } from '../deps.ts';
import type { TokenLimits } from '../ports.ts';
import { packageNameProblem } from '../packages/names.ts';
import { isPlainObject } from '../packages/rules.ts';
import { requireNoControls } from '../text.ts';
import { cidrProblem, formatCidr, parseCidr } from './cidr.ts';

export interface TokenRequest {
  kind: 'legacy' | 'granular';
  password: unknown;
  name: string | null;
  description: string | null;
  readonly: boolean;
  cidr: string[];
  limits: TokenLimits | null;
  bypass2fa: boolean;
  expiresInDays: number;
}

const GRANULAR = ['name', 'description', 'token_description', 'packages', 'packages_all', 'scopes', 'orgs', 'packages_and_scopes_permission', 'orgs_permission', 'expires', 'bypass_2fa'];
const LEGACY = ['password', 'readonly', 'cidr_whitelist'];
const PERMISSIONS = ['read-only', 'read-write', 'no-access'];
const MAX_ENTRIES = 50;

/**
 * A list field of the request: an array of strings, each possibly a comma-separated list (npm
 * 11 sends --packages=a,b as the single entry "a,b"). Every entry must name something: a blank
 * one (`[""]`, `[" "]`, `[","]`, "a,") is a 400 naming it, never a silently shorter list (a
 * blank CIDR entry once made an unrestricted token). Missing or null: an empty list.
 */
function list(body: Record<string, unknown>, field: string): string[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail('BAD_REQUEST', `"${field}" must be a list of strings.`);
  const out: string[] = [];
  (v as unknown[]).forEach((x, i) => {
    if (typeof x !== 'string') fail('BAD_REQUEST', `"${field}": entry ${i + 1} (${shown(JSON.stringify(x))}) is not a string.`);
    for (const piece of x.split(',')) {
      const entry = piece.trim();
      if (entry.length === 0) fail('BAD_REQUEST', `"${field}": entry ${i + 1} (${shown(JSON.stringify(x))}) is blank or has a blank item; remove it.`);
      out.push(entry);
    }
  });
  return out;
}

function cidrList(body: Record<string, unknown>): string[] {
  const entries = list(body, 'cidr_whitelist');
  if (entries.length > MAX_ENTRIES) fail('BAD_REQUEST', `"cidr_whitelist" may hold at most ${MAX_ENTRIES} ranges.`);
  return entries.map((e) => {
    const problem = cidrProblem(e);
    if (problem) fail('BAD_REQUEST', `"cidr_whitelist": ${shown(JSON.stringify(e))} ${problem}`);
    return formatCidr(parseCidr(e)!);
  });
}

function expiry(body: Record<string, unknown>, settings: CoreSettings['tokens'], write: boolean): number {
  const max = write ? settings.writeMaxDays : settings.readMaxDays;
  if (body.expires === undefined) return write ? settings.writeDays : settings.readDays;
  const v = body.expires;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('BAD_REQUEST', '"expires" must be a whole number of days, at least 1 (npm token create --expires=DAYS).');
  if (v > max) fail('BAD_REQUEST', `"expires": ${write ? 'write' : 'read-only'} tokens may last at most ${max} days.`);
  return v;
}

/**
 * `orgs` and `orgs_permission` of a granular token (npm 11 lib/commands/token.js sends them
 * from --orgs and --orgs-permission): both or neither; org names as user names are written
 * (a leading '@' is dropped). null when neither is given.
 */
function orgLimits(body: Record<string, unknown>): { orgs: string[]; orgsPermission: NonNullable<TokenLimits['orgsPermission']> } | null {
  const orgs = list(body, 'orgs').map((o) => (o.startsWith('@') ? o.slice(1) : o));
  const permission = body.orgs_permission;
  if (orgs.length === 0 && (permission === undefined || permission === null)) return null;
  if (permission !== undefined && permission !== null && (typeof permission !== 'string' || !PERMISSIONS.includes(permission))) {
    fail('BAD_REQUEST', '"orgs_permission" must be read-only, read-write or no-access.');
  }
  if (orgs.length === 0) fail('BAD_REQUEST', '"orgs_permission" needs "orgs": name the organisations with --orgs.');
  if (permission === undefined || permission === null) fail('BAD_REQUEST', '"orgs" needs "orgs_permission": pass --orgs-permission=read-only, read-write or no-access.');
  if (orgs.length > MAX_ENTRIES) fail('BAD_REQUEST', `"orgs" may name at most ${MAX_ENTRIES} organisations.`);
  for (const o of orgs) {
    const problem = o.length > 214 ? 'is too long' : packageNameProblem(`@${o}/x`);
    if (problem) fail('BAD_REQUEST', `"orgs": ${shown(JSON.stringify(o))} is not an organisation name: ${problem}`);
  }
  return { orgs: [...new Set(orgs)], orgsPermission: permission as NonNullable<TokenLimits['orgsPermission']> };
}

export function parseTokenRequest(body: unknown, settings: CoreSettings['tokens']): TokenRequest {
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const unknown = Object.keys(body).filter((k) => !GRANULAR.includes(k) && !LEGACY.includes(k));
  if (unknown.length > 0) fail('BAD_REQUEST', `Unknown token field: ${unknown.join(', ')}.`);
  const granular = Object.keys(body).some((k) => GRANULAR.includes(k));

  if (!granular) {
    if (body.readonly !== undefined && typeof body.readonly !== 'boolean') fail('BAD_REQUEST', '"readonly" must be true or false.');
    const readonly = body.readonly === true;
    return {
      kind: 'legacy',
      password: body.password,
      name: null,
      description: null,
      readonly,
      cidr: cidrList(body),
      limits: null,
      bypass2fa: false,
      expiresInDays: readonly ? settings.readDays : settings.writeDays,
    };
  }

  const org = orgLimits(body);
  if (body.readonly !== undefined) fail('BAD_REQUEST', '"readonly" is not a granular token field; use --packages-and-scopes-permission=read-only.');
  const name = body.name;
  if (name !== null && name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 100)) {
    fail('BAD_REQUEST', '"name" must be 1 to 100 characters.');
  }
  // npm token list prints names raw (and tab-separated with --parseable): src/core/text.ts.
  if (typeof name === 'string') requireNoControls('"name"', name, 'line');
  const description = body.description ?? body.token_description ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > 1000)) fail('BAD_REQUEST', '"description" must be a string of at most 1000 characters.');
  if (typeof description === 'string') requireNoControls('"description"', description, 'text');

  const permission = body.packages_and_scopes_permission;
  if (permission !== undefined && (typeof permission !== 'string' || !PERMISSIONS.includes(permission))) {
    fail('BAD_REQUEST', '"packages_and_scopes_permission" must be read-only, read-write or no-access.');
  }
  // A token for org management only (npm token create --orgs acme --orgs-permission ...):
  // it covers no package.
  const orgOnly = org !== null && (permission === undefined || permission === 'no-access') && body.packages_all === undefined && body.packages === undefined && body.scopes === undefined;
  if (!orgOnly && (permission === undefined || permission === 'no-access')) {
    // npm 11 drops --read-only without a word (lib/commands/token.js sends only name and
    // password then): this is what `npm token create --read-only` gets.
    fail(
      'BAD_REQUEST',
      'A granular token needs a permission. npm 11 ignores --read-only: for a read-only token pass --packages-all --packages-and-scopes-permission=read-only; for a read-write one --packages-and-scopes-permission=read-write (with --packages-all, or --packages / --scopes).',
    );
  }
  if (body.packages_all !== undefined && typeof body.packages_all !== 'boolean') fail('BAD_REQUEST', '"packages_all" must be true or false.');
  const packagesAll = body.packages_all === true;
  const packages = list(body, 'packages');
  const scopes = list(body, 'scopes').map((s) => (s.startsWith('@') ? s : `@${s}`));
  if (packages.length + scopes.length > MAX_ENTRIES) fail('BAD_REQUEST', `"packages" and "scopes" may name at most ${MAX_ENTRIES} entries together.`);
  for (const p of packages) {
    const problem = packageNameProblem(p);
    if (problem) fail('BAD_REQUEST', `"packages": ${shown(JSON.stringify(p))}: ${problem}`);
  }
  for (const s of scopes) {
    const problem = s.length > 215 ? 'is too long' : packageNameProblem(`${s}/x`);
    if (problem) fail('BAD_REQUEST', `"scopes": ${shown(JSON.stringify(s))} is not a scope name: ${problem}`);
  }
  if (!orgOnly && !packagesAll && packages.length === 0 && scopes.length === 0) {
    fail('BAD_REQUEST', 'A granular token must cover something: pass --packages-all, or --packages / --scopes.');
  }
  if (packagesAll && (packages.length > 0 || scopes.length > 0)) fail('BAD_REQUEST', '"packages_all" cannot be combined with "packages" or "scopes".');
  if (body.bypass_2fa !== undefined && typeof body.bypass_2fa !== 'boolean') fail('BAD_REQUEST', '"bypass_2fa" must be true or false.');
  const write = permission === 'read-write';
  const orgWrite = org?.orgsPermission === 'read-write';
  if (body.bypass_2fa === true && !write) fail('BAD_REQUEST', '"bypass_2fa" only makes sense on a read-write token.');
  return {
    kind: 'granular',
    password: body.password,
    name: typeof name === 'string' ? name : null,
    description: description as string | null,
    readonly: !write && !orgWrite,
    cidr: cidrList(body),
    limits: { packages, scopes, packagesAll, permission: orgOnly ? 'read-only' : (permission as TokenLimits['permission']), ...(org ?? {}) },
    bypass2fa: body.bypass_2fa === true,
    expiresInDays: expiry(body, settings, write),
  };
}
