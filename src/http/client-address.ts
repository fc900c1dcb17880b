// The client's address of a request: one rule for every path that reads it (the read fast path,
// the routes' RequestContext, token CIDR checks, login throttles, security events, request logs).

import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError } from '../config/load.ts';
import { cidrContains, rangeOf, type Cidr } from '../core/tokens/cidr.ts';

/** `::ffff:127.0.0.1` is 127.0.0.1. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export type ClientAddress = (req: Pick<IncomingMessage, 'headers' | 'socket'>) => string;

/**
 * Builds the resolver for a list of trusted proxies (`trustedProxies` in the config: addresses
 * or CIDR ranges, IPv4 or IPv6). The address is the socket's peer; when that peer is a trusted
 * proxy, `X-Forwarded-For` is read from right to left and the first entry that is not a trusted
 * proxy is the client (the rightmost untrusted entry: entries left of it were written by the
 * client itself and prove nothing; the rule of proxy-addr, which Express and Fastify use). When
 * every entry is trusted, the leftmost is the client. An entry that is not an IP address stops
 * the walk at the trusted hop that passed it on (that hop's address is returned). IPv4-mapped
 * IPv6 addresses (`::ffff:a.b.c.d`) come back as IPv4; with no proxies the header is ignored.
 * Throws a ConfigError naming an entry of `trustedProxies` that is neither an address nor a range.
 */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddress {
  const ranges: Cidr[] = trustedProxies.map((entry) => {
    const range = rangeOf(entry);
    if (!range) throw new ConfigError(`Invalid configuration: trustedProxies: "${entry}" is neither an IP address nor a CIDR range.`);
    return range;
  });
  const trusted = (ip: string) => ranges.some((r) => cidrContains(r, ip));
  return (req) => {
    let ip = normaliseIp(req.socket.remoteAddress ?? '');
    if (ranges.length === 0 || !trusted(ip)) return ip;
    const header = req.headers['x-forwarded-for'];
    if (typeof header !== 'string') return ip;
    const hops = header.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normaliseIp(hops[i].trim());
      if (isIP(hop) === 0) return ip;
      ip = hop;
      if (!trusted(ip)) return ip;
    }
    return ip;
  };
}
