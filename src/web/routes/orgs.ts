// Web pages for organisations and teams, over the same use cases as npm org / npm team
// (core/orgs/), with the same rules: org and team changes take an OTP in both 2FA modes.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirmedTfaMode } from '../../core/access/second-factor.ts';
import type { Deps } from '../../core/deps.ts';
import { changeOrgSettings, createOrg, myOrgs } from '../../core/orgs/manage-org.ts';
import { acceptInvitation, declineInvitation, myInvitations, removeMember, setMember } from '../../core/orgs/members.ts';
import { addTeamMember, createTeam, destroyTeam, removeTeamMember } from '../../core/orgs/teams.ts';
import { orgPageView, teamPageView } from '../../core/orgs/views.ts';
import { field, formOf } from '../form.ts';
import type { Notice } from '../layout.ts';
import { orgPage, orgsPage, teamPage } from '../pages/orgs.ts';
import { formError, pageContext, redirect, sendPage, sessionOrLogin, webBase, webCtx } from '../request.ts';
import { passkeyFormCtx } from './passkeys.ts';

const FORM_ERRORS = ['BAD_REQUEST', 'OTP_REQUIRED', 'TOO_MANY_ATTEMPTS', 'FORBIDDEN', 'NOT_FOUND', 'INVALID_NAME', 'USER_EXISTS', 'ALREADY_EXISTS', 'LAST_OWNER', 'TFA_REQUIRED', 'READ_ONLY_TOKEN'];

type OrgParams = { org: string };
type TeamParams = { org: string; team: string };

export function webOrgRoutes(web: FastifyInstance, deps: Deps): void {
  const tfaOn = (request: FastifyRequest) => confirmedTfaMode(request.web.session!.user) !== null;
  const enc = encodeURIComponent;

  const showOrgs = async (request: FastifyRequest, reply: FastifyReply, status: number, notice: Notice, name?: string) => {
    const ctx = webCtx(request);
    const page = pageContext(deps, request, reply);
    return sendPage(reply, status, orgsPage(page, { orgs: await myOrgs(deps, ctx), invitations: await myInvitations(deps, ctx), tfaOn: tfaOn(request), notice, name }));
  };
  const showOrg = async (request: FastifyRequest<{ Params: OrgParams }>, reply: FastifyReply, status: number, notice: Notice, preview?: string[] | null) => {
    const view = await orgPageView(deps, webCtx(request), request.params.org);
    return sendPage(reply, status, orgPage(pageContext(deps, request, reply), view, { tfaOn: tfaOn(request), notice, preview }));
  };
  const showTeam = async (request: FastifyRequest<{ Params: TeamParams }>, reply: FastifyReply, status: number, notice: Notice) => {
    const view = await teamPageView(deps, webCtx(request), request.params.org, request.params.team);
    return sendPage(reply, status, teamPage(pageContext(deps, request, reply), view, { tfaOn: tfaOn(request), notice }));
  };
  const DONE: Record<string, string> = {
    created: 'Organization created.',
    accepted: 'Invitation accepted: you are a member.',
    declined: 'Invitation declined.',
    invited: 'Saved. A new member joins once they accept the invitation.',
    removed: 'Member removed.',
    team: 'Team created.',
    settings: 'Settings saved.',
    added: 'Added to the team.',
    'team-removed': 'Removed from the team.',
    destroyed: 'Team deleted.',
    left: 'You left the organization.',
  };
  const done = (q: { done?: string }): Notice => (q.done && Object.hasOwn(DONE, q.done) ? { kind: 'ok', text: DONE[q.done] } : null);

  web.get<{ Querystring: { done?: string } }>('/orgs', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    return showOrgs(request, reply, 200, done(request.query));
  });
  web.post('/orgs', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    const form = formOf(request.body);
    try {
      const org = await createOrg(deps, await passkeyFormCtx(deps, request, form, 'org-create'), field(form, 'name').trim());
      return redirect(reply, `${webBase(deps)}org/${enc(org.name)}?done=created`);
    } catch (e) {
      const { status, notice } = formError(e, FORM_ERRORS);
      return showOrgs(request, reply, status, notice, field(form, 'name'));
    }
  });
  for (const [path, action] of [
    ['/orgs/accept', 'accepted'],
    ['/orgs/decline', 'declined'],
  ] as const) {
    web.post(path, async (request, reply) => {
      if (!sessionOrLogin(deps, request, reply)) return reply;
      const form = formOf(request.body);
      try {
        const ctx = action === 'accepted' ? await passkeyFormCtx(deps, request, form, 'org-accept') : webCtx(request, field(form, 'otp'));
        if (action === 'accepted') await acceptInvitation(deps, ctx, field(form, 'org'));
        else await declineInvitation(deps, ctx, field(form, 'org'));
      } catch (e) {
        const { status, notice } = formError(e, FORM_ERRORS);
        return showOrgs(request, reply, status, notice);
      }
      return redirect(reply, action === 'accepted' ? `${webBase(deps)}org/${enc(field(form, 'org'))}?done=accepted` : `${webBase(deps)}orgs?done=declined`);
    });
  }

  web.get<{ Params: OrgParams; Querystring: { done?: string } }>('/org/:org', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    return showOrg(request, reply, 200, done(request.query));
  });

  /** A POST on an org page: runs the change, then back to the page (or the page with the error). */
  const orgPost = (path: string, run: (request: FastifyRequest<{ Params: OrgParams }>, form: Record<string, string>) => Promise<string | { preview: string[] }>) => {
    web.post<{ Params: OrgParams }>(path, async (request, reply) => {
      if (!sessionOrLogin(deps, request, reply)) return reply;
      const form = formOf(request.body);
      let outcome: string | { preview: string[] };
      try {
        outcome = await run(request, form);
      } catch (e) {
        const { status, notice } = formError(e, FORM_ERRORS);
        return showOrg(request, reply, status, notice);
      }
      if (typeof outcome !== 'string') return showOrg(request, reply, 200, null, outcome.preview);
      return redirect(reply, outcome);
    });
  };
  const orgUrl = (request: FastifyRequest<{ Params: OrgParams }>, doneKey: string) => `${webBase(deps)}org/${enc(request.params.org)}?done=${doneKey}`;

  orgPost('/org/:org/members', async (request, form) => {
    await setMember(deps, await passkeyFormCtx(deps, request, form, 'org-invite'), request.params.org, { user: field(form, 'user').trim(), role: field(form, 'role') || 'developer' });
    return orgUrl(request, 'invited');
  });
  orgPost('/org/:org/members/edit', async (request, form) => {
    if (field(form, 'action') === 'role') {
      await setMember(deps, await passkeyFormCtx(deps, request, form, 'org-member'), request.params.org, { user: field(form, 'user'), role: field(form, 'role') });
      return orgUrl(request, 'settings');
    }
    await removeMember(deps, await passkeyFormCtx(deps, request, form, 'org-member'), request.params.org, { user: field(form, 'user') });
    return field(form, 'user') === request.web.session!.user.name ? `${webBase(deps)}orgs?done=left` : orgUrl(request, 'removed');
  });
  orgPost('/org/:org/teams', async (request, form) => {
    const description = field(form, 'description').trim();
    await createTeam(deps, await passkeyFormCtx(deps, request, form, 'org-team-create'), request.params.org, { name: field(form, 'name').trim(), description: description || null });
    return `${webBase(deps)}org/${enc(request.params.org)}/team/${enc(field(form, 'name').trim())}?done=team`;
  });
  orgPost('/org/:org/settings', async (request, form) => {
    const body: Record<string, unknown> = {};
    if (form.require_tfa !== undefined) body.require_tfa = field(form, 'require_tfa') === 'on';
    if (form.developers_access !== undefined) body.developers_access = field(form, 'developers_access') === 'none' ? null : field(form, 'developers_access');
    if (field(form, 'confirm') === '1') body.confirm = true;
    const result = await changeOrgSettings(deps, await passkeyFormCtx(deps, request, form, 'org-settings'), request.params.org, body);
    if (!result.applied) return { preview: result.lockouts };
    return orgUrl(request, 'settings');
  });

  web.get<{ Params: TeamParams; Querystring: { done?: string } }>('/org/:org/team/:team', async (request, reply) => {
    if (!sessionOrLogin(deps, request, reply)) return reply;
    return showTeam(request, reply, 200, done(request.query));
  });
  const teamPost = (path: string, doneKey: string, run: (request: FastifyRequest<{ Params: TeamParams }>, form: Record<string, string>) => Promise<unknown>) => {
    web.post<{ Params: TeamParams }>(path, async (request, reply) => {
      if (!sessionOrLogin(deps, request, reply)) return reply;
      const form = formOf(request.body);
      try {
        await run(request, form);
      } catch (e) {
        const { status, notice } = formError(e, FORM_ERRORS);
        return showTeam(request, reply, status, notice);
      }
      const { org, team } = request.params;
      return redirect(reply, doneKey === 'destroyed' ? `${webBase(deps)}org/${enc(org)}?done=destroyed` : `${webBase(deps)}org/${enc(org)}/team/${enc(team)}?done=${doneKey}`);
    });
  };
  teamPost('/org/:org/team/:team/members', 'added', async (request, form) => addTeamMember(deps, await passkeyFormCtx(deps, request, form, 'team-member-add'), request.params.org, request.params.team, { user: field(form, 'user') }));
  teamPost('/org/:org/team/:team/members/remove', 'team-removed', async (request, form) =>
    removeTeamMember(deps, await passkeyFormCtx(deps, request, form, 'team-member-remove'), request.params.org, request.params.team, { user: field(form, 'user') }),
  );
  teamPost('/org/:org/team/:team/destroy', 'destroyed', async (request, form) => destroyTeam(deps, await passkeyFormCtx(deps, request, form, 'team-destroy'), request.params.org, request.params.team));
}
