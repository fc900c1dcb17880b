// tessera user log NAME [--limit N]: the user's security log, newest first.

import { userSecurityLog } from '../core/accounts/admin.ts';
import { loadConfig } from '../config/load.ts';
import { openDeps } from '../server.ts';

export async function userLog(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  const { limit = '50', json, ...configFlags } = flags;
  if (!name || !/^\d+$/.test(limit)) {
    process.stderr.write('usage: tessera user log NAME [--limit N] [--json] [--data DIR]\n');
    return 2;
  }
  const opened = await openDeps(loadConfig({ flags: configFlags, env: process.env }));
  const { deps } = opened;
  try {
    const events = await userSecurityLog(deps, name, Number(limit));
    if (json === 'true') process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
    else {
      for (const e of events) {
        process.stdout.write(`${e.at}  ${e.type.padEnd(26)} ${(e.ip ?? '-').padEnd(16)} ${e.detail ? JSON.stringify(e.detail) : ''}  ${e.userAgent ?? ''}\n`);
      }
    }
    return 0;
  } finally {
    await opened.close();
  }
}
