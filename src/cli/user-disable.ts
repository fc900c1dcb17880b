// tessera user disable NAME: every token and session of the account is refused from now on,
// on every node (PostgreSQL: a notification; SQLite: within about 250 ms, the data_version
// poll); its sessions are deleted; its packages stay readable. `tessera user enable` undoes it.

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user disable NAME [--data DIR]', note: 'refuse its tokens and sessions' };

export async function userDisable(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) return printUsage(usage);
  const { disableUser } = await import('../core/accounts/admin.ts');
  await withRegistry(flags, { existing: true }, (deps) => disableUser(deps, name));
  process.stdout.write(`${escapeControls(`${name} is disabled: their tokens and sessions are refused, their packages stay readable. Undo with tessera user enable ${name}.`)}\n`);
  return 0;
}
