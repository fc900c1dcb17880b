// tessera user admin NAME [--revoke]: grants (or takes away) the administrator role, which
// opens the web UI's Administration pages (docs/admin.md).

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user admin NAME [--revoke] [--data DIR]', note: 'grant or take away the admin role' };

export async function userAdmin(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { revoke, ...configFlags } = flags;
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0 || (revoke !== undefined && revoke !== 'true')) return printUsage(usage);
  const { setAdmin } = await import('../core/accounts/admin.ts');
  const grant = revoke === undefined;
  await withRegistry(configFlags, { existing: true }, (deps) => setAdmin(deps, name, grant));
  process.stdout.write(`${escapeControls(grant ? `${name} is an administrator.` : `${name} is no longer an administrator.`)}\n`);
  return 0;
}
