// tessera proxy purge [NAME] [--all]: forgets what the upstream proxy cached of one package
// (or of every package with --all): its packuments and its tarballs, whose blobs are deleted
// unless a local version shares them. Works beside a running server (which drops its copies).

import { loadConfig } from '../config/load.ts';
import { type CommandUsage, printUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera proxy purge NAME|--all [--data DIR]', note: 'forget cached upstream copies' };

export async function proxyPurge(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name] = positionals;
  const all = flags.all !== undefined;
  if ((name === undefined) === !all || positionals.length > 1) return printUsage(usage);
  const { purgeProxyCache } = await import('../core/proxy/purge.ts');
  const { openDeps } = await import('../server.ts');
  const { all: _all, ...rest } = flags;
  const opened = await openDeps(loadConfig({ flags: rest, env: process.env }));
  try {
    const result = await purgeProxyCache(opened.deps, all ? null : name);
    const what = all ? 'every proxied package' : name;
    process.stdout.write(`Purged ${what}: ${result.packuments} cached packument(s), ${result.blobs} tarball(s) deleted.\n`);
    return 0;
  } finally {
    await opened.close();
  }
}
