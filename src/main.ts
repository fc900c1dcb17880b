// The `tessera` command: one file per subcommand in src/cli/.

import { isDomainError } from './core/errors.ts';
import { ConfigError } from './config/load.ts';
import { parseArgs } from './cli/args.ts';
import { type CommandUsage, usageLine } from './cli/usage.ts';

/** Every command, in the order `tessera --help` lists them; each module exports its `usage`. */
const COMMANDS = {
  serve: () => import('./cli/serve.ts'),
  'user add': () => import('./cli/user-add.ts'),
  'user reset-2fa': () => import('./cli/user-reset-2fa.ts'),
  'user log': () => import('./cli/user-log.ts'),
  'user list': () => import('./cli/user-list.ts'),
  'user admin': () => import('./cli/user-admin.ts'),
  'user disable': () => import('./cli/user-disable.ts'),
  'user enable': () => import('./cli/user-enable.ts'),
  'user delete': () => import('./cli/user-delete.ts'),
  'user set-password': () => import('./cli/user-set-password.ts'),
  'package list': () => import('./cli/package-list.ts'),
  'package unpublish': () => import('./cli/package-unpublish.ts'),
  'package owner add': () => import('./cli/package-owner.ts'),
  'package owner rm': async () => ({ usage: (await import('./cli/package-owner.ts')).rmUsage }),
  migrate: () => import('./cli/migrate.ts'),
  backup: () => import('./cli/backup.ts'),
  restore: () => import('./cli/restore.ts'),
  mirror: () => import('./cli/mirror.ts'),
  'proxy block': () => import('./cli/proxy-block.ts'),
  'proxy unblock': async () => ({ usage: (await import('./cli/proxy-block.ts')).unblockUsage }),
  'proxy blocks': async () => ({ usage: (await import('./cli/proxy-block.ts')).blocksUsage }),
  'proxy list': async () => ({ usage: (await import('./cli/proxy-block.ts')).listUsage }),
  'proxy purge': () => import('./cli/proxy-purge.ts'),
  'keys rotate': () => import('./cli/keys-rotate.ts'),
  'org create': () => import('./cli/org.ts'),
  'org adopt': async () => ({ usage: (await import('./cli/org.ts')).adoptUsage }),
} satisfies Record<string, () => Promise<{ usage: CommandUsage }>>;

/** Notes start at this column of the help, after the synopses. */
const NOTE_COLUMN = 53;

/** The text of `tessera --help`: every command's usage line, from the command's own module. */
export async function helpText(): Promise<string> {
  const lines = await Promise.all(Object.values(COMMANDS).map(async (load) => `  ${usageLine((await load()).usage, NOTE_COLUMN)}`));
  return `usage:\n${lines.join('\n')}\nEvery setting (flag, environment variable, configuration file): docs/configuration.md.\n`;
}

/** A reader that stopped reading (a command piped into `head`) ends the command quietly, as Unix tools do. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const { positionals, flags } = parseArgs(argv);
  const [command, sub, ...rest] = positionals;
  try {
    const name =
      command === 'package' && sub === 'owner'
        ? `${command} ${sub} ${rest[0]}`
        : command === 'user' || command === 'proxy' || command === 'keys' || command === 'org' || command === 'package'
          ? `${command} ${sub}`
          : command;
    if (flags.help !== undefined && name !== undefined && Object.hasOwn(COMMANDS, name)) {
      process.stderr.write(`usage: ${usageLine((await COMMANDS[name as keyof typeof COMMANDS]()).usage)}\n`);
      return 0;
    }
    // Each command loads only what it uses (a server on SQLite never loads pg or the S3 client).
    if (command === 'serve') return await (await import('./cli/serve.ts')).serve(flags);
    if (command === 'migrate') return await (await import('./cli/migrate.ts')).migrateCommand(flags);
    const dirs = sub === undefined ? [] : [sub, ...rest];
    if (command === 'backup') return await (await import('./cli/backup.ts')).backup(dirs, flags);
    if (command === 'restore') return await (await import('./cli/restore.ts')).restore(dirs, flags);
    if (command === 'mirror') return await (await import('./cli/mirror.ts')).mirror(dirs, flags);
    if (command === 'keys' && sub === 'rotate' && rest.length === 0) return await (await import('./cli/keys-rotate.ts')).keysRotate(flags);
    if (command === 'user' && sub === 'add') return await (await import('./cli/user-add.ts')).userAdd(rest, flags);
    if (command === 'user' && sub === 'reset-2fa') return await (await import('./cli/user-reset-2fa.ts')).userReset2fa(rest, flags);
    if (command === 'user' && sub === 'log') return await (await import('./cli/user-log.ts')).userLog(rest, flags);
    if (command === 'user' && sub === 'list') return await (await import('./cli/user-list.ts')).userList(rest, flags);
    if (command === 'user' && sub === 'admin') return await (await import('./cli/user-admin.ts')).userAdmin(rest, flags);
    if (command === 'user' && sub === 'disable') return await (await import('./cli/user-disable.ts')).userDisable(rest, flags);
    if (command === 'user' && sub === 'enable') return await (await import('./cli/user-enable.ts')).userEnable(rest, flags);
    if (command === 'user' && sub === 'delete') return await (await import('./cli/user-delete.ts')).userDelete(rest, flags);
    if (command === 'user' && sub === 'set-password') return await (await import('./cli/user-set-password.ts')).userSetPassword(rest, flags);
    if (command === 'package' && sub === 'list') return await (await import('./cli/package-list.ts')).packageList(rest, flags);
    if (command === 'package' && sub === 'unpublish') return await (await import('./cli/package-unpublish.ts')).packageUnpublish(rest, flags);
    if (command === 'package' && sub === 'owner' && rest[0] === 'add') return await (await import('./cli/package-owner.ts')).packageOwnerAdd(rest.slice(1), flags);
    if (command === 'package' && sub === 'owner' && rest[0] === 'rm') return await (await import('./cli/package-owner.ts')).packageOwnerRm(rest.slice(1), flags);
    if (command === 'proxy' && sub === 'block') return await (await import('./cli/proxy-block.ts')).proxyBlock(rest, flags);
    if (command === 'proxy' && sub === 'unblock') return await (await import('./cli/proxy-block.ts')).proxyUnblock(rest, flags);
    if (command === 'proxy' && sub === 'blocks') return await (await import('./cli/proxy-block.ts')).proxyBlocks(rest, flags);
    if (command === 'proxy' && sub === 'list') return await (await import('./cli/proxy-block.ts')).proxyList(rest, flags);
    if (command === 'org' && sub === 'create') return await (await import('./cli/org.ts')).orgCreate(rest, flags);
    if (command === 'org' && sub === 'adopt') return await (await import('./cli/org.ts')).orgAdopt(rest, flags);
    if (command === 'proxy' && sub === 'purge') return await (await import('./cli/proxy-purge.ts')).proxyPurge(rest, flags);
    process.stderr.write(await helpText());
    return command === undefined || command === 'help' || flags.help !== undefined ? 0 : 2;
  } catch (e) {
    if (e instanceof ConfigError || isDomainError(e)) {
      process.stderr.write(`tessera: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
