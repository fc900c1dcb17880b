// tessera package unpublish NAME[@VERSION] --reason TEXT: an administrator takes down a version
// or a whole package (docs/admin.md, "Packages"); running servers stop serving it at once on
// PostgreSQL (a notification) and within about 250 ms on SQLite (the data_version poll).

import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera package unpublish NAME[@VERSION] --reason TEXT [--data DIR]', note: 'versions stay burned' };

export async function packageUnpublish(positionals: string[], flags: Record<string, string>): Promise<number> {
  const { reason, ...configFlags } = flags;
  const [spec, ...extra] = positionals;
  if (!spec || extra.length > 0) return printUsage(usage);
  if (reason === undefined || reason === 'true' || reason.trim() === '') {
    process.stderr.write('tessera: give a reason with --reason TEXT: it is kept in the instance log.\n');
    return 2;
  }
  const { adminUnpublish } = await import('../core/packages/admin.ts');
  const done = await withRegistry(configFlags, { existing: true }, (deps) => adminUnpublish(deps, { spec, reason }));
  const what = done.whole ? `${done.name} (every version${done.version ? `; ${done.version} was its last` : ''})` : `${done.name}@${done.version}`;
  process.stdout.write(`${escapeControls(`Unpublished ${what}: it can never be published again under the same version${done.whole ? 's' : ''}.`)}\n`);
  return 0;
}
