// The network a per-address limit counts: one IPv4 address, or one IPv6 /64 (the block a
// single home or cloud host routinely gets, so rotating through it gains nothing). An
// IPv4-mapped IPv6 address (::ffff:192.0.2.1) counts as the IPv4 address it carries.

import { formatCidr, parseIp } from '../tokens/cidr.ts';

/**
 * `ip` (as the HTTP edge resolved it, trusted proxies applied) → the key of its network:
 * "192.0.2.1", "2001:db8:1:3::/64" (canonical RFC 5952 text, so every spelling of one
 * network is one key). Text that is no IP address (never from a socket) is its own key.
 */
export function addressNetwork(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) return ip;
  if (parsed.family === 4) return parsed.bytes.join('.');
  const bytes = parsed.bytes.slice();
  bytes.fill(0, 8);
  return formatCidr({ family: 6, bytes, prefix: 64 });
}
