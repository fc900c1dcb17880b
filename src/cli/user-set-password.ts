// tessera user set-password NAME: a new password (from stdin; the password policy applies)
// for someone locked out; their sessions end.

import { withRegistry } from './open-registry.ts';
import { readStdin } from './stdin.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user set-password NAME [--data DIR]', note: 'password on stdin' };

export async function userSetPassword(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) return printUsage(usage);
  const password = (await readStdin()).replace(/\r?\n$/, '');
  const { setPassword } = await import('../core/accounts/admin.ts');
  await withRegistry(flags, { existing: true }, (deps) => setPassword(deps, name, password));
  process.stdout.write(`${escapeControls(`The password of ${name} was changed; their sessions were ended.`)}\n`);
  return 0;
}
