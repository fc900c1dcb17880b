// Cross-node notifications: every package commit runs pg_notify(PACKAGE_CHANNEL, name) inside
// its transaction (and every change of an account or its tokens pg_notify(ACCOUNT_CHANNEL, id)), and each node holds one dedicated connection that LISTENs on the channel,
// so a node drops its cached packument within milliseconds of a commit on another node.
// When that connection is lost, notifications may have been missed: listeners hear 'reset'
// (drop every cache) at once and again after reconnecting. A periodic ping notices a
// connection that died silently.

import pg from 'pg';
import type { StoreChange } from '../../core/ports.ts';
import { ACCOUNT_CHANNEL, ORGS_PAYLOAD, PACKAGE_CHANNEL } from './channels.ts';

const PING_MS = 5_000;
/** How the listening connection shows in pg_stat_activity. */
export const LISTENER_NAME = 'tessera-listen';
const MAX_BACKOFF_MS = 5_000;

export interface Listener {
  subscribe(listener: (event: StoreChange) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createListener(url: string): Listener {
  const listeners = new Set<(event: StoreChange) => void>();
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;
  let everConnected = false;
  let backoff = 250;
  let ping: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;

  const emit = (event: StoreChange) => {
    for (const l of listeners) l(event);
  };

  function lost(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    c.end().catch(() => {});
    if (closed) return;
    emit({ type: 'reset' });
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => {});
    }, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  async function open(): Promise<void> {
    const c = new pg.Client({ connectionString: url, keepAlive: true, application_name: LISTENER_NAME });
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (n.channel === PACKAGE_CHANNEL && n.payload) emit({ type: 'package', name: n.payload });
      if (n.channel === ACCOUNT_CHANNEL && n.payload === ORGS_PAYLOAD) emit({ type: 'orgs' });
      else if (n.channel === ACCOUNT_CHANNEL && n.payload) emit({ type: 'user', id: Number(n.payload) });
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${PACKAGE_CHANNEL}`);
      await c.query(`LISTEN ${ACCOUNT_CHANNEL}`);
    } catch (e) {
      c.end().catch(() => {});
      throw e;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    backoff = 250;
    // Changes committed while no connection listened were not heard.
    if (everConnected) emit({ type: 'reset' });
    everConnected = true;
  }

  function connect(): Promise<void> {
    connecting ??= open().then(
      () => {
        connecting = null;
      },
      (e: unknown) => {
        connecting = null;
        if (!closed) {
          retry = setTimeout(() => {
            retry = null;
            connect().catch(() => {});
          }, backoff);
          retry.unref();
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
        throw e;
      },
    );
    return connecting;
  }

  function startPing(): void {
    if (ping) return;
    ping = setInterval(() => {
      const c = client;
      if (!c) return;
      const timer = setTimeout(() => lost(c), PING_MS);
      c.query('SELECT 1').then(
        () => clearTimeout(timer),
        () => {
          clearTimeout(timer);
          lost(c);
        },
      );
    }, PING_MS);
    ping.unref();
  }

  return {
    async subscribe(listener) {
      listeners.add(listener);
      if (!client) await connect();
      startPing();
      return async () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      if (ping) clearInterval(ping);
      if (retry) clearTimeout(retry);
      await connecting?.catch(() => {});
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
