// What the web UI's org and team pages show (core reads; the same checks as the API's lists).

import type { Deps, RequestContext } from '../deps.ts';
import { fail } from '../errors.ts';
import { orgCaller } from './load.ts';
import { orgOverview } from './manage-org.ts';
import type { TeamPermission } from './model.ts';

export interface TeamSummary {
  name: string;
  description: string | null;
  members: string[];
  packages: Array<{ package: string; permission: TeamPermission }>;
}

/** The org page: members, roles, the 2FA requirement and lockouts, teams with their packages; the log for owners. */
export async function orgPageView(deps: Deps, ctx: RequestContext, rawOrg: string) {
  const overview = await orgOverview(deps, ctx, rawOrg);
  const { org } = await orgCaller(deps, ctx, rawOrg, 'read');
  const teams: TeamSummary[] = [];
  for (const t of await deps.store.orgs.teams(org.id)) {
    teams.push({
      name: t.name,
      description: t.description,
      members: (await deps.store.orgs.teamMembers(t.id)).map((m) => m.name),
      packages: await deps.store.orgs.teamPackages(t.id),
    });
  }
  const log = overview.role === 'owner' ? await deps.store.orgs.events(org.id, { limit: 20 }) : [];
  return { ...overview, teams, log };
}

/** A team page: its members, its packages, and the org's members who could join it. */
export async function teamPageView(deps: Deps, ctx: RequestContext, rawOrg: string, rawTeam: string) {
  const { org, role } = await orgCaller(deps, ctx, rawOrg, 'read');
  const team = await deps.store.orgs.team(org.id, rawTeam);
  if (!team) fail('NOT_FOUND', `Team ${org.name}:${rawTeam} not found.`);
  const members = (await deps.store.orgs.teamMembers(team.id)).map((m) => m.name);
  const orgMembers = (await deps.store.orgs.members(org.id)).map((m) => m.name);
  return {
    org: org.name,
    role,
    requireTfa: org.requireTfa,
    name: team.name,
    description: team.description,
    members,
    candidates: orgMembers.filter((n) => !members.includes(n)),
    packages: await deps.store.orgs.teamPackages(team.id),
  };
}
