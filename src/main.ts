// The `tessera` command: one file per subcommand in src/cli/.

import { isDomainError } from './core/errors.ts';
import { ConfigError } from './config/load.ts';
import { parseArgs } from './cli/args.ts';

const USAGE = `usage:
  tessera serve [--host H] [--port P] [--data DIR] [--url PUBLIC_URL] [--config FILE] [--signup open|closed] ...
  tessera user add NAME --email EMAIL [--data DIR]     (password on stdin)
  tessera user reset-2fa NAME [--data DIR]             (lost device and recovery codes)
  tessera user log NAME [--limit N] [--json] [--data DIR]
  tessera migrate [--data DIR | --database postgres://...] [--blobs s3://...]
  tessera backup DIR [--data DATA]                     (SQLite, tarballs, server.key; while serving)
  tessera restore DIR [--data DATA]                    (into an empty data folder)
`;

export async function main(argv: string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv);
  const [command, sub, ...rest] = positionals;
  try {
    // Each command loads only what it uses (a server on SQLite never loads pg or the S3 client).
    if (command === 'serve') return await (await import('./cli/serve.ts')).serve(flags);
    if (command === 'migrate') return await (await import('./cli/migrate.ts')).migrateCommand(flags);
    const dirs = sub === undefined ? [] : [sub, ...rest];
    if (command === 'backup') return await (await import('./cli/backup.ts')).backup(dirs, flags);
    if (command === 'restore') return await (await import('./cli/restore.ts')).restore(dirs, flags);
    if (command === 'user' && sub === 'add') return await (await import('./cli/user-add.ts')).userAdd(rest, flags);
    if (command === 'user' && sub === 'reset-2fa') return await (await import('./cli/user-reset-2fa.ts')).userReset2fa(rest, flags);
    if (command === 'user' && sub === 'log') return await (await import('./cli/user-log.ts')).userLog(rest, flags);
    process.stderr.write(USAGE);
    return command === undefined || command === 'help' ? 0 : 2;
  } catch (e) {
    if (e instanceof ConfigError || isDomainError(e)) {
      process.stderr.write(`tessera: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
