// The keys that seal TOTP secrets. Given by config (several nodes sharing a database need
// the same keys), or generated on a single node's first start into DATA/server.key, 0600.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, type KeyRing, parseKeyRing } from '../core/accounts/secret-box.ts';

export function loadKeyRing(configured: string, dataDir: string): KeyRing {
  if (configured) return parseKeyRing(configured);
  const file = join(dataDir, 'server.key');
  if (!existsSync(file)) {
    const spec = `k${Date.now().toString(36)}:${generateKey().toString('base64')}`;
    // 'wx': never overwrite a key another process wrote meanwhile.
    try {
      writeFileSync(file, `${spec}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return parseKeyRing(readFileSync(file, 'utf8').trim());
}
