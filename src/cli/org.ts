// tessera org create NAME --owner USER, tessera org adopt SCOPE --owner USER: an administrator
// makes an org (docs/orgs.md). `adopt` turns a scope that already has packages into an org: its
// packages become the org's and their owners its owners. Works beside a running server.

import { escapeControls } from '../core/text.ts';
import { withRegistry } from './open-registry.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera org create NAME --owner USER [--data DIR]', note: 'a new organization and its owner' };
export const adoptUsage: CommandUsage = { synopsis: 'tessera org adopt SCOPE --owner USER [--data DIR]', note: 'a scope with packages becomes an org' };

export async function orgCreate(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, ...extra] = positionals;
  const { owner, ...configFlags } = flags;
  if (!name || extra.length > 0 || !owner || owner === 'true') return printUsage(usage);
  const { createOrgAsAdmin } = await import('../core/orgs/manage-org.ts');
  const org = await withRegistry(configFlags, { existing: true }, (deps) => createOrgAsAdmin(deps, name, owner));
  process.stdout.write(`${escapeControls(`Created the organization ${org.name} (scope @${org.name}); ${owner} is its owner.`)}\n`);
  return 0;
}

export async function orgAdopt(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [scope, ...extra] = positionals;
  const { owner, ...configFlags } = flags;
  if (!scope || extra.length > 0 || !owner || owner === 'true') return printUsage(adoptUsage);
  const { adoptScope } = await import('../core/orgs/manage-org.ts');
  const result = await withRegistry(configFlags, { existing: true }, (deps) => adoptScope(deps, scope, owner));
  process.stdout.write(
    `${escapeControls(`The scope @${result.org.name} is now the organization ${result.org.name}: ${result.packages.length} package${result.packages.length === 1 ? '' : 's'} (${result.packages.join(', ')}); owners: ${result.owners.join(', ')}.`)}\n`,
  );
  return 0;
}
