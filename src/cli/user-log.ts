// tessera user log NAME [--limit N]: the user's security log, newest first.

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user log NAME [--limit N] [--json] [--data DIR]' };

/** JSON whose strings carry DEL and C1 controls as \\u escapes too (still valid JSON). */
export function jsonForTerminal(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export async function userLog(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  const { limit = '50', json, ...configFlags } = flags;
  if (!name || !/^\d+$/.test(limit)) return printUsage(usage);
  const { userSecurityLog } = await import('../core/accounts/admin.ts');
  const events = await withRegistry(configFlags, { existing: true }, (deps) => userSecurityLog(deps, name, Number(limit)));
  // Stored text reaches the administrator's terminal: user agents come from an unauthenticated
  // header that Node reads as latin1 (so C1 controls such as U+009B CSI get in), and
  // JSON.stringify escapes C0 but not DEL or C1. Every control is printed escaped.
  if (json === 'true') process.stdout.write(`${jsonForTerminal(events)}\n`);
  else {
    for (const e of events) {
      const line = `${e.at}  ${e.type.padEnd(26)} ${(e.ip ?? '-').padEnd(16)} ${e.detail ? jsonForTerminal(e.detail, 0) : ''}  ${e.userAgent ?? ''}`;
      process.stdout.write(`${escapeControls(line)}\n`);
    }
  }
  return 0;
}
