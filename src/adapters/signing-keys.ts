// The registry's signing keys (docs/signatures.md). Given by config (`signingKeys`: several nodes
// must sign with, and list, the same keys), or generated on a single node's first start into
// DATA/signing.key, 0600, like DATA/server.key. `tessera keys rotate` rewrites that file; a
// running server sees the change at its next publish or keys request (one stat each).

import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatSigningKeys, generateSigningKey, parseSigningKeys, type RegistrySigning, rotateSigningKeys, type SigningKey, staticSigning,
} from '../core/packages/signatures.ts';

export const SIGNING_KEY_FILE = 'signing.key';

function readKeyFile(file: string): SigningKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file} cannot be read (${(e as NodeJS.ErrnoException).code}).`);
  }
  // The problem is named, never the file's text (a private key).
  try {
    return parseSigningKeys(text);
  } catch (e) {
    throw new Error(`${file} is not a Tessera signing key file: ${(e as Error).message} (its content is not shown).`);
  }
}

/** Writes a key file whole or not at all (a temporary file renamed over it), 0600. */
function writeKeyFile(file: string, keys: SigningKey[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${formatSigningKeys(keys)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/**
 * The signing keys: from `configured` (config `signingKeys`, parsed once) or DATA/signing.key
 * (created with a new key when missing, re-read when the file changes). Throws an Error naming
 * the problem (never a key) when a key is malformed.
 */
export function loadSigning(configured: string, dataDir: string): RegistrySigning {
  if (configured) {
    try {
      return staticSigning(parseSigningKeys(configured));
    } catch (e) {
      throw new Error(`signingKeys: ${(e as Error).message}.`);
    }
  }
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    try {
      // 'wx': never overwrite a key another process wrote meanwhile.
      writeFileSync(file, `${generateSigningKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  let stamp = '';
  let signing = staticSigning(readKeyFile(file));
  const fresh = (): RegistrySigning => {
    const s = statSync(file, { bigint: true });
    const now = `${s.ino}:${s.mtimeNs}:${s.size}`;
    if (now !== stamp) {
      signing = staticSigning(readKeyFile(file));
      stamp = now;
    }
    return signing;
  };
  fresh();
  return { current: () => fresh().current(), list: () => fresh().list() };
}

/** `tessera keys rotate` on a single node: a new key in DATA/signing.key, the old ones expiring `now`. Returns the new key list. */
export function rotateKeyFile(dataDir: string, now: Date): SigningKey[] {
  const file = join(dataDir, SIGNING_KEY_FILE);
  const keys = existsSync(file) ? readKeyFile(file) : [];
  const rotated = rotateSigningKeys(keys, now);
  writeKeyFile(file, rotated);
  return rotated;
}
