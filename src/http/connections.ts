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
//
// The cost on the read fast path is nil per request: the watch is one timer per server that
// looks at each open socket once a second, and the cap is counted per connection.

import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { type Cidr, cidrContains, parseIp, rangeOf } from '../core/tokens/cidr.ts';
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
}

const TICK_MS = 1000;

/**
 * The key a client address is counted under: the IPv4 address, or the first 64 bits of an
 * IPv6 one (one customer's usual delegation, RFC 6177), written as hex; IPv4-mapped IPv6 is
 * IPv4. An address that does not parse counts as itself.
 */
export function clientKey(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  if (ip.family === 4) return ip.bytes.join('.');
  return `${Buffer.from(ip.bytes.subarray(0, 8)).toString('hex')}::/64`;
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

  server.on('connection', (socket: WatchedSocket) => {
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    if (limits.maxPerClient > 0 && !exempt.some((c) => cidrContains(c, address))) {
      const key = clientKey(address);
      const open = perClient.get(key) ?? 0;
      if (open >= limits.maxPerClient) {
        const body = JSON.stringify(errorBody(`Too many connections from your address (at most ${limits.maxPerClient} at once).`, 'TOO_MANY_CONNECTIONS'));
        socket.on('error', () => {});
        socket.end(
          `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${body}`,
        );
        socket.destroySoon();
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
