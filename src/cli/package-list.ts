// tessera package list [--owner USER] [--orphaned] [--json]: every package with its versions,
// owners, access and last publish, sorted by name (docs/admin.md, "Packages").

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';
import { jsonForTerminal } from './user-log.ts';

export const usage: CommandUsage = { synopsis: 'tessera package list [--owner USER] [--orphaned] [--json] [--data DIR]', note: 'orphaned: no active owner' };

export async function packageList(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { json, owner, orphaned, ...configFlags } = flags;
  if (positionals.length > 0 || owner === 'true' || (orphaned !== undefined && orphaned !== 'true')) return printUsage(usage);
  const { listPackages } = await import('../core/packages/admin.ts');
  const packages = await withRegistry(configFlags, { existing: true }, (deps) => listPackages(deps, { owner, orphaned: orphaned === 'true' }));
  if (json === 'true') {
    process.stdout.write(`${jsonForTerminal(packages)}\n`);
    return 0;
  }
  const width = Math.max(4, ...packages.map((p) => p.name.length));
  process.stdout.write(`${'NAME'.padEnd(width)}  VERSIONS  ACCESS       LAST PUBLISH              OWNERS\n`);
  for (const p of packages) {
    const owners = p.org ? `org ${p.org}` : p.owners.map((o) => (o.status === 'active' ? o.name : `${o.name} (${o.status})`)).join(', ');
    const access = p.unpublished ? 'unpublished' : p.access;
    const line = `${p.name.padEnd(width)}  ${String(p.versions.length).padEnd(8)}  ${access.padEnd(11)}  ${(p.lastPublish ?? '-').padEnd(24)}  ${owners}`;
    process.stdout.write(`${escapeControls(line)}\n`);
  }
  process.stdout.write(`${packages.length} package${packages.length === 1 ? '' : 's'}\n`);
  return 0;
}
