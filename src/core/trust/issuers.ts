// Which OpenID Connect issuers Tessera trusts for trusted publishing, and what kind of
// relationship each one's identity tokens are matched against (issue #16 item 3). Built in:
// GitHub Actions, GitLab.com and CircleCI (one issuer per CircleCI organisation,
// https://oidc.circleci.com/org/<org-id>); custom issuers come from config (trustedIssuers).

/** One trusted issuer. `type` names the relationships its tokens match (github, gitlab, circleci or a custom name). */
export interface TrustedIssuer {
  type: string;
  /** The exact `iss`, or for `prefix` issuers (CircleCI) what `iss` starts with. */
  issuer: string;
  prefix?: boolean;
  /** Custom issuers: the claims that identify a workflow (each relationship gives a value for each). */
  claims?: string[];
}

export interface TrustSettings {
  issuers: TrustedIssuer[];
  /** `npm:` + the public URL's hostname without the port, as npm builds it (lib/utils/oidc.js). */
  audience: string;
  /** Lifetime of the token an exchange hands out (at most 15 minutes). */
  tokenTtlMs: number;
}

export const BUILT_IN_TYPES = ['github', 'gitlab', 'circleci'] as const;

/** Whether a URL may be an issuer or a JWKS location: https, or http on a loopback host (tests). */
export function issuerUrlProblem(value: string): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return null;
  return 'must be an https URL (http only on a loopback address)';
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The trusted issuer an `iss` belongs to, or null (the exchange then refuses: "untrusted issuer"). */
export function issuerOf(settings: TrustSettings, iss: string): TrustedIssuer | null {
  for (const i of settings.issuers) {
    if (i.prefix ? iss.startsWith(i.issuer) && /^[0-9a-f-]{36}$/i.test(iss.slice(i.issuer.length)) : iss === i.issuer) return i;
  }
  return null;
}

/** The audience npm asks its CI for: `npm:` + the registry URL's hostname (lib/utils/oidc.js). */
export function audienceOf(publicUrl: string): string {
  return `npm:${new URL(publicUrl).hostname}`;
}
