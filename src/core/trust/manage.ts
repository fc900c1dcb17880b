// npm trust github|gitlab|circleci, npm trust list, npm trust revoke (issue #16 item 1), and
// the same for the web UI and custom issuers: owners only (requirePackageWriter decides who
// that is), with 2FA on, an OTP on each change (operation class 'package-trust', so npm's
// otplease prompt and the browser approval both work), never with a bypass-2FA token or Basic
// credentials (npm's documentation of `npm trust`). Each change goes to every owner's
// security log (`trust-added`, `trust-revoked`) in the change's own transaction.

import { randomUUID } from 'node:crypto';
import { requirePackageWriter } from '../access/permissions.ts';
import type { UserPrincipal } from '../access/principal.ts';
import { confirmedTfaMode } from '../access/second-factor.ts';
import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import { type Deps, isoNow, type RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { PackageHead, SecurityEvent, TrustConfig } from '../ports.ts';
import { parseTrustBody, trustConfigJson } from './config-body.ts';

/** Most relationships one package may have. */
export const MAX_TRUST_CONFIGS = 20;

async function packageOf(deps: Deps, name: string): Promise<PackageHead> {
  const pkg = await deps.store.packages.head(name);
  if (!pkg || pkg.unpublished) fail('NOT_FOUND', `Package ${name} not found.`);
  return pkg;
}

/** An owner, with a credential that may change trust: 2FA on, no bypass token, no Basic credentials. */
function requireTrustChanger(ctx: RequestContext, pkg: PackageHead): UserPrincipal {
  const user = requirePackageWriter(ctx.principal, pkg);
  if (user.via === 'basic') fail('FORBIDDEN', 'Trust relationships cannot be changed with a user name and password; use a login session (npm login).');
  if (user.token?.bypass2fa) fail('FORBIDDEN', 'Tokens that bypass two-factor authentication cannot change trust relationships; use a login session (npm login).');
  if (confirmedTfaMode(user.user) === null) {
    fail('TFA_REQUIRED', 'Changing trust relationships requires two-factor authentication on your account. Run `npm profile enable-2fa auth-and-writes`, then try again.');
  }
  return user;
}

const eventsFor = (pkg: PackageHead, ctx: RequestContext, type: string, detail: SecurityEvent['detail']): SecurityEvent[] =>
  pkg.owners.map((o) => ({ userId: o.id, type, ip: ctx.ip, userAgent: ctx.userAgent, detail }));

/**
 * POST /-/package/:pkg/trust: adds the relationships of the body (config-body.ts) and returns
 * them as npm prints them (`[{id, type, claims, permissions}]`, lib/trust-cmd.js
 * displayResponseBody). Errors: NOT_FOUND, FORBIDDEN, TFA_REQUIRED, OTP_REQUIRED, BAD_REQUEST.
 */
export async function addTrust(deps: Deps, ctx: RequestContext, name: string, body: unknown): Promise<Record<string, unknown>[]> {
  const pkg = await packageOf(deps, name);
  const user = requireTrustChanger(ctx, pkg);
  const drafts = parseTrustBody(body, deps.settings.trust);
  const existing = await deps.store.trust.list(name);
  if (existing.length + drafts.length > MAX_TRUST_CONFIGS) fail('BAD_REQUEST', `${name} may have at most ${MAX_TRUST_CONFIGS} trust relationships; revoke one first.`);
  const otp = await requireSecondFactor(deps, ctx, 'package-trust', { packageMfa: pkg.mfa });
  const at = isoNow(deps);
  const configs: TrustConfig[] = drafts.map((d) => ({ ...d, id: randomUUID(), package: name, createdBy: user.user.id, createdAt: at }));
  const events = configs.flatMap((c) =>
    eventsFor(pkg, ctx, 'trust-added', { package: name, id: c.id, type: c.type, permissions: c.permissions.join(','), by: user.user.name, claims: JSON.stringify(c.claims).slice(0, 500) }),
  );
  await deps.store.trust.add(configs, { otp, events });
  return configs.map(trustConfigJson);
}

/** GET /-/package/:pkg/trust: the relationships, for owners (npm trust list). */
export async function listTrust(deps: Deps, ctx: RequestContext, name: string): Promise<TrustConfig[]> {
  const pkg = await packageOf(deps, name);
  requirePackageWriter(ctx.principal, pkg);
  return deps.store.trust.list(name);
}

/** DELETE /-/package/:pkg/trust/:id (npm trust revoke --id): NOT_FOUND when the package has no such relationship. */
export async function revokeTrust(deps: Deps, ctx: RequestContext, name: string, id: string): Promise<void> {
  const pkg = await packageOf(deps, name);
  const user = requireTrustChanger(ctx, pkg);
  if (!/^[0-9a-f-]{36}$/i.test(id)) fail('NOT_FOUND', `${name} has no trust relationship ${JSON.stringify(id.slice(0, 64))}.`);
  const config = (await deps.store.trust.list(name)).find((c) => c.id === id);
  if (!config) fail('NOT_FOUND', `${name} has no trust relationship ${id}.`);
  const otp = await requireSecondFactor(deps, ctx, 'package-trust', { packageMfa: pkg.mfa });
  const events = eventsFor(pkg, ctx, 'trust-revoked', { package: name, id, type: config.type, by: user.user.name });
  if (!(await deps.store.trust.remove(name, id, { otp, events }))) fail('NOT_FOUND', `${name} has no trust relationship ${id}.`);
}
