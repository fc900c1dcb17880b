// tessera serve: start the registry; SIGTERM/SIGINT drain in-flight requests, close the
// database and exit 0.

import { loadConfig } from '../config/load.ts';
import { proxySummary } from '../core/proxy/rules.ts';
import type { CommandUsage } from './usage.ts';

export const usage: CommandUsage = {
  synopsis: 'tessera serve [--host H] [--port P] [--data DIR] [--url PUBLIC_URL] [--config FILE] [--signup auto|open|closed] ...',
};

export async function serve(flags: Record<string, string>): Promise<number> {
  const config = loadConfig({ flags, env: process.env });
  const { createServer, defaultPublicUrl, passkeyNotice, signupLine, startupWarning } = await import('../server.ts');
  const warning = startupWarning(config);
  if (warning) process.stderr.write(`Tessera: warning: ${warning}\n`);
  const passkeys = passkeyNotice(config);
  if (passkeys) process.stderr.write(`Tessera: note: ${passkeys}\n`);
  const logger = config.logLevel === 'silent' ? false : { level: config.logLevel };
  const server = await createServer(config, { logger });
  await server.app.listen({ host: config.host, port: config.port });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (!config.url) server.deps.settings.publicUrl = defaultPublicUrl(config, port);
  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`Tessera listening on ${server.https ? 'https' : 'http'}://${shown}:${port}/ (public URL ${server.deps.settings.publicUrl})\n`);
  process.stdout.write(`${proxySummary(server.deps.settings.proxy)}\n`);
  process.stdout.write(`${signupLine(config)}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`Tessera: ${signal}, draining requests and closing\n`);
      server.close().then(
        () => resolve(0),
        (e: unknown) => {
          process.stderr.write(`Tessera: error while closing: ${String(e)}\n`);
          resolve(1);
        },
      );
    };
    // SIGHUP (systemctl reload): the TLS files again, for a renewed certificate; a bad new pair
    // is reported and the old one kept.
    process.on('SIGHUP', () => {
      if (stopping) return;
      try {
        server.reloadTls();
        process.stdout.write(`Tessera: SIGHUP, TLS certificate ${config.tlsCert} and key reloaded\n`);
      } catch (e) {
        process.stderr.write(`Tessera: SIGHUP: ${(e as Error).message}; the previous certificate stays in use\n`);
      }
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
