// The port that verifies CI identity tokens (implemented by adapters/oidc.ts with jose).

import type { TrustedIssuer } from './issuers.ts';
import type { IdClaims } from './match.ts';

/** A verified identity token: its trusted issuer, `iss` and claims (jti and exp present). */
export interface VerifiedIdToken {
  issuer: TrustedIssuer;
  iss: string;
  claims: IdClaims & { jti: string; exp: number };
}

/**
 * Verifies identity tokens (adapters/oidc.ts, with jose): `iss` among the trusted issuers,
 * the signature against the issuer's keys (discovery document, cached JWKS refreshed on an
 * unknown `kid`), `aud` = `audience`, exp/nbf/iat within 60 s of skew at `nowMs`, `jti`
 * present. Throws OIDC_TOKEN_REFUSED naming the failed check.
 */
export interface IdTokenVerifier {
  verify(jwt: string, nowMs: number): Promise<VerifiedIdToken>;
}

