// npm org and npm team (node_modules/libnpmorg, node_modules/libnpmteam), an invitee's
// acceptance, the org's settings (the 2FA requirement) and its log. Use cases: core/orgs/.

import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../core/deps.ts';
import { changeOrgSettings, createOrg, myOrgs, orgLog, orgOverview } from '../../core/orgs/manage-org.ts';
import { acceptInvitation, declineInvitation, listMembers, myInvitations, removeMember, setMember } from '../../core/orgs/members.ts';
import { addTeamMember, createTeam, destroyTeam, listTeamMembers, listTeams, removeTeamMember } from '../../core/orgs/teams.ts';
import { fail } from '../../core/errors.ts';

type OrgParams = { org: string };
type TeamParams = { org: string; team: string };

export function orgRoutes(app: FastifyInstance, deps: Deps): void {
  // npm org set / rm / ls
  app.put<{ Params: OrgParams; Body: unknown }>('/-/org/:org/user', async (request, reply) => {
    return reply.send(await setMember(deps, request.ctx, request.params.org, request.body));
  });
  app.delete<{ Params: OrgParams; Body: unknown }>('/-/org/:org/user', async (request, reply) => {
    await removeMember(deps, request.ctx, request.params.org, request.body);
    return reply.code(204).send();
  });
  app.get<{ Params: OrgParams }>('/-/org/:org/user', async (request, reply) => {
    return reply.send(await listMembers(deps, request.ctx, request.params.org));
  });

  // npm team create / ls <org>
  app.put<{ Params: OrgParams; Body: unknown }>('/-/org/:org/team', async (request, reply) => {
    return reply.code(201).send(await createTeam(deps, request.ctx, request.params.org, request.body));
  });
  app.get<{ Params: OrgParams }>('/-/org/:org/team', async (request, reply) => {
    return reply.send(await listTeams(deps, request.ctx, request.params.org));
  });
  // npm team destroy / add / rm / ls <org:team>
  app.delete<{ Params: TeamParams }>('/-/team/:org/:team', async (request, reply) => {
    await destroyTeam(deps, request.ctx, request.params.org, request.params.team);
    return reply.code(204).send();
  });
  app.put<{ Params: TeamParams; Body: unknown }>('/-/team/:org/:team/user', async (request, reply) => {
    return reply.code(201).send(await addTeamMember(deps, request.ctx, request.params.org, request.params.team, request.body));
  });
  app.delete<{ Params: TeamParams; Body: unknown }>('/-/team/:org/:team/user', async (request, reply) => {
    await removeTeamMember(deps, request.ctx, request.params.org, request.params.team, request.body);
    return reply.code(204).send();
  });
  app.get<{ Params: TeamParams }>('/-/team/:org/:team/user', async (request, reply) => {
    return reply.send(await listTeamMembers(deps, request.ctx, request.params.org, request.params.team));
  });

  // The caller's orgs and invitations; creating an org; accepting or declining an invitation.
  app.get('/-/org', async (request, reply) => reply.send(await myOrgs(deps, request.ctx)));
  app.post<{ Body: unknown }>('/-/org', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.name !== 'string') fail('BAD_REQUEST', '"name" must be the organization\'s name.');
    const org = await createOrg(deps, request.ctx, body.name);
    return reply.code(201).send({ name: org.name, created: org.createdAt });
  });
  app.get('/-/org-invitations', async (request, reply) => {
    const list = await myInvitations(deps, request.ctx);
    return reply.send(list.map((i) => ({ org: i.orgName, role: i.role, invited_by: i.invitedByName, created: i.createdAt, expires: i.expiresAt })));
  });
  app.post<{ Params: OrgParams }>('/-/org/:org/invitation', async (request, reply) => {
    const role = await acceptInvitation(deps, request.ctx, request.params.org);
    return reply.send({ org: request.params.org.replace(/^@/, ''), role });
  });
  app.delete<{ Params: OrgParams }>('/-/org/:org/invitation', async (request, reply) => {
    await declineInvitation(deps, request.ctx, request.params.org);
    return reply.code(204).send();
  });

  // The org's overview, settings (2FA requirement, developers team's access) and log.
  app.get<{ Params: OrgParams }>('/-/org/:org', async (request, reply) => reply.send(await orgOverview(deps, request.ctx, request.params.org)));
  app.post<{ Params: OrgParams; Body: unknown }>('/-/org/:org/settings', async (request, reply) => {
    return reply.send(await changeOrgSettings(deps, request.ctx, request.params.org, request.body));
  });
  app.get<{ Params: OrgParams; Querystring: { before?: string; limit?: string } }>('/-/org/:org/log', async (request, reply) => {
    return reply.send(await orgLog(deps, request.ctx, request.params.org, request.query));
  });
}
