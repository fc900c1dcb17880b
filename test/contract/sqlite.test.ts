// The store contract against SQLite: a fresh database file per test.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/ports.ts';
import { createSqliteStore } from '../../src/adapters/sqlite/index.ts';
import { storeContract } from './store-contract.ts';

storeContract(
  'SQLite',
  async (clock) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-contract-'));
    const file = join(dir, 'tessera.db');
    const opened: Store[] = [createSqliteStore(file, clock)];
    return {
      store: opened[0],
      async open() {
        const another = createSqliteStore(file, clock);
        opened.push(another);
        return another;
      },
      async cleanup() {
        for (const s of opened) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { subscribe: false },
);
