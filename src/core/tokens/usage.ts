// When tokens were last used: remembered in memory on every request (a Map write) and
// written to the store in batches, never one write per request.

import type { TokenStore } from '../ports.ts';

export class TokenUsage {
  private pending = new Map<string, number>();

  constructor(private readonly tokens: Pick<TokenStore, 'recordUse'>) {}

  record(key: string, atMs: number): void {
    this.pending.set(key, atMs);
  }

  /** The last use not yet written, if any. */
  lastUsed(key: string): string | undefined {
    const at = this.pending.get(key);
    return at === undefined ? undefined : new Date(at).toISOString();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([key, at]) => ({ key, at: new Date(at).toISOString() }));
    this.pending = new Map();
    await this.tokens.recordUse(batch);
  }
}
