// Verifying CI identity tokens with jose (issue #16 item 2): the issuer must be trusted
// (core/trust/issuers.ts) before anything is fetched; its discovery document
// (`ISSUER/.well-known/openid-configuration`, OpenID Connect Discovery 1.0 section 4) names the
// JWKS, which jose's createRemoteJWKSet caches and fetches again when a token names an unknown
// `kid` (at most once a second, so made-up kids cannot make Tessera hammer the issuer). https only,
// http for loopback issuers (tests). Every refusal is OIDC_TOKEN_REFUSED naming the check.

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { fail, isDomainError } from '../core/errors.ts';
import { issuerOf, issuerUrlProblem, type TrustSettings } from '../core/trust/issuers.ts';
import type { IdTokenVerifier, VerifiedIdToken } from '../core/trust/verifier.ts';

/** Clock skew accepted on exp, nbf and iat (issue #16: at most 60 s). */
const SKEW_S = 60;
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DISCOVERY_TTL_MS = 60 * 60_000;
const MAX_ISSUERS = 1000;
/**
 * Least time between two fetches of an issuer's JWKS prompted by unknown kids: a rotated key
 * is picked up within a second, and tokens naming made-up kids cost the issuer at most one
 * request a second.
 */
const JWKS_COOLDOWN_MS = 1000;

export interface OidcOptions {
  /** Least time between two fetches of one JWKS for unknown kids (jose's cooldownDuration). */
  jwksCooldownMs?: number;
  timeoutMs?: number;
}

const refuse = (check: string, detail: string): never => fail('OIDC_TOKEN_REFUSED', `Identity token refused (${check}): ${detail}`);

export function createOidcVerifier(settings: TrustSettings, options: OidcOptions = {}): IdTokenVerifier {
  const timeoutMs = options.timeoutMs ?? 10_000;
  /** Per issuer: its JWKS function, and when its discovery document was read. */
  const issuers = new Map<string, { jwks: Promise<ReturnType<typeof createRemoteJWKSet>>; at: number }>();

  async function discover(iss: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const url = `${iss.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: unknown;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (!res.ok) refuse('issuer keys', `the discovery document ${url} answered ${res.status}`);
      doc = await res.json();
    } catch (e) {
      if (isDomainError(e)) throw e;
      refuse('issuer keys', `the discovery document ${url} could not be read (${(e as Error).message})`);
    }
    const d = doc as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof d !== 'object' || d === null || d.issuer !== iss) refuse('issuer keys', `the discovery document at ${url} is not that of the issuer ${iss}`);
    const problem = typeof d.jwks_uri === 'string' ? issuerUrlProblem(d.jwks_uri) : 'is missing';
    if (problem) refuse('issuer keys', `the discovery document's jwks_uri ${problem}`);
    return createRemoteJWKSet(new URL(d.jwks_uri as string), { timeoutDuration: timeoutMs, cooldownDuration: options.jwksCooldownMs ?? JWKS_COOLDOWN_MS });
  }

  function jwksOf(iss: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
    const known = issuers.get(iss);
    if (known && Date.now() - known.at < DISCOVERY_TTL_MS) return known.jwks;
    if (issuers.size >= MAX_ISSUERS) issuers.delete(issuers.keys().next().value as string);
    const jwks = discover(iss);
    issuers.set(iss, { jwks, at: Date.now() });
    // A failed discovery is not kept: the next token asks again.
    jwks.catch(() => issuers.get(iss)?.jwks === jwks && issuers.delete(iss));
    return jwks;
  }

  return {
    async verify(jwt, nowMs): Promise<VerifiedIdToken> {
      let unverified: JWTPayload;
      let kid: string | undefined;
      let alg: unknown;
      try {
        unverified = decodeJwt(jwt);
        ({ kid, alg } = decodeProtectedHeader(jwt));
      } catch {
        return refuse('format', 'the bearer credential is not a JWT.');
      }
      const iss = typeof unverified.iss === 'string' ? unverified.iss : '';
      const issuer = issuerOf(settings, iss);
      if (!issuer || issuerUrlProblem(iss)) return refuse('untrusted issuer', `${JSON.stringify(iss.slice(0, 200))} is not an issuer this registry trusts.`);
      // What fails whatever the keys say is refused before any key is fetched (a forged token
      // costs the issuer nothing); jwtVerify checks all of it again on the verified payload.
      if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) return refuse('algorithm', `the identity token is signed with ${JSON.stringify(alg)}, which is not accepted.`);
      const aud = Array.isArray(unverified.aud) ? unverified.aud : [unverified.aud];
      if (!aud.includes(settings.audience)) return refuse('audience', `the identity token is for ${JSON.stringify(unverified.aud)}, this registry is ${settings.audience}.`);
      if (typeof unverified.exp === 'number' && unverified.exp + SKEW_S <= nowMs / 1000) {
        return refuse('expired', `the identity token expired at ${new Date(unverified.exp * 1000).toISOString()}.`);
      }
      const jwks = await jwksOf(iss);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(jwt, jwks, {
          issuer: iss,
          audience: settings.audience,
          clockTolerance: SKEW_S,
          currentDate: new Date(nowMs),
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'iat', 'jti'],
        }));
      } catch (e) {
        if (e instanceof errors.JWTExpired) return refuse('expired', `the identity token expired at ${new Date(Number(unverified.exp) * 1000).toISOString()}.`);
        if (e instanceof errors.JWTClaimValidationFailed) {
          if (e.claim === 'aud') return refuse('audience', `the identity token is for ${JSON.stringify(unverified.aud)}, this registry is ${settings.audience}.`);
          if (e.claim === 'nbf') return refuse('not yet valid', 'the identity token is not valid yet (nbf).');
          if (e.reason === 'missing') return refuse('claims', `the identity token has no "${e.claim}" claim.`);
          return refuse('claims', `the "${e.claim}" claim is invalid (${e.message}).`);
        }
        if (e instanceof errors.JWKSNoMatchingKey) return refuse('unknown key', `the identity token is signed with a key${kid ? ` (kid ${JSON.stringify(kid.slice(0, 100))})` : ''} that ${iss} does not publish.`);
        if (e instanceof errors.JWSSignatureVerificationFailed) return refuse('signature', 'the identity token\'s signature does not verify.');
        if (e instanceof errors.JOSEAlgNotAllowed) return refuse('algorithm', 'the identity token is signed with an algorithm that is not accepted.');
        if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || (e as Error).name === 'TypeError' || (e as { code?: string }).code === 'ERR_JOSE_GENERIC') {
          return refuse('issuer keys', `the keys of ${iss} could not be fetched (${(e as Error).message}).`);
        }
        return refuse('format', `the identity token is invalid (${(e as Error).message}).`);
      }
      if (typeof payload.iat !== 'number' || payload.iat > nowMs / 1000 + SKEW_S) return refuse('issued in the future', 'the identity token\'s iat lies in the future.');
      if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) return refuse('claims', 'the identity token\'s "jti" must be a string of 1-256 characters.');
      return { issuer, iss, claims: payload as VerifiedIdToken['claims'] };
    },
  };
}
