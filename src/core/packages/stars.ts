// npm star / npm unstar / npm stars (npm lib/commands/star.js, stars.js). Starring is the
// caller's own data, not a package write: any signed-in user who can read a package may star
// it, no OTP is ever asked (npm sends it without otplease), and the package's revision does not
// change, so a star never conflicts with a publish.

import { canRead, requireUser, tokenCoversPackage } from '../access/permissions.ts';
import type { Principal } from '../access/principal.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail, shown } from '../errors.ts';
import { proxyRouteOf } from '../proxy/local-names.ts';
import { readPackage } from './read-package.ts';
import { isPlainObject } from './rules.ts';

const STAR_FIELDS = new Set(['_id', '_rev', 'users']);

/** A PUT /PACKAGE body that only carries `users` (and `_id`, `_rev`): what npm star sends. */
export function isStarBody(body: Record<string, unknown>): boolean {
  const keys = Object.keys(body);
  return Object.hasOwn(body, 'users') && keys.every((k) => STAR_FIELDS.has(k));
}

/**
 * PUT /PACKAGE `{_id, _rev, users}`: npm star sends the packument's `users` map with the
 * caller's name set to true, npm unstar without it. Only the caller's own entry counts: other
 * users' entries are ignored (whether added, removed or stale), so nobody stars or unstars for
 * someone else. `_rev` is not compared (stars do not change the revision).
 *
 * Errors: 401 UNAUTHENTICATED without a user; 404 NOT_FOUND when the caller cannot read the
 * package (the same answer as a read); 403 READ_ONLY_TOKEN for a read-only token, 403 FORBIDDEN
 * for a granular token that does not cover the package; 400 BAD_REQUEST for a malformed body.
 * Returns whether the package is now starred by the caller.
 */
export async function starPackage(deps: Deps, ctx: RequestContext, name: string, body: Record<string, unknown>): Promise<{ starred: boolean; rev: number }> {
  const user = requireUser(ctx.principal);
  // A proxied package (issue #15): the star is kept apart from any package row (one would make
  // the name local), and only for a package this registry has fetched (npm star reads it first).
  const proxied = (await proxyRouteOf(deps, deps.settings.proxy, name)).upstream !== null;
  if (proxied && !(await deps.store.proxy.getPackument(name, 'full')) && !(await deps.store.proxy.getPackument(name, 'abbreviated'))) {
    fail('NOT_FOUND', `Package ${name} not found.`);
  }
  const pkg = proxied ? { rev: 0 } : await readPackage(deps, ctx.principal, name);
  // A star changes the caller's data: a read-only token may not, a granular token only for
  // the packages it covers.
  const token = user.token;
  if (token?.readonly || token?.limits?.permission === 'read-only') fail('READ_ONLY_TOKEN', 'This token is read-only and cannot star packages.');
  if (!tokenCoversPackage(token, name)) fail('FORBIDDEN', `This token may not be used for the package ${name}.`);
  if (body._id !== undefined && body._id !== name) fail('BAD_REQUEST', `The body's _id (${shown(body._id)}) differs from the package in the URL (${name}).`);
  if (body._rev !== undefined && typeof body._rev !== 'string') fail('BAD_REQUEST', '"_rev" must be a string.');
  const users = body.users;
  if (!isPlainObject(users)) fail('BAD_REQUEST', '"users" must be an object of user names.');
  const me = user.user.name;
  let starred: boolean;
  if (!Object.hasOwn(users, me)) starred = false;
  else if (users[me] === true) starred = true;
  else fail('BAD_REQUEST', `"users"."${me}" must be true (star) or absent (unstar).`);
  if (proxied) await deps.store.proxy.setStar(name, user.user.id, starred);
  else if (await deps.store.packages.setStar(name, user.user.id, starred)) deps.packageChanged(name);
  return { starred, rev: pkg.rev };
}

/**
 * GET /-/_view/starredByUser?key="USER" (npm stars [USER]): `{rows: [{key: USER, value:
 * PACKAGE}]}`, only packages the caller may read. An unknown user has no stars (no 404: user
 * names are not probed this way). `key` is JSON, as CouchDB views take it.
 */
export async function starredByUser(deps: Deps, principal: Principal, key: unknown): Promise<{ rows: Array<{ key: string; value: string }> }> {
  let userName: unknown;
  try {
    userName = typeof key === 'string' ? JSON.parse(key) : undefined;
  } catch {
    userName = undefined;
  }
  if (typeof userName !== 'string' || userName.length === 0 || userName.length > 214) {
    fail('BAD_REQUEST', 'key must be a user name as a JSON string, e.g. key="alice".');
  }
  const user = await deps.store.users.findByName(userName);
  if (!user) return { rows: [] };
  const rows: Array<{ key: string; value: string }> = [];
  for (const name of await deps.store.packages.starredBy(user.id)) {
    const head = await deps.store.packages.head(name);
    if (head && canRead(principal, head)) rows.push({ key: userName, value: name });
  }
  // Stars of proxied packages, shown to whoever may read proxied packages (proxyReaders).
  if (principal.kind === 'user' || deps.settings.proxy.readers === 'anyone') {
    for (const name of await deps.store.proxy.starredBy(user.id)) rows.push({ key: userName, value: name });
    rows.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }
  return { rows };
}
