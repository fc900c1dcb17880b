// How each upstream fared lately, in memory (per node): the web UI's list of upstreams shows
// it to signed-in users (reachable, last error). Written by the proxy on every upstream answer.

export interface UpstreamStatus {
  name: string;
  /** Last answer that could be used (ms since the epoch), or null. */
  lastSuccessAt: number | null;
  /** Last failure: its message (names the upstream and the reason, never credentials) and time. */
  lastError: string | null;
  lastErrorAt: number | null;
}

export class UpstreamState {
  private readonly byName = new Map<string, UpstreamStatus>();

  private entry(name: string): UpstreamStatus {
    let s = this.byName.get(name);
    if (!s) this.byName.set(name, (s = { name, lastSuccessAt: null, lastError: null, lastErrorAt: null }));
    return s;
  }

  success(name: string, at: number): void {
    this.entry(name).lastSuccessAt = at;
  }

  failure(name: string, at: number, message: string): void {
    const s = this.entry(name);
    s.lastError = message;
    s.lastErrorAt = at;
  }

  /** The status of one upstream (never asked yet: all null). */
  of(name: string): UpstreamStatus {
    return { ...(this.byName.get(name) ?? { name, lastSuccessAt: null, lastError: null, lastErrorAt: null }) };
  }

  /** Whether the last answer of the upstream was a success (null: never asked). */
  reachable(name: string): boolean | null {
    const s = this.byName.get(name);
    if (!s) return null;
    return (s.lastSuccessAt ?? -1) >= (s.lastErrorAt ?? -1);
  }
}
