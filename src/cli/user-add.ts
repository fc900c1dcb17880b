// tessera user add NAME --email E: creates an account; the password comes from stdin.
// Works beside a running server (SQLite allows a second writer process).

import { createUser } from '../core/accounts/login.ts';
import { loadConfig } from '../config/load.ts';
import { openDeps } from '../server.ts';
import { readStdin } from './stdin.ts';

export async function userAdd(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  const { email, ...configFlags } = flags;
  if (!name || !email) {
    process.stderr.write('usage: tessera user add NAME --email EMAIL [--data DIR] < password\n');
    return 2;
  }
  const password = (await readStdin()).replace(/\r?\n$/, '');
  const opened = await openDeps(loadConfig({ flags: configFlags, env: process.env }));
  const { deps } = opened;
  try {
    const user = await createUser(deps, { name, email, password });
    process.stdout.write(`Created user ${user.name} <${user.email}>\n`);
    return 0;
  } finally {
    await opened.close();
  }
}
