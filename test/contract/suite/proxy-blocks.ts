// Administrators' blocks of upstream versions (`tessera proxy block`): Store.proxy.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Store, StoreChange } from '../../../src/core/ports.ts';
import type { Check } from './harness.ts';

async function until(what: string, ok: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function proxyBlocksContract(check: Check): void {
  describe('proxy blocks', () => {
    check('a block is kept with its reason, listed per name and in all, replaced by a new block of the same version, and removed by unblock', async ({ store, clock }) => {
      assert.deepEqual(await store.proxy.blocks(null), []);
      const at = clock.now();
      await store.proxy.block({ name: 'lodash', version: '4.17.22', reason: 'worm', by: 'admin', at });
      await store.proxy.block({ name: '@acme/x', version: '1.0.0', reason: '', by: 'ops', at: at + 1 });
      await store.proxy.block({ name: 'lodash', version: '4.17.21', reason: 'bad', by: 'admin', at: at + 2 });
      assert.deepEqual(await store.proxy.blocks('lodash'), [
        { name: 'lodash', version: '4.17.21', reason: 'bad', by: 'admin', at: at + 2 },
        { name: 'lodash', version: '4.17.22', reason: 'worm', by: 'admin', at },
      ]);
      assert.deepEqual((await store.proxy.blocks(null)).map((b) => `${b.name}@${b.version}`), ['@acme/x@1.0.0', 'lodash@4.17.21', 'lodash@4.17.22']);
      await store.proxy.block({ name: 'lodash', version: '4.17.22', reason: 'worm, INC-42', by: 'bob', at: at + 3 });
      assert.deepEqual(await store.proxy.blocks('lodash'), [
        { name: 'lodash', version: '4.17.21', reason: 'bad', by: 'admin', at: at + 2 },
        { name: 'lodash', version: '4.17.22', reason: 'worm, INC-42', by: 'bob', at: at + 3 },
      ]);
      assert.equal(await store.proxy.unblock('lodash', '4.17.22'), true);
      assert.equal(await store.proxy.unblock('lodash', '4.17.22'), false, 'nothing left to unblock');
      assert.equal(await store.proxy.unblock('nothing', '1.0.0'), false);
      assert.deepEqual((await store.proxy.blocks('lodash')).map((b) => b.version), ['4.17.21']);
      assert.deepEqual(await store.proxy.blocks('Lodash'), [], 'names are exact');
    });

    check('a block or unblock by another process (the CLI) is seen there at once and announced to a running server, so it drops its cached packument', async ({ store, open }) => {
      const server: Store = await open();
      const heard: StoreChange[] = [];
      const stop = server.subscribe ? await server.subscribe((e) => heard.push(e)) : null;
      const cli: Store = await open();
      await cli.proxy.block({ name: 'left-pad', version: '1.3.0', reason: 'pulled upstream', by: 'admin', at: 1 });
      assert.deepEqual((await server.proxy.blocks('left-pad')).map((b) => b.reason), ['pulled upstream']);
      assert.deepEqual((await store.proxy.blocks(null)).length, 1);
      // PostgreSQL: a 'package' notice of the name; SQLite: the data_version poll's 'reset'.
      const dropped = () => heard.some((e) => e.type === 'reset' || (e.type === 'package' && e.name === 'left-pad'));
      if (stop) await until('the block was heard', dropped);
      heard.length = 0;
      assert.equal(await cli.proxy.unblock('left-pad', '1.3.0'), true);
      assert.deepEqual(await server.proxy.blocks('left-pad'), []);
      if (stop) {
        await until('the unblock was heard', dropped);
        await stop();
      }
    });
  });
}
