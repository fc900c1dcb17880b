// tessera user add NAME --email E: creates an account; the password comes from stdin.
// Works beside a running server (SQLite allows a second writer process).

import { withRegistry } from './open-registry.ts';
import { readStdin } from './stdin.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user add NAME --email EMAIL [--data DIR]', note: 'password on stdin' };

export async function userAdd(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  const { email, ...configFlags } = flags;
  if (!name || !email) return printUsage(usage);
  const password = (await readStdin()).replace(/\r?\n$/, '');
  const { createUser } = await import('../core/accounts/login.ts');
  const user = await withRegistry(configFlags, { existing: false }, (deps) => createUser(deps, { name, email, password }));
  process.stdout.write(`Created user ${user.name} <${user.email}>\n`);
  return 0;
}
