// Deadlines and a per-client cap for every connection (review 2 finding 2):
//
// - Headers must arrive within `headersTimeoutSeconds` (Node's headersTimeout, checked every
//   second; the client gets 408 JSON, see answerClientError in app.ts).
// - A connection that is waiting on its client, either for the rest of a request body or to
//   take response bytes it has not read, must move at least `minTransferRate` bytes per second;
//   after `transferGraceSeconds` in a row below that rate it is dropped. A slow but steady
//   sender (a large publish over a poor link) finishes; a trickle of one byte every few seconds,
//   or a reader that stopped reading a tarball, does not hold the connection.
// - Between requests, a kept-alive connection is closed after `keepAliveSeconds` idle.
// - One client address (IPv4, or IPv6 per /64) holds at most `maxConnectionsPerClient`
//   connections at once; further ones get 429 JSON and are closed. Addresses in
//   `connectionLimitExempt`, and trusted proxies (whose connections carry many clients and whose
//   client address is known only per request), are not capped. Loopback is capped too.
// - The whole server holds at most `maxConnections` connections (review 2, edge re-attack item
//   2), by default half of what the process's open-file limit leaves after RESERVED_DESCRIPTORS
//   (each connection may hold a second descriptor: a tarball being read or written, or an S3
//   socket). When full, idle connections (kept alive between requests, or that have sent
//   nothing yet) are closed to make room (at most once a second); if none is idle, the new
//   connection gets 503 JSON and is closed. Exempt addresses and proxies count here too: the
//   cap protects the descriptors the database and the blobs need, whoever holds the sockets.
//
// The cost on the read fast path is nil per request: the watch is one timer per server that
// looks at each open socket once a second, and the cap is counted per connection.

import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { addressNetwork } from '../core/accounts/address.ts';
import { type Cidr, cidrContains, rangeOf } from '../core/tokens/cidr.ts';
import { errorBody } from './reply-error.ts';

export interface ConnectionLimits {
  /** Time for the request line and headers, in ms (0 = none). */
  headersTimeoutMs: number;
  /** Idle time between requests on a kept-alive connection, in ms. */
  keepAliveMs: number;
  /** Minimum bytes per second while the server waits on the client (0 = no minimum). */
  minBytesPerSecond: number;
  /** How long, in ms, a transfer may stay below the minimum rate before it is dropped. */
  graceMs: number;
  /** Most concurrent connections per client address (0 = no cap). */
  maxPerClient: number;
  /** Addresses or CIDRs the cap does not apply to (e.g. a proxy or a NAT of many users). */
  exempt: string[];
  /** Most concurrent connections to the whole server (0 = no cap); see connectionCap. */
  maxConnections: number;
}

/**
 * Descriptors kept out of the connection cap for the rest of the process: Node and libuv
 * (~20), stdio and logs, SQLite's database, WAL and shared-memory files, the PostgreSQL pool
 * (10 sockets), the migrations and key files, with room to spare.
 */
export const RESERVED_DESCRIPTORS = 100;

/**
 * The soft open-file limit of this process (RLIMIT_NOFILE), read from /proc/self/limits on
 * Linux (Node raises the soft limit to the hard one at start, so this is what the process has);
 * null elsewhere, when unreadable, or when unlimited.
 */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(read());
    const n = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * The connection cap for an open-file limit: each connection may hold two descriptors (its
 * socket and a tarball file or S3 socket), after RESERVED_DESCRIPTORS. At least 16. `configured`
 * (the `maxConnections` key, when not 0) wins; with no known limit and none configured, 0 (none).
 */
export function connectionCap(fileLimit: number | null, configured = 0): number {
  if (configured > 0) return configured;
  if (fileLimit === null) return 0;
  return Math.max(16, Math.floor((fileLimit - RESERVED_DESCRIPTORS) / 2));
}

/**
 * A start-up warning when the open-file limit is low for the caps (null when it is fine): the
 * configured `maxConnections` could use up the descriptors, or the derived cap is reached by
 * fewer than 16 clients each at `maxConnectionsPerClient`.
 */
export function descriptorWarning(fileLimit: number | null, configured: number, maxPerClient: number): string | null {
  if (fileLimit === null) {
    return configured > 0 ? null : 'the open-file limit of this process is unknown (not Linux): set maxConnections so that connections cannot use up the descriptors the database and tarballs need.';
  }
  const safe = connectionCap(fileLimit);
  const raise = 'raise it (ulimit -n, systemd LimitNOFILE=, docker --ulimit nofile=) or lower the caps; see docs/security.md.';
  if (configured > safe) {
    return `maxConnections is ${configured}, but the open-file limit of ${fileLimit} leaves room for only ${safe} connections beside the database and tarball files: ${raise}`;
  }
  const cap = connectionCap(fileLimit, configured);
  if (maxPerClient > 0 && cap < 16 * maxPerClient) {
    return `the open-file limit of ${fileLimit} allows ${cap} connections, which ${Math.ceil(cap / maxPerClient)} clients at maxConnectionsPerClient (${maxPerClient}) fill: ${raise}`;
  }
  return null;
}

const TICK_MS = 1000;

/** A JSON error answer written straight to a socket that is then closed. */
function refuse(socket: Socket, status: string, code: string, text: string): void {
  const body = JSON.stringify(errorBody(text, code));
  socket.on('error', () => {});
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${body}`);
  socket.destroySoon();
}

/** `10.0.0.0/8`, `::1` or `127.0.0.1` as a range (a bare address is a range of one); null if neither. */
interface Watched {
  /** The request whose body is being received, while it is incomplete. */
  req: IncomingMessage | null;
  lastRead: number;
  lastSent: number;
  slowMs: number;
}

const kWatch = Symbol('tessera.watch');
type WatchedSocket = Socket & { [kWatch]?: Watched };

/** Bytes the kernel has taken from this socket (written minus still queued in Node). */
const sentBytes = (s: Socket) => s.bytesWritten - s.writableLength;

/**
 * Applies the limits to `server`: Node's own header and keep-alive timeouts, the rate watch
 * and the per-client cap. `trusted` are the trusted proxies (exempt from the cap). Returns the
 * per-request hook to call with each request that has a body (it lets the watch know a body is
 * being received).
 */
export function guardConnections(server: Server, limits: ConnectionLimits, trusted: string[]): (req: IncomingMessage) => void {
  server.headersTimeout = limits.headersTimeoutMs;
  // The body is watched by rate below, not by one fixed deadline that a large slow publish
  // could not meet; Node's requestTimeout would also count the time the server works.
  server.requestTimeout = 0;
  server.keepAliveTimeout = limits.keepAliveMs;
  const exempt = [...limits.exempt, ...trusted].map(rangeOf).filter((c): c is Cidr => c !== null);
  const perClient = new Map<string, number>();
  const sockets = new Set<WatchedSocket>();
  // Every open connection (for the server-wide cap), and when idle ones were last closed.
  const all = new Set<Socket>();
  let lastSweep = 0;
  /** Closes the idle connections (at most once a second); true if that freed any. */
  const makeRoom = (): boolean => {
    const now = Date.now();
    if (now - lastSweep < 1000) return false;
    lastSweep = now;
    server.closeIdleConnections();
    for (const s of all) if (s.destroyed) return true;
    return false;
  };

  server.on('connection', (socket: WatchedSocket) => {
    if (limits.maxConnections > 0) {
      if (all.size >= limits.maxConnections && !makeRoom()) {
        refuse(socket, '503 Service Unavailable', 'SERVER_BUSY', 'The registry holds as many connections as it can; try again shortly.');
        return;
      }
      all.add(socket);
      socket.once('close', () => all.delete(socket));
    }
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    if (limits.maxPerClient > 0 && !exempt.some((c) => cidrContains(c, address))) {
      const key = addressNetwork(address);
      const open = perClient.get(key) ?? 0;
      if (open >= limits.maxPerClient) {
        refuse(socket, '429 Too Many Requests', 'TOO_MANY_CONNECTIONS', `Too many connections from your address (at most ${limits.maxPerClient} at once).`);
        return;
      }
      perClient.set(key, open + 1);
      socket.once('close', () => {
        const n = (perClient.get(key) ?? 1) - 1;
        if (n <= 0) perClient.delete(key);
        else perClient.set(key, n);
      });
    }
    if (limits.minBytesPerSecond > 0) {
      socket[kWatch] = { req: null, lastRead: 0, lastSent: 0, slowMs: 0 };
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
  });

  if (limits.minBytesPerSecond > 0) {
    const minPerTick = (limits.minBytesPerSecond * TICK_MS) / 1000;
    const timer = setInterval(() => {
      for (const socket of sockets) {
        const w = socket[kWatch]!;
        const read = socket.bytesRead;
        const sent = sentBytes(socket);
        const req = w.req && !w.req.complete && !w.req.destroyed ? w.req : null;
        if (!req) w.req = null;
        // Waiting on the client: a body is arriving and the server is reading it (not holding
        // it back itself), or response bytes are queued because the client does not read.
        const receiving = req !== null && req.readableLength < req.readableHighWaterMark;
        const sending = socket.writableLength > 0;
        const moved = (receiving ? read - w.lastRead : 0) + (sending ? sent - w.lastSent : 0);
        w.lastRead = read;
        w.lastSent = sent;
        if ((!receiving && !sending) || moved >= minPerTick) {
          w.slowMs = 0;
          continue;
        }
        w.slowMs += TICK_MS;
        if (w.slowMs > limits.graceMs) socket.destroy();
      }
    }, TICK_MS);
    timer.unref();
    server.once('close', () => clearInterval(timer));
  }

  return (req) => {
    const w = (req.socket as WatchedSocket)[kWatch];
    if (w) {
      w.req = req;
      w.lastRead = req.socket.bytesRead;
      w.slowMs = 0;
    }
  };
}
