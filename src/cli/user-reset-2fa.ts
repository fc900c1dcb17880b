// tessera user reset-2fa NAME: turns off the user's second factor (and ends their sessions),
// for someone who lost both their device and their recovery codes. Works beside a running
// server: the next request sees the change.

import { withRegistry } from './open-registry.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera user reset-2fa NAME [--data DIR]', note: 'lost device and recovery codes' };

export async function userReset2fa(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  if (!name) return printUsage(usage);
  const { resetTwoFactor } = await import('../core/accounts/admin.ts');
  await withRegistry(flags, { existing: true }, (deps) => resetTwoFactor(deps, name));
  process.stdout.write(`Two-factor authentication of ${name} is off; their sessions were ended. They can enable it again with npm profile enable-2fa.\n`);
  return 0;
}
