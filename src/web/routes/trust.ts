// The web side of trusted publishing (issue #16 items 3 and 7): a package page's trust
// relationships for its owners, added (also with custom issuers) and revoked through the same
// use cases as `npm trust` (core/trust/manage.ts: owners, 2FA, an OTP each); and the versions
// trusted publishing published.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import type { Deps } from '../../core/deps.ts';
import { isDomainError } from '../../core/errors.ts';
import type { PackageOverview } from '../../core/ports.ts';
import { addTrust, listTrust, revokeTrust } from '../../core/trust/manage.ts';
import { field, type FormBody, formOf } from '../form.ts';
import { html, type Notice, type PageContext, type SafeHtml } from '../layout.ts';
import { type TrustedVersion, trustedVersionsSection, trustSection } from '../pages/trust.ts';
import { formError, redirect, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

const FORM_ERRORS = ['BAD_REQUEST', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'TFA_REQUIRED', 'NOT_FOUND'];
/** Versions (newest first) whose manifests the page reads for their trusted publisher. */
const TRUSTED_VERSIONS_SHOWN = 10;

type Show = (request: FastifyRequest, reply: FastifyReply, name: string, status: number, notice: Notice) => Promise<FastifyReply>;

/** The trusted-publishing sections of a package page: the versions it published, and for owners the relationships. */
export async function trustSections(deps: Deps, request: FastifyRequest, page: PageContext, pkg: PackageOverview, notice: Notice): Promise<SafeHtml> {
  const recent = [...pkg.versions].reverse().slice(0, TRUSTED_VERSIONS_SHOWN);
  const trusted: TrustedVersion[] = [];
  for (const v of recent) {
    const one = await deps.store.packages.getVersion(pkg.name, v.version);
    const tp = (one?.version.manifest._npmUser as { trustedPublisher?: { workflow?: unknown } } | undefined)?.trustedPublisher;
    if (tp && typeof tp.workflow === 'string') trusted.push({ version: v.version, publishedAt: v.publishedAt, workflow: tp.workflow });
  }
  const session = request.web.session;
  let owners = html``;
  if (session) {
    try {
      const configs = await listTrust(deps, webCtx(request), pkg.name);
      const customClaims = Object.fromEntries(deps.settings.trust.issuers.filter((i) => i.claims).map((i) => [i.type, i.claims!]));
      owners = trustSection(page, pkg.name, { configs, types: deps.settings.trust.issuers.map((i) => i.type), customClaims, tfaOn: confirmedTfaMode(session.user) !== null, notice });
    } catch (e) {
      if (!isDomainError(e)) throw e;
    }
  }
  return html`${trustedVersionsSection(trusted)}${owners}`;
}

/** `name=value` lines of the form's claims field; a value that looks like a JSON array is one. */
function claimLines(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    const key = eq < 0 ? t : t.slice(0, eq).trim();
    const value = eq < 0 ? '' : t.slice(eq + 1).trim();
    const circle = ['org-id', 'project-id', 'pipeline-definition-id', 'vcs-origin', 'context-ids'].includes(key) ? `oidc.circleci.com/${key}` : key;
    out[circle] = circle.endsWith('context-ids') ? value.split(/[\s,]+/).filter(Boolean) : value;
  }
  return out;
}

/** The body `npm trust github|gitlab|circleci` would send for the form (custom types: the claims lines). */
function trustBody(form: FormBody): unknown[] {
  const type = field(form, 'type');
  const env = field(form, 'environment').trim();
  const permissions = [...(field(form, 'allow_publish') ? ['createPackage'] : []), ...(field(form, 'allow_stage') ? ['createStagedPackage'] : [])];
  let claims: Record<string, unknown>;
  if (type === 'github') claims = { repository: field(form, 'entity').trim(), workflow_ref: { file: field(form, 'file').trim() }, ...(env ? { environment: env } : {}) };
  else if (type === 'gitlab') claims = { project_path: field(form, 'entity').trim(), ci_config_ref_uri: { file: field(form, 'file').trim() }, ...(env ? { environment: env } : {}) };
  else claims = claimLines(field(form, 'claims'));
  return [{ type, claims, permissions }];
}

export function webTrustRoutes(web: FastifyInstance, deps: Deps, show: Show): void {
  const back = (name: string, done: string) => `${webBase(deps)}package/${encodeURIComponent(name)}?trust=${done}#trust`;

  web.post('/trust', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    const name = field(form, 'package');
    try {
      await addTrust(deps, await passkeyFormCtx(deps, request, form, 'trust-add'), name, trustBody(form));
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      if (status === 404) throw e;
      return show(request, reply, name, status, notice);
    }
    return redirect(reply, back(name, 'added'));
  });

  web.post('/trust/revoke', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    const name = field(form, 'package');
    try {
      await revokeTrust(deps, await passkeyFormCtx(deps, request, form, 'trust-revoke'), name, field(form, 'id'));
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      if (status === 404 && !(await deps.store.packages.head(name))) throw e;
      return show(request, reply, name, status, notice);
    }
    return redirect(reply, back(name, 'revoked'));
  });
}

