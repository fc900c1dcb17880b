// The `tessera` command: one file per subcommand in src/cli/.

import { isDomainError } from './core/errors.ts';
import { ConfigError } from './config/load.ts';
import { parseArgs } from './cli/args.ts';
import { backup } from './cli/backup.ts';
import { migrateCommand } from './cli/migrate.ts';
import { restore } from './cli/restore.ts';
import { serve } from './cli/serve.ts';
import { userAdd } from './cli/user-add.ts';
import { userLog } from './cli/user-log.ts';
import { userReset2fa } from './cli/user-reset-2fa.ts';

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
    if (command === 'serve') return await serve(flags);
    if (command === 'migrate') return await migrateCommand(flags);
    if (command === 'backup') return await backup(sub === undefined ? [] : [sub, ...rest], flags);
    if (command === 'restore') return await restore(sub === undefined ? [] : [sub, ...rest], flags);
    if (command === 'user' && sub === 'add') return await userAdd(rest, flags);
    if (command === 'user' && sub === 'reset-2fa') return await userReset2fa(rest, flags);
    if (command === 'user' && sub === 'log') return await userLog(rest, flags);
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
