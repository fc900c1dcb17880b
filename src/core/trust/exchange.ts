// The OIDC exchange (POST /-/npm/v1/oidc/token/exchange/package/:pkg, issue #16 item 2): a CI
// job's identity token in, a short-lived token out that may publish (and/or stage) that one
// package, as the matched trust relationship allows. The wire is npm's lib/utils/oidc.js: the
// identity token as the bearer, `{token}` back; on a refusal npm logs `body.message` at verbose
// level and carries on without a token, so every refusal names its failed check.

import { createHash } from 'node:crypto';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import type { SecurityEvent, TokenRecord, TrustedGrant } from '../ports.ts';
import { generateTokenSecret, hashToken, SHOWN_PREFIX_LENGTH } from '../tokens/format.ts';
import { identityOf, matchTrust, workflowOf } from './match.ts';
import type { IdTokenVerifier, VerifiedIdToken } from './verifier.ts';

export type { IdTokenVerifier, VerifiedIdToken };

export interface ExchangeResult {
  token: string;
  expiresAt: string;
  workflow: string;
  configId: string;
  user: string;
}

/**
 * The exchange. Checks, in order: the bearer is a JWT; the verifier's checks; the claims match
 * a relationship of the package (TRUST_NOT_MATCHED naming the claim that differs; a missing or
 * unpublished package answers the same as one without relationships); the jti not exchanged for
 * this package before (OIDC_TOKEN_REFUSED "already exchanged", recorded in the store so all
 * nodes agree). The token (kind 'oidc') is stored hashed, lives `settings.trust.tokenTtlMs`
 * (at most 15 minutes) and acts as the relationship's creator while an owner, else the first
 * owner; each owner's security log gets a `trusted-publishing-exchange` line with the workflow.
 * A verified token that matches no relationship of an existing package writes a
 * `trusted-publishing-refused` line to each owner's log (refusalLogged); tokens that fail
 * verification are logged by the route only (the server's request log).
 */
/** The organisation of an (unverified) CircleCI identity token's `iss`, or null for any other issuer. */
function circleciOrg(deps: Deps, jwt: string): string | null {
  const circle = deps.settings.trust.issuers.find((i) => i.type === 'circleci');
  if (!circle) return null;
  let iss: unknown;
  try {
    iss = (JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as { iss?: unknown }).iss;
  } catch {
    return null;
  }
  return typeof iss === 'string' && iss.startsWith(circle.issuer) ? iss.slice(circle.issuer.length).toLowerCase() : null;
}

/** How long one refused-exchange line per package, identity and reason keeps others away (ms). */
export const REFUSAL_LOG_WINDOW_MS = 60_000;

/**
 * Writes a `trusted-publishing-refused` line to each owner's log: the identity (identityOf,
 * never the token), the reason (the failed claim check) and the client address. At most one
 * per package, identity and reason per REFUSAL_LOG_WINDOW_MS, on all nodes together: a mark
 * (sha256 of identity and reason, under the issuer `refused:ISS`) is stored with the lines in
 * one transaction (store.trust.refuse) and forgotten once expired, so a flood of one identity
 * adds one row and one line per owner per minute.
 */
async function refusalLogged(deps: Deps, ctx: RequestContext, name: string, owners: { id: number }[], identity: Record<string, string>, reason: string, now: number): Promise<void> {
  if (owners.length === 0) return;
  const key = createHash('sha256').update(JSON.stringify([identity, reason])).digest('base64url');
  const detail = { package: name, ...identity, reason };
  const events: SecurityEvent[] = owners.map((o) => ({ userId: o.id, type: 'trusted-publishing-refused', ip: ctx.ip, userAgent: ctx.userAgent, detail }));
  await deps.store.trust.refuse({ issuer: `refused:${identity.issuer}`, jti: key, package: name, expiresAt: now + REFUSAL_LOG_WINDOW_MS }, events, now);
}

export async function exchangeIdToken(deps: Deps, ctx: RequestContext, name: string, bearer: string | null): Promise<ExchangeResult> {
  if (!deps.oidc || deps.settings.trust.issuers.length === 0) fail('OIDC_TOKEN_REFUSED', 'Trusted publishing is off on this registry: no identity-token issuer is trusted.');
  if (!bearer || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(bearer) || bearer.length > 16384) {
    fail('OIDC_TOKEN_REFUSED', 'The bearer credential is not an OIDC identity token (a JWT).');
  }
  const now = deps.clock.now();
  const pkg = await deps.store.packages.head(name);
  const configs = pkg && !pkg.unpublished ? await deps.store.trust.list(name) : [];
  // CircleCI has one issuer per organisation (its URL names it): its keys are fetched only for
  // an organisation a relationship of the package names, never for any a caller makes up.
  const org = circleciOrg(deps, bearer);
  if (org !== null && !configs.some((c) => c.type === 'circleci' && c.claims['oidc.circleci.com/org-id'] === org)) {
    fail('TRUST_NOT_MATCHED', `No trust relationship of ${name} matches this identity token: no trust relationship with the circleci organisation ${org}.`);
  }
  const verified = await deps.oidc.verify(bearer, now);
  const matched = matchTrust(verified.issuer, verified.iss, verified.claims, configs);
  if ('reason' in matched) {
    if (pkg && !pkg.unpublished) await refusalLogged(deps, ctx, name, pkg.owners, identityOf(verified.issuer, verified.iss, verified.claims), matched.reason, now);
    fail('TRUST_NOT_MATCHED', `No trust relationship of ${name} matches this identity token: ${matched.reason}.`);
  }
  const config = matched.config;
  const owners = pkg!.owners;
  const actor = owners.find((o) => o.id === config.createdBy) ?? owners[0];
  if (!actor) fail('TRUST_NOT_MATCHED', `${name} has no owner to publish for.`);
  const workflow = workflowOf(verified.issuer, verified.iss, verified.claims);
  const secret = generateTokenSecret();
  const expiresAt = new Date(now + Math.min(deps.settings.trust.tokenTtlMs, 15 * 60_000)).toISOString();
  const trusted: TrustedGrant = { package: name, configId: config.id, type: config.type, permissions: config.permissions, workflow };
  const token: TokenRecord = {
    key: hashToken(secret),
    userId: actor.id,
    kind: 'oidc',
    prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
    name: `trusted publishing (${config.type})`,
    description: workflow,
    readonly: false,
    cidr: [],
    limits: { packages: [name], scopes: [], packagesAll: false, permission: 'read-write', trusted },
    bypass2fa: false,
    createdAt: new Date(now).toISOString(),
    expiresAt,
    lastUsedAt: null,
  };
  const detail = { package: name, workflow, relationship: config.id, permissions: config.permissions.join(','), token: token.prefix, expires: expiresAt };
  const events: SecurityEvent[] = owners.map((o) => ({ userId: o.id, type: 'trusted-publishing-exchange', ip: ctx.ip, userAgent: ctx.userAgent, detail }));
  // Remembered until the identity token could no longer pass the exp check (60 s of skew).
  const use = { issuer: verified.iss, jti: verified.claims.jti, package: name, expiresAt: verified.claims.exp * 1000 + 61_000 };
  if (!(await deps.store.trust.exchange(use, token, events, now))) {
    fail('OIDC_TOKEN_REFUSED', `This identity token (jti) was already exchanged for ${name}: replayed.`);
  }
  return { token: secret, expiresAt, workflow, configId: config.id, user: actor.name };
}
