// tessera package owner add NAME USER, tessera package owner rm NAME USER: an administrator
// rescues a package whose owners left, or removes an owner (never the last one). docs/admin.md,
// "Packages". An organization's packages are refused: the org's teams decide who writes them.

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera package owner add NAME USER [--data DIR]', note: 'USER must be an active account' };
export const rmUsage: CommandUsage = { synopsis: 'tessera package owner rm NAME USER [--data DIR]', note: 'never the last owner' };

export async function packageOwnerAdd(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, user, ...extra] = positionals;
  if (!name || !user || extra.length > 0) return printUsage(usage);
  const { adminAddOwner } = await import('../core/packages/admin.ts');
  const added = await withRegistry(flags, { existing: true }, (deps) => adminAddOwner(deps, name, user));
  process.stdout.write(`${escapeControls(added ? `${user} now owns ${name}.` : `${user} owns ${name} already.`)}\n`);
  return 0;
}

export async function packageOwnerRm(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, user, ...extra] = positionals;
  if (!name || !user || extra.length > 0) return printUsage(rmUsage);
  const { adminRemoveOwner } = await import('../core/packages/admin.ts');
  await withRegistry(flags, { existing: true }, (deps) => adminRemoveOwner(deps, name, user));
  process.stdout.write(`${escapeControls(`${user} no longer owns ${name}.`)}\n`);
  return 0;
}
