// tessera user enable NAME: a disabled account works again (its tokens other than sessions,
// kept while disabled, work again too).

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user enable NAME [--data DIR]' };

export async function userEnable(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) return printUsage(usage);
  const { enableUser } = await import('../core/accounts/admin.ts');
  await withRegistry(flags, { existing: true }, (deps) => enableUser(deps, name));
  process.stdout.write(`${escapeControls(`${name} is enabled.`)}\n`);
  return 0;
}
