// tessera keys rotate: a new registry signing key signs from now on; the old ones stay listed at
// /-/npm/v1/keys with `expires` set, so versions signed before keep verifying (npm compares a
// version's publish time with `expires`). A single node's DATA/signing.key is rewritten (0600)
// and a running server takes it at its next publish or keys request. Keys given by config
// (`signingKeys`, several nodes) are not changed: the command prints the two config values to
// roll to every node (docs/signatures.md).

import { loadConfig } from '../config/load.ts';
import { requireRegistry } from './open-registry.ts';
import type { CommandUsage } from './usage.ts';

export const usage: CommandUsage = { synopsis: 'tessera keys rotate [--data DIR] [--expires ISO-TIME (signingKeys only)]', note: 'new registry signing key' };

export async function keysRotate(flags: Record<string, string>): Promise<number> {
  const { resolve } = await import('node:path');
  const { mkdirSync } = await import('node:fs');
  const { expires: expiresFlag, ...rest } = flags;
  const config = loadConfig({ flags: rest, env: process.env });
  const { formatSigningKeys, generateSigningKey, parseSigningKeys, signingKeyFromBase64 } = await import('../core/packages/signatures.ts');
  if (config.signingKeys) {
    let keys;
    try {
      keys = parseSigningKeys(config.signingKeys);
    } catch (e) {
      process.stderr.write(`tessera: signingKeys: ${(e as Error).message}.\n`);
      return 2;
    }
    const expires = expiresFlag ? new Date(expiresFlag) : new Date(Date.now() + 3600_000);
    if (Number.isNaN(expires.getTime()) || !/^\d{4}-\d\d-\d\d/.test(expiresFlag ?? expires.toISOString()) || expires.getTime() <= Date.now()) {
      process.stderr.write('tessera: --expires must be an ISO-8601 time in the future (e.g. 2026-12-01T12:00:00Z).\n');
      return 2;
    }
    const fresh = signingKeyFromBase64(generateSigningKey(), null);
    const line = (ks: typeof keys) => formatSigningKeys(ks).split('\n').join(',');
    const step1 = [...keys, fresh];
    const step2 = [fresh, ...keys.map((k) => (k.expires === null ? { ...k, expires: expires.toISOString() } : k))];
    process.stdout.write(
      `signingKeys comes from the configuration: nothing was changed. New key ${fresh.keyid}. Roll it to every node in two steps:\n` +
        `1. On every node (the current key still signs; the new one is listed):\n   signingKeys=${line(step1)}\n` +
        `2. Once every node runs step 1, on every node before ${expires.toISOString()} (the new key signs; the old ones expire then):\n   signingKeys=${line(step2)}\n`,
    );
    return 0;
  }
  if (expiresFlag !== undefined) {
    process.stderr.write('tessera: --expires applies to keys given by signingKeys (several nodes); on a single node the old key expires at the moment of rotation.\n');
    return 2;
  }
  requireRegistry(config);
  const data = resolve(config.data);
  mkdirSync(data, { recursive: true, mode: 0o700 });
  const { rotateKeyFile, SIGNING_KEY_FILE } = await import('../adapters/signing-keys.ts');
  const rotated = rotateKeyFile(data, new Date());
  const old = rotated.slice(1).map((k) => `${k.keyid} (expires ${k.expires})`);
  process.stdout.write(
    `New signing key ${rotated[0].keyid} in ${resolve(data, SIGNING_KEY_FILE)}; a running server signs with it from its next publish.\n` +
      (old.length ? `Still listed: ${old.join(', ')}.\n` : ''),
  );
  return 0;
}
