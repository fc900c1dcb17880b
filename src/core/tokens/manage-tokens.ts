// npm token create / list / revoke. Creating and revoking are account-identity actions
// (password + OTP when 2FA is on); listing is a read. Login sessions (npm login and browser
// sign-ins) are not listed.

import { requireTokenManager, requireUser } from '../access/permissions.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import { checkOwnPassword } from '../accounts/sign-in.ts';
import { type Deps, isoNow, logEvent, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { TokenRecord } from '../ports.ts';
import { generateTokenSecret, hashToken, isWellFormedToken, SHOWN_PREFIX_LENGTH } from './format.ts';
import { parseTokenRequest } from './token-request.ts';

/** A granular token that covers no package (an org-management token) shows no-access. */
function packagePermission(t: TokenRecord): string {
  const l = t.limits;
  if (!l) return t.readonly ? 'read-only' : 'read-write';
  if (!l.packagesAll && l.packages.length === 0 && l.scopes.length === 0) return 'no-access';
  return l.permission;
}

export function tokenView(t: TokenRecord, lastUsed: string | null = t.lastUsedAt) {
  return {
    key: t.key,
    token: t.prefix,
    name: t.name,
    description: t.description,
    type: t.kind,
    created: t.createdAt,
    updated: lastUsed ?? t.createdAt,
    last_used: lastUsed,
    expires: t.expiresAt,
    readonly: t.readonly,
    access: t.readonly ? 'read-only' : 'read-write',
    cidr_whitelist: t.cidr.length > 0 ? t.cidr : null,
    bypass_2fa: t.bypass2fa,
    packages: t.limits?.packages ?? [],
    scopes: t.limits?.scopes ?? [],
    packages_all: t.limits ? t.limits.packagesAll : true,
    packages_and_scopes_permission: packagePermission(t),
    orgs: t.limits?.orgs ?? [],
    orgs_permission: t.limits ? (t.limits.orgsPermission ?? 'no-access') : t.readonly ? 'read-only' : 'read-write',
  };
}

export async function createToken(deps: Deps, ctx: RequestContext, body: unknown) {
  const principal = requireTokenManager(ctx.principal);
  const user = principal.user;
  const request = parseTokenRequest(body, deps.settings.tokens);
  if (typeof request.password !== 'string' || request.password.length === 0) fail('BAD_REQUEST', 'Your password is required to create a token ("password").');
  // Trusted-publishing tokens (15 minutes at most, made by CI exchanges) do not count.
  const existing = (await deps.store.tokens.listForUser(user.id)).filter((t) => t.kind !== 'session' && t.kind !== 'web' && t.kind !== 'oidc');
  if (existing.length >= deps.settings.tokens.maxPerUser) {
    fail('FORBIDDEN', `You have ${existing.length} tokens, the most this registry allows. Revoke some with npm token revoke.`);
  }
  // The password first (throttled like a login), then the OTP: a credential without the
  // password cannot spend the account's OTP budget here.
  await checkOwnPassword(deps, ctx, user, request.password, () => logEvent(deps, ctx, user.id, 'token-create-failed', { reason: 'wrong password' }));
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const secret = generateTokenSecret();
  const now = deps.clock.now();
  const token: TokenRecord = {
    key: hashToken(secret),
    userId: user.id,
    kind: request.kind,
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    name: request.name ?? `token-${new Date(now).toISOString().slice(0, 10)}-${secret.slice(4, 10)}`,
    description: request.description,
    readonly: request.readonly,
    cidr: request.cidr,
    limits: request.limits,
    bypass2fa: request.bypass2fa,
    createdAt: isoNow(deps),
    expiresAt: new Date(now + request.expiresInDays * 86_400_000).toISOString(),
    lastUsedAt: null,
  };
  await deps.store.tokens.create(token, { otp });
  await logEvent(deps, ctx, user.id, 'token-created', {
    token: token.prefix,
    name: token.name,
    readonly: token.readonly,
    bypass_2fa: token.bypass2fa,
    cidr: token.cidr.join(',') || null,
  });
  return { ...tokenView(token), token: secret };
}

export async function listTokens(deps: Deps, ctx: RequestContext, page: number, perPage: number, lastUsed: (key: string) => string | undefined) {
  const { user } = requireUser(ctx.principal);
  const all = (await deps.store.tokens.listForUser(user.id)).filter((t) => t.kind !== 'session' && t.kind !== 'web');
  const slice = all.slice(page * perPage, (page + 1) * perPage);
  return {
    objects: slice.map((t) => tokenView(t, lastUsed(t.key) ?? t.lastUsedAt)),
    total: all.length,
    hasNext: (page + 1) * perPage < all.length,
  };
}

/** By key (or a unique key prefix of 6+ hex characters) or by the full secret. */
export async function revokeToken(deps: Deps, ctx: RequestContext, keyOrToken: string): Promise<void> {
  const principal = requireUser(ctx.principal);
  const user = principal.user;
  let key: string | null = null;
  if (isWellFormedToken(keyOrToken)) key = hashToken(keyOrToken);
  else if (/^[0-9a-f]{6,64}$/.test(keyOrToken)) {
    const mine = (await deps.store.tokens.listForUser(user.id)).filter((t) => t.key.startsWith(keyOrToken));
    if (mine.length > 1) fail('BAD_REQUEST', `The token id ${keyOrToken} is ambiguous; give more characters.`);
    key = mine[0]?.key ?? null;
  }
  const found = key ? await deps.store.tokens.findWithUser(key) : null;
  if (!found || found.token.userId !== user.id) fail('NOT_FOUND', 'Token not found.');
  // A token may always revoke itself; revoking others is a token-management action.
  const self = principal.token?.key === found.token.key;
  let otp = null;
  if (!self) {
    requireTokenManager(ctx.principal);
    otp = await requireSecondFactor(deps, ctx, 'account-identity');
    if (otp) await deps.store.users.consumeOtp(otp);
  }
  await deps.store.tokens.delete(found.token.key);
  await logEvent(deps, ctx, user.id, 'token-revoked', { token: found.token.prefix, name: found.token.name });
}
