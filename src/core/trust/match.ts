// Does a verified identity token match a trust relationship of the package? The claims each
// CI puts in its tokens, compared with what `npm trust` stored (issue #16 item 2):
//   GitHub Actions: `repository`, the workflow file of `workflow_ref` (or of
//     `job_workflow_ref`, a reusable workflow in the same repository), `environment`
//     (https://docs.github.com/en/actions/reference/security/oidc#oidc-token-claims);
//   GitLab: `project_path`, the file of `ci_config_ref_uri` (host/project//FILE@ref),
//     `environment` (https://docs.gitlab.com/ci/secrets/id_token_authentication/);
//   CircleCI: the org of `iss`, `oidc.circleci.com/project-id`, `pipeline-definition-id`,
//     `vcs-origin`, and the configured `context-ids` among the token's
//     (https://circleci.com/docs/openid-connect-tokens/);
//   custom issuers: each configured claim equal to the stored value.
// Names compared case-insensitively where the CI treats them so (GitHub repositories and
// environments, GitLab paths); files and everything else exactly.

import type { TrustConfig } from '../ports.ts';
import type { TrustedIssuer } from './issuers.ts';

export type IdClaims = Record<string, unknown>;

const same = (a: unknown, b: unknown) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'nothing');
const fileOf = (c: unknown): unknown => (typeof c === 'object' && c !== null ? (c as { file?: unknown }).file : undefined);

/** The workflow file of a GitHub `workflow_ref` (`owner/repo/.github/workflows/FILE@ref`) when it is in `repository`. */
function githubWorkflowFile(ref: unknown, repository: string): string | null {
  if (typeof ref !== 'string') return null;
  const at = ref.indexOf('@');
  const path = at < 0 ? ref : ref.slice(0, at);
  const prefix = `${repository}/.github/workflows/`;
  if (path.length <= prefix.length || path.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return null;
  return path.slice(prefix.length);
}

/** The pipeline file of a GitLab `ci_config_ref_uri` (`host/group/project//FILE@ref`) when it is in `project`. */
function gitlabConfigFile(uri: unknown, project: string): string | null {
  if (typeof uri !== 'string') return null;
  const at = uri.lastIndexOf('@');
  const path = at < 0 ? uri : uri.slice(0, at);
  const split = path.indexOf('//');
  if (split < 0) return null;
  const host = path.indexOf('/');
  if (host < 0 || path.slice(host + 1, split).toLowerCase() !== project.toLowerCase()) return null;
  return path.slice(split + 2);
}

/** Why the claims do not match one relationship (the failed check, naming the token's value), or null when they do. */
export function mismatch(issuer: TrustedIssuer, iss: string, claims: IdClaims, config: TrustConfig): string | null {
  const c = config.claims;
  if (config.type !== issuer.type) return `the identity token comes from ${issuer.type}, not ${config.type}`;
  if (issuer.type === 'github') {
    if (!same(claims.repository, c.repository)) return `repository ${str(claims.repository)} is not the trusted repository`;
    const want = fileOf(c.workflow_ref);
    const files = [githubWorkflowFile(claims.workflow_ref, c.repository as string), githubWorkflowFile(claims.job_workflow_ref, c.repository as string)];
    if (!files.some((f) => f !== null && f === want)) return `workflow ${str(claims.workflow_ref)} is not the trusted workflow file`;
    if (c.environment !== undefined && !same(claims.environment, c.environment)) return `environment ${str(claims.environment)} is not the trusted environment`;
    return null;
  }
  if (issuer.type === 'gitlab') {
    if (!same(claims.project_path, c.project_path)) return `project_path ${str(claims.project_path)} is not the trusted project`;
    if (gitlabConfigFile(claims.ci_config_ref_uri, c.project_path as string) !== fileOf(c.ci_config_ref_uri)) return `ci_config_ref_uri ${str(claims.ci_config_ref_uri)} is not the trusted pipeline file`;
    if (c.environment !== undefined && !same(claims.environment, c.environment)) return `environment ${str(claims.environment)} is not the trusted environment`;
    return null;
  }
  if (issuer.type === 'circleci') {
    const org = iss.slice(issuer.issuer.length).toLowerCase();
    if (org !== c['oidc.circleci.com/org-id']) return `the organisation ${org} is not the trusted organisation`;
    for (const k of ['project-id', 'pipeline-definition-id']) {
      const key = `oidc.circleci.com/${k}`;
      if (!same(claims[key], c[key])) return `${key} ${str(claims[key])} is not the trusted one`;
    }
    if (claims['oidc.circleci.com/vcs-origin'] !== c['oidc.circleci.com/vcs-origin']) return `oidc.circleci.com/vcs-origin ${str(claims['oidc.circleci.com/vcs-origin'])} is not the trusted one`;
    const want = (c['oidc.circleci.com/context-ids'] as string[] | undefined) ?? [];
    const have = Array.isArray(claims['oidc.circleci.com/context-ids']) ? (claims['oidc.circleci.com/context-ids'] as unknown[]).map((x) => str(x).toLowerCase()) : [];
    const missing = want.find((w) => !have.includes(w));
    if (missing) return `the job does not run in the trusted context ${missing}`;
    return null;
  }
  for (const name of issuer.claims ?? []) {
    if (claims[name] !== c[name]) return `${name} ${str(claims[name])} is not the trusted value`;
  }
  return null;
}

/** The first relationship the claims match, or the reason the closest one (of the issuer's type) does not. */
export function matchTrust(issuer: TrustedIssuer, iss: string, claims: IdClaims, configs: TrustConfig[]): { config: TrustConfig } | { reason: string } {
  const candidates = configs.filter((c) => c.type === issuer.type);
  if (candidates.length === 0) return { reason: `no trust relationship with ${issuer.type}` };
  let reason = '';
  for (const config of candidates) {
    const why = mismatch(issuer, iss, claims, config);
    if (why === null) return { config };
    reason ||= why;
  }
  return { reason };
}

/** The workflow identity logged and shown for an exchange (never the token itself). */
export function workflowOf(issuer: TrustedIssuer, iss: string, claims: IdClaims): string {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  if (issuer.type === 'github') return cut(`github:${str(claims.workflow_ref)}${claims.environment ? ` (environment ${str(claims.environment)})` : ''}`);
  if (issuer.type === 'gitlab') return cut(`gitlab:${str(claims.ci_config_ref_uri)}${claims.environment ? ` (environment ${str(claims.environment)})` : ''}`);
  if (issuer.type === 'circleci') return cut(`circleci:${iss.slice(issuer.issuer.length)}/project/${str(claims['oidc.circleci.com/project-id'])}/pipeline/${str(claims['oidc.circleci.com/pipeline-definition-id'])}`);
  return cut(`${issuer.type}:${(issuer.claims ?? []).map((n) => `${n}=${str(claims[n])}`).join(' ')}`);
}

/**
 * The identity a verified token claims, for the owners' log of a refused exchange: `issuer`
 * (the token's `iss`), then as the CI names them (each cut to 200 characters; absent claims
 * left out): GitHub `repository`, `workflow` (workflow_ref), `ref`, `environment`; GitLab
 * `project` (project_path), `workflow` (ci_config_ref_uri), `ref`, `environment`; CircleCI
 * `project` (oidc.circleci.com/project-id), `pipeline` (pipeline-definition-id), `vcs_origin`;
 * custom issuers each configured claim. Never the token itself.
 */
export function identityOf(issuer: TrustedIssuer, iss: string, claims: IdClaims): Record<string, string> {
  const picks: [string, string][] =
    issuer.type === 'github'
      ? [['repository', 'repository'], ['workflow', 'workflow_ref'], ['ref', 'ref'], ['environment', 'environment']]
      : issuer.type === 'gitlab'
        ? [['project', 'project_path'], ['workflow', 'ci_config_ref_uri'], ['ref', 'ref'], ['environment', 'environment']]
        : issuer.type === 'circleci'
          ? [['project', 'oidc.circleci.com/project-id'], ['pipeline', 'oidc.circleci.com/pipeline-definition-id'], ['vcs_origin', 'oidc.circleci.com/vcs-origin']]
          : (issuer.claims ?? []).map((n) => [n, n]);
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
  const identity: Record<string, string> = { issuer: cut(iss) };
  for (const [label, claim] of picks) {
    if (claims[claim] !== undefined && claims[claim] !== null && claims[claim] !== '') identity[label] = cut(str(claims[claim]));
  }
  return identity;
}
