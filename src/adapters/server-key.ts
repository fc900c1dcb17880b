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
  // The problem is named, never the file's text: a key file replaced by (or linked to) another
  // file must not print that file's first line into a start error (review 2, #7).
  try {
    return parseKeyRing(readFileSync(file, 'utf8').trim());
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new Error(`${file} cannot be read (${code}).`);
    throw new Error(`${file} is not a Tessera key file: it must hold lines NAME:BASE64 of 32-byte keys, as Tessera writes it (its content is not shown).`);
  }
}
