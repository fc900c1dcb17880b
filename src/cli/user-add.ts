// tessera user add NAME --email E [--admin]: creates an account (an administrator with
// --admin); the password comes from stdin. Works beside a running server (SQLite allows a
// second writer process).

import { withRegistry } from './open-registry.ts';
import { readStdin } from './stdin.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user add NAME --email EMAIL [--admin] [--data DIR]', note: 'password on stdin' };

export async function userAdd(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { email, admin, ...configFlags } = flags;
  // `--admin NAME` reads as a flag with a value: take it as the name.
  const name = positionals[0] ?? (admin !== undefined && admin !== 'true' ? admin : undefined);
  if (!name || !email || email === 'true' || positionals.length > 1) return printUsage(usage);
  const password = (await readStdin()).replace(/\r?\n$/, '');
  const { createUser } = await import('../core/accounts/login.ts');
  const { setAdmin } = await import('../core/accounts/admin.ts');
  const user = await withRegistry(configFlags, { existing: false }, async (deps) => {
    const created = await createUser(deps, { name, email, password });
    return admin === undefined ? created : setAdmin(deps, created.name, true);
  });
  process.stdout.write(`Created ${user.admin ? 'administrator' : 'user'} ${user.name} <${user.email}>\n`);
  return 0;
}
