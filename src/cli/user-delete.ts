// tessera user delete NAME --yes: deletes the account for good (docs/admin.md): its tokens,
// second factor and password go, its name stays reserved, its packages stay readable.

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user delete NAME --yes [--data DIR]', note: 'for good; the name stays reserved' };

export async function userDelete(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { yes, ...configFlags } = flags;
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) return printUsage(usage);
  if (yes !== 'true') {
    process.stderr.write(`${escapeControls(`tessera: deleting ${name} cannot be undone: add --yes (tessera user disable ${name} can be).`)}\n`);
    return 2;
  }
  const { deleteUser } = await import('../core/accounts/admin.ts');
  const { packages } = await withRegistry(configFlags, { existing: true }, (deps) => deleteUser(deps, name));
  process.stdout.write(`${escapeControls(`Deleted ${name}: the name stays reserved.`)}\n`);
  if (packages.length > 0) {
    process.stdout.write(`${escapeControls(`Their ${packages.length} package${packages.length === 1 ? '' : 's'} stay readable (${packages.join(', ')}); those they owned alone can no longer be published to.`)}\n`);
  }
  return 0;
}
