// The one contract every Store adapter passes (SQLite, PostgreSQL): each method's behaviour,
// the preconditions checked inside transactions, atomicity, the compare-and-set rules of
// one-time passwords, and what must hold with two store handles on the same data (two nodes,
// or a CLI beside a server). Run by test/contract/sqlite.test.ts and postgres.test.ts.
//
//   storeContract('SQLite', async (clock) => ({ store, open, cleanup }))
//
// The factory returns a fresh, empty store that uses `clock` for its timestamps, a way to open
// another handle on the same data, and a cleanup that closes all of them.

import { describe } from 'node:test';
import { adminContract } from './suite/admin.ts';
import { checker, type StoreFactory } from './suite/harness.ts';
import { miscContract } from './suite/misc.ts';
import { nodeContract } from './suite/nodes.ts';
import { orgContract } from './suite/orgs.ts';
import { orgPackagesContract } from './suite/org-packages.ts';
import { packageContract } from './suite/packages.ts';
import { passkeyContract } from './suite/passkeys.ts';
import { proxyBlocksContract } from './suite/proxy-blocks.ts';
import { proxyContract } from './suite/proxy.ts';
import { rulesContract } from './suite/rules.ts';
import { stageContract } from './suite/stages.ts';
import { tokenContract } from './suite/tokens.ts';
import { trustContract } from './suite/trust.ts';
import { userContract } from './suite/users.ts';

export type { StoreFactory, StoreHandle } from './suite/harness.ts';

export function storeContract(label: string, factory: StoreFactory, options: { subscribe: boolean }): void {
  describe(`Store contract: ${label}`, () => {
    const check = checker(factory);
    userContract(check);
    tokenContract(check);
    packageContract(check);
    rulesContract(check, options.subscribe);
    miscContract(check);
    proxyContract(check, options.subscribe);
    nodeContract(check, options.subscribe);
    proxyBlocksContract(check);
    adminContract(check);
    orgContract(check);
    trustContract(check);
    orgPackagesContract(check);
    passkeyContract(check);
    stageContract(check, options.subscribe);
  });
}
