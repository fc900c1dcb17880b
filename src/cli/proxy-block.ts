// tessera proxy block NAME@VERSION [--reason TEXT], tessera proxy unblock NAME@VERSION,
// tessera proxy blocks [NAME]: administrators' blocks of upstream versions (docs/proxy.md,
// "Blocking a version"). Works beside a running server: it stops listing the version at once
// on PostgreSQL (a notification) and within about 250 ms on SQLite (the data_version poll).

import { userInfo } from 'node:os';
import { loadConfig } from '../config/load.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';
import { jsonForTerminal } from './user-log.ts';

export const usage: CommandUsage = { synopsis: 'tessera proxy block NAME@VERSION [--reason TEXT] [--by NAME] [--data DIR]', note: 'hide an upstream version' };
export const unblockUsage: CommandUsage = { synopsis: 'tessera proxy unblock NAME@VERSION [--data DIR]' };
export const blocksUsage: CommandUsage = { synopsis: 'tessera proxy blocks [NAME] [--json] [--data DIR]', note: 'list blocked versions' };

/** Who the block is recorded as: --by, else the operating-system user running the command. */
function operator(by: string | undefined): string {
  if (by !== undefined && by !== 'true') return by;
  try {
    return userInfo().username || 'admin';
  } catch {
    return 'admin';
  }
}

async function withDeps<T>(configFlags: Record<string, string>, fn: (deps: import('../core/deps.ts').Deps) => Promise<T>): Promise<T> {
  const { openDeps } = await import('../server.ts');
  const opened = await openDeps(loadConfig({ flags: configFlags, env: process.env }));
  try {
    return await fn(opened.deps);
  } finally {
    await opened.close();
  }
}

export async function proxyBlock(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [spec, ...extra] = positionals;
  const { reason = '', by, ...configFlags } = flags;
  if (!spec || extra.length > 0 || reason === 'true') return printUsage(usage);
  const { blockVersion } = await import('../core/proxy/blocks.ts');
  const block = await withDeps(configFlags, (deps) => blockVersion(deps, { spec, reason, by: operator(by) }));
  process.stdout.write(`${escapeControls(`Blocked ${block.name}@${block.version}${block.reason ? ` (${block.reason})` : ''}: left out of its packument, its tarball answers 404, also on running servers.`)}\n`);
  return 0;
}

export async function proxyUnblock(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [spec, ...extra] = positionals;
  if (!spec || extra.length > 0) return printUsage(unblockUsage);
  const { unblockVersion } = await import('../core/proxy/blocks.ts');
  const lifted = await withDeps(flags, (deps) => unblockVersion(deps, spec));
  if (!lifted) {
    process.stderr.write(`${escapeControls(`tessera: ${spec} was not blocked.`)}\n`);
    return 1;
  }
  process.stdout.write(`${escapeControls(`Unblocked ${spec}: it is served again (unless its upstream or the minimum release age hides it).`)}\n`);
  return 0;
}

export async function proxyBlocks(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [name, ...extra] = positionals;
  const { json, ...configFlags } = flags;
  if (extra.length > 0) return printUsage(blocksUsage);
  const { listBlocks } = await import('../core/proxy/blocks.ts');
  const blocks = await withDeps(configFlags, (deps) => listBlocks(deps, name ?? null));
  if (json === 'true') {
    process.stdout.write(`${jsonForTerminal(blocks.map((b) => ({ ...b, at: new Date(b.at).toISOString() })))}\n`);
    return 0;
  }
  if (blocks.length === 0) process.stdout.write(name ? `No version of ${escapeControls(name)} is blocked.\n` : 'No version is blocked.\n');
  for (const b of blocks) {
    process.stdout.write(`${escapeControls(`${b.name}@${b.version}  ${new Date(b.at).toISOString()}  by ${b.by}${b.reason ? `  ${b.reason}` : ''}`)}\n`);
  }
  return 0;
}
