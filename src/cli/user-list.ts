// tessera user list: every account with its role, status and second factor, sorted by name.

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import type { UserSummary } from '../core/ports.ts';
import { type CommandUsage, printUsage } from './usage.ts';
import { jsonForTerminal } from './user-log.ts';

export const usage: CommandUsage = { synopsis: 'tessera user list [--json] [--data DIR]' };

const PAGE = 500;

export async function userList(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { json, ...configFlags } = flags;
  if (positionals.length > 0) return printUsage(usage);
  const { listUsers } = await import('../core/accounts/admin.ts');
  const users = await withRegistry(configFlags, { existing: true }, async (deps) => {
    const all: UserSummary[] = [];
    for (;;) {
      const page = await listUsers(deps, { after: all.at(-1)?.name, limit: PAGE });
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  });
  if (json === 'true') {
    process.stdout.write(`${jsonForTerminal(users)}\n`);
    return 0;
  }
  const width = Math.max(4, ...users.map((u) => u.name.length));
  process.stdout.write(`${'NAME'.padEnd(width)}  ROLE   STATUS    2FA  CREATED                   EMAIL\n`);
  for (const u of users) {
    const line = `${u.name.padEnd(width)}  ${(u.admin ? 'admin' : 'user').padEnd(5)}  ${u.status.padEnd(8)}  ${(u.tfa ? 'on' : 'off').padEnd(3)}  ${u.createdAt.padEnd(24)}  ${u.email}`;
    process.stdout.write(`${escapeControls(line)}\n`);
  }
  process.stdout.write(`${users.length} user${users.length === 1 ? '' : 's'}\n`);
  return 0;
}
