// The body of `npm trust github|gitlab|circleci` (POST /-/package/:pkg/trust: an array of
// `{type, claims, permissions}`, npm lib/trust-cmd.js createConfigCommand and the optionsToBody
// of lib/commands/trust/*.js) and the web form's custom relationships, checked into drafts of
// TrustConfig; and TrustConfig back into the shape npm's `trust list` reads.

import { fail, shown } from '../errors.ts';
import type { TrustConfig, TrustPermission } from '../ports.ts';
import type { TrustSettings } from './issuers.ts';

/** npm's names of the permissions (lib/trust-cmd.js PERMISSIONS) and ours. */
const WIRE_PERMISSIONS: Record<string, TrustPermission> = { createPackage: 'publish', createStagedPackage: 'stage' };
const PERMISSION_NAMES: Record<TrustPermission, string> = { publish: 'createPackage', stage: 'createStagedPackage' };

export type TrustDraft = Pick<TrustConfig, 'type' | 'claims' | 'permissions'>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A name segment of a repository or project path: what GitHub and GitLab allow, no traversal. */
const SEGMENT = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;

function text(v: unknown, what: string, max = 200): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) {
    fail('BAD_REQUEST', `${what} must be a non-empty string of at most ${max} characters, not ${shown(v)}.`);
  }
  return v;
}

function pipelineFile(v: unknown, what: string): string {
  const file = text(isObject(v) ? v.file : undefined, `${what}.file`);
  if (!/\.ya?ml$/.test(file) || file.includes('/') || file.includes('\\')) fail('BAD_REQUEST', `${what}.file must be a file name ending in .yml or .yaml, not ${shown(file)}.`);
  return file;
}

function environment(v: unknown): { environment?: string } {
  return v === undefined || v === null ? {} : { environment: text(v, 'claims.environment', 255) };
}

function permissionsOf(v: unknown): TrustPermission[] {
  if (!Array.isArray(v) || v.length === 0) fail('BAD_REQUEST', 'permissions must be a non-empty array of "createPackage" and "createStagedPackage" (npm trust --allow-publish, --allow-stage-publish).');
  const out = new Set<TrustPermission>();
  for (const p of v) {
    const ours = typeof p === 'string' && Object.hasOwn(WIRE_PERMISSIONS, p) ? WIRE_PERMISSIONS[p] : null;
    if (!ours) fail('BAD_REQUEST', `Unknown permission ${shown(p)}: use "createPackage" or "createStagedPackage".`);
    out.add(ours);
  }
  return (['publish', 'stage'] as const).filter((p) => out.has(p));
}

/** The claims of one relationship, checked for its type; BAD_REQUEST naming the field otherwise. */
export function trustClaims(type: string, raw: unknown, settings: TrustSettings): Record<string, unknown> {
  if (!isObject(raw)) fail('BAD_REQUEST', 'claims must be an object.');
  if (type === 'github') {
    const repository = text(raw.repository, 'claims.repository');
    const parts = repository.split('/');
    if (parts.length !== 2 || !parts.every((p) => SEGMENT.test(p))) fail('BAD_REQUEST', `claims.repository must be owner/repository, not ${shown(repository)}.`);
    return { repository, workflow_ref: { file: pipelineFile(raw.workflow_ref, 'claims.workflow_ref') }, ...environment(raw.environment) };
  }
  if (type === 'gitlab') {
    const project = text(raw.project_path, 'claims.project_path');
    const parts = project.split('/');
    if (parts.length < 2 || !parts.every((p) => SEGMENT.test(p))) fail('BAD_REQUEST', `claims.project_path must be group/project or group/subgroup/project, not ${shown(project)}.`);
    return { project_path: project, ci_config_ref_uri: { file: pipelineFile(raw.ci_config_ref_uri, 'claims.ci_config_ref_uri') }, ...environment(raw.environment) };
  }
  if (type === 'circleci') {
    const out: Record<string, unknown> = {};
    for (const k of ['org-id', 'project-id', 'pipeline-definition-id']) {
      const v = text(raw[`oidc.circleci.com/${k}`], `claims["oidc.circleci.com/${k}"]`, 36);
      if (!UUID.test(v)) fail('BAD_REQUEST', `claims["oidc.circleci.com/${k}"] must be a UUID, not ${shown(v)}.`);
      out[`oidc.circleci.com/${k}`] = v.toLowerCase();
    }
    out['oidc.circleci.com/vcs-origin'] = text(raw['oidc.circleci.com/vcs-origin'], 'claims["oidc.circleci.com/vcs-origin"]');
    const contexts = raw['oidc.circleci.com/context-ids'];
    if (contexts !== undefined && contexts !== null) {
      if (!Array.isArray(contexts) || contexts.length > 50 || !contexts.every((c) => typeof c === 'string' && UUID.test(c))) {
        fail('BAD_REQUEST', 'claims["oidc.circleci.com/context-ids"] must be an array of UUIDs.');
      }
      if (contexts.length > 0) out['oidc.circleci.com/context-ids'] = contexts.map((c: string) => c.toLowerCase());
    }
    return out;
  }
  const custom = settings.issuers.find((i) => i.type === type && i.claims);
  if (!custom?.claims) fail('BAD_REQUEST', `Unknown relationship type ${shown(type)}: this registry trusts ${settings.issuers.map((i) => i.type).join(', ') || 'no issuer'}.`);
  const out: Record<string, unknown> = {};
  for (const name of custom.claims) out[name] = text(raw[name], `claims[${JSON.stringify(name)}]`, 500);
  const extra = Object.keys(raw).find((k) => !custom.claims!.includes(k));
  if (extra !== undefined) fail('BAD_REQUEST', `claims[${shown(extra)}] is not a claim of the issuer ${type} (it identifies workflows by ${custom.claims.join(', ')}).`);
  return out;
}

/**
 * The drafts of `POST /-/package/:pkg/trust`: an array (npm sends one) of 1-10 relationships
 * whose `type` is a trusted issuer's. BAD_REQUEST naming the field that is wrong.
 */
export function parseTrustBody(body: unknown, settings: TrustSettings): TrustDraft[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0 || items.length > 10) fail('BAD_REQUEST', 'The body must be an array of 1 to 10 trust configurations.');
  return items.map((item) => {
    if (!isObject(item)) fail('BAD_REQUEST', 'Each trust configuration must be an object {type, claims, permissions}.');
    const type = text(item.type, 'type', 32);
    if (!settings.issuers.some((i) => i.type === type)) {
      fail('BAD_REQUEST', `This registry does not trust ${shown(type)} identity tokens (trusted: ${settings.issuers.map((i) => i.type).join(', ') || 'none'}).`);
    }
    return { type, claims: trustClaims(type, item.claims, settings), permissions: permissionsOf(item.permissions) };
  });
}

/** A relationship as npm's `trust list` and `trust github|gitlab|circleci` read it back. */
export function trustConfigJson(c: TrustConfig): Record<string, unknown> {
  return { id: c.id, type: c.type, claims: c.claims, permissions: c.permissions.map((p) => PERMISSION_NAMES[p]), createdAt: c.createdAt };
}
