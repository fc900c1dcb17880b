// tessera proxy block NAME@VERSION [--reason TEXT], tessera proxy unblock NAME@VERSION,
// tessera proxy blocks [NAME]: administrators' blocks of upstream versions (docs/proxy.md,
// "Blocking a version"). Works beside a running server: it stops listing the version at once
// on PostgreSQL (a notification) and within about 250 ms on SQLite (the data_version poll).

import { userInfo } from 'node:os';
import { withRegistry } from './open-registry.ts';
import { escapeControls } from '../core/text.ts';
import { type CommandUsage, printUsage } from './usage.ts';
import { jsonForTerminal } from './user-log.ts';

export const usage: CommandUsage = { synopsis: 'tessera proxy block NAME@VERSION [--reason TEXT] [--by NAME] [--data DIR]', note: 'hide an upstream version' };
export const unblockUsage: CommandUsage = { synopsis: 'tessera proxy unblock NAME@VERSION [--data DIR]' };
export const blocksUsage: CommandUsage = { synopsis: 'tessera proxy blocks [NAME] [--json] [--data DIR]', note: 'list blocked versions' };
export const listUsage: CommandUsage = { synopsis: 'tessera proxy list [PREFIX] [--json] [--data DIR]', note: 'what the proxy keeps' };

/** Who the block is recorded as: --by, else the operating-system user running the command. */
function operator(by: string | undefined): string {
  if (by !== undefined && by !== 'true') return by;
  try {
    return userInfo().username || 'admin';
  } catch {
    return 'admin';
  }
}

export async function proxyBlock(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [spec, ...extra] = positionals;
  const { reason = '', by, ...configFlags } = flags;
  if (!spec || extra.length > 0 || reason === 'true') return printUsage(usage);
  const { blockVersion } = await import('../core/proxy/blocks.ts');
  const block = await withRegistry(configFlags, { existing: true }, (deps) => blockVersion(deps, { spec, reason, by: operator(by) }));
  process.stdout.write(`${escapeControls(`Blocked ${block.name}@${block.version}${block.reason ? ` (${block.reason})` : ''}: left out of its packument, its tarball answers 404, also on running servers.`)}\n`);
  if (!block.cached) process.stdout.write(`${escapeControls(`Note: nothing of ${block.name} is cached here yet (check the name); the block applies when it is first fetched.`)}\n`);
  return 0;
}

export async function proxyUnblock(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [spec, ...extra] = positionals;
  if (!spec || extra.length > 0) return printUsage(unblockUsage);
  const { unblockVersion } = await import('../core/proxy/blocks.ts');
  const lifted = await withRegistry(flags, { existing: true }, (deps) => unblockVersion(deps, spec));
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
  const blocks = await withRegistry(configFlags, { existing: true }, (deps) => listBlocks(deps, name ?? null));
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

/** MiB with one decimal, KiB below one MiB. */
function size(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * tessera proxy list [PREFIX] [--json]: every name the proxy keeps a copy of (or those starting
 * with PREFIX, e.g. `@babel/`), with its upstream, last fetch, tarballs stored and blocked
 * versions, then the totals. Read from the store a page at a time (core/proxy/blocks.ts listCached).
 */
export async function proxyList(positionals: string[], flags: Record<string, string>): Promise<number> {
  const [prefix, ...extra] = positionals;
  const { json, ...configFlags } = flags;
  if (extra.length > 0) return printUsage(listUsage);
  const { listCached } = await import('../core/proxy/blocks.ts');
  return withRegistry(configFlags, { existing: true }, async (deps) => {
    let names = 0;
    let tarballs = 0;
    let bytes = 0;
    const rows = [];
    for await (const p of listCached(deps, prefix ?? '')) {
      names++;
      tarballs += p.tarballs;
      bytes += p.tarballBytes;
      if (json === 'true') {
        rows.push({ ...p, fetchedAt: new Date(p.fetchedAt).toISOString() });
        continue;
      }
      const blocked = p.blocked > 0 ? `  ${p.blocked} blocked` : '';
      process.stdout.write(`${escapeControls(`${p.name}  from ${p.upstream}  fetched ${new Date(p.fetchedAt).toISOString()}  ${p.tarballs} tarball(s), ${size(p.tarballBytes)}${blocked}`)}\n`);
    }
    if (json === 'true') {
      process.stdout.write(`${jsonForTerminal(rows)}\n`);
      return 0;
    }
    const scope = prefix ? ` starting with ${escapeControls(prefix)}` : '';
    process.stdout.write(names === 0 ? `The proxy keeps nothing${scope}.\n` : `${names} package(s)${scope}, ${tarballs} tarball(s), ${size(bytes)}.\n`);
    return 0;
  });
}
