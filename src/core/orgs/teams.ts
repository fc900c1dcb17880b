// npm team create / destroy / add / rm / ls (lib/commands/team.js,
// node_modules/libnpmteam/lib/index.js). Owners and admins manage teams; any member lists them.
// Teams hold members of their org only; the developers team, which every member joins, stays.

import { requireSecondFactor } from '../accounts/require-second-factor.ts';
import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { isPlainObject } from '../packages/rules.ts';
import { type OrgCaller, orgCaller, orgEvent, teamNameProblem, userField } from './load.ts';
import { DEVELOPERS_TEAM, type Team } from './model.ts';
import type { OrgAction } from './policy.ts';
import { orgPackagesChanged } from './writers.ts';

async function teamOf(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string, action: OrgAction): Promise<OrgCaller & { team: Team }> {
  const problem = teamNameProblem(rawTeam);
  if (problem) fail('INVALID_NAME', problem);
  const found = await orgCaller(deps, ctx, rawOrg, action);
  const team = await deps.store.orgs.team(found.org.id, rawTeam);
  if (!team) fail('NOT_FOUND', `Team ${found.org.name}:${rawTeam} not found.`);
  return { ...found, team };
}

/** PUT /-/org/:org/team `{name, description}`: ALREADY_EXISTS when taken. */
export async function createTeam(deps: Deps, ctx: RequestContext, rawOrg: string, body: unknown): Promise<{ name: string; description: string | null; created: string }> {
  if (!isPlainObject(body)) fail('BAD_REQUEST', 'The body must be a JSON object.');
  const problem = teamNameProblem(body.name);
  if (problem) fail('INVALID_NAME', problem);
  const description = body.description ?? null;
  if (description !== null && (typeof description !== 'string' || description.length > 1000)) fail('BAD_REQUEST', '"description" must be text of at most 1000 characters.');
  const { org, caller } = await orgCaller(deps, ctx, rawOrg, 'manage-teams');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const name = body.name as string;
  const team = await deps.store.orgs.createTeam(org.id, name, description as string | null, { otp, event: orgEvent(ctx, caller.user.id, 'team-create', { team: name }) });
  return { name: `${org.name}:${team.name}`, description: team.description, created: team.createdAt };
}

/** DELETE /-/team/:org/:team; the developers team cannot be deleted. */
export async function destroyTeam(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string): Promise<void> {
  const { team, caller } = await teamOf(deps, ctx, rawOrg, rawTeam, 'manage-teams');
  if (team.name === DEVELOPERS_TEAM) fail('FORBIDDEN', 'The developers team cannot be deleted: every new member of the organization joins it.');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  await deps.store.orgs.deleteTeam(team.id, { otp, event: orgEvent(ctx, caller.user.id, 'team-destroy', { team: team.name }) });
  await orgPackagesChanged(deps, team.orgId);
}

/**
 * PUT /-/team/:org/:team/user `{user}`: the user must be a member of the org (FORBIDDEN
 * otherwise, the same for an account that does not exist).
 */
export async function addTeamMember(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string, body: unknown): Promise<{ user: string; team: string }> {
  const name = userField(body);
  const { org, team, caller } = await teamOf(deps, ctx, rawOrg, rawTeam, 'manage-teams');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const target = await deps.store.users.findByName(name);
  if (!target || !(await deps.store.orgs.role(org.id, target.id))) {
    if (otp) await deps.store.users.consumeOtp(otp);
    fail('FORBIDDEN', `${name} is not a member of the organization ${org.name}: invite them with npm org set first.`);
  }
  if (await deps.store.orgs.addTeamMember(team.id, target.id, { otp, event: orgEvent(ctx, caller.user.id, 'team-add', { team: team.name, user: name }) })) {
    await orgPackagesChanged(deps, org.id);
  }
  return { user: name, team: `${org.name}:${team.name}` };
}

/**
 * DELETE /-/team/:org/:team/user `{user}`: NOT_FOUND when the user is not in the team. Taking
 * a member out of the developers team is allowed (a member with read-only access through
 * another team): they keep only what their other teams grant (docs/orgs.md).
 */
export async function removeTeamMember(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string, body: unknown): Promise<void> {
  const name = userField(body);
  const { org, team, caller } = await teamOf(deps, ctx, rawOrg, rawTeam, 'manage-teams');
  const otp = await requireSecondFactor(deps, ctx, 'account-identity');
  const target = await deps.store.users.findByName(name);
  const removed = target && (await deps.store.orgs.removeTeamMember(team.id, target.id, { otp, event: orgEvent(ctx, caller.user.id, 'team-rm', { team: team.name, user: name }) }));
  if (!removed) {
    if (!target && otp) await deps.store.users.consumeOtp(otp);
    fail('NOT_FOUND', `${name} is not in the team ${org.name}:${team.name}.`);
  }
  await orgPackagesChanged(deps, org.id);
}

/** GET /-/org/:org/team: `["org:team", ...]` (the `format=cli` answer npm prints). */
export async function listTeams(deps: Deps, ctx: RequestContext, rawOrg: string): Promise<string[]> {
  const { org } = await orgCaller(deps, ctx, rawOrg, 'read');
  return (await deps.store.orgs.teams(org.id)).map((t) => `${org.name}:${t.name}`);
}

/** GET /-/team/:org/:team/user: the team's members' names, sorted. */
export async function listTeamMembers(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string): Promise<string[]> {
  const { team } = await teamOf(deps, ctx, rawOrg, rawTeam, 'read');
  return (await deps.store.orgs.teamMembers(team.id)).map((m) => m.name);
}
