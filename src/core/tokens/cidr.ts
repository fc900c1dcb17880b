// CIDR ranges for token address limits: IPv4 and IPv6, canonicalised (host bits cleared).
// An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is matched as the IPv4 address it carries.

import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

function ipv4Bytes(ip: string): Uint8Array | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function ipv6Bytes(ip: string): Uint8Array | null {
  if (isIP(ip) !== 6) return null;
  let text = ip;
  const out = new Uint8Array(16);
  // A trailing dotted quad.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: Uint8Array | null = null;
  if (quad) {
    tail = ipv4Bytes(quad[1]);
    if (!tail) return null;
    text = `${text.slice(0, -quad[1].length)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, null];
  const headParts = head ? head.split(':') : [];
  const restParts = rest ? rest.split(':') : [];
  const fill = 8 - headParts.length - restParts.length;
  const groups = [...headParts, ...(rest !== null ? new Array(fill).fill('0') : []), ...restParts];
  if (groups.length !== 8) return null;
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** The address as bytes, with IPv4-mapped IPv6 addresses reduced to IPv4. */
export function parseIp(ip: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const v4 = ipv4Bytes(ip);
  if (v4) return { family: 4, bytes: v4 };
  const zoneless = ip.replace(/%.*$/, '');
  const v6 = ipv6Bytes(zoneless);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
}

/** Whether an IPv6 range lies inside ::ffff:0:0/96 (IPv4-mapped addresses). */
function isMappedRange(c: Cidr): boolean {
  return c.family === 6 && c.prefix >= 96 && c.bytes.slice(0, 10).every((b) => b === 0) && c.bytes[10] === 0xff && c.bytes[11] === 0xff;
}

/**
 * Why a token's CIDR entry can never serve as an address limit, or null when it can. A range
 * must be `ADDRESS/BITS` (host bits are allowed and cleared), with no IPv6 zone id (client
 * addresses are compared without one), and not an IPv4-mapped IPv6 range: clients arriving as
 * ::ffff:a.b.c.d are compared as the IPv4 address a.b.c.d, so such a range would match nobody.
 */
export function cidrProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'is not a string.';
  if (text.trim().length === 0) return 'is blank.';
  if (text.includes('%')) return 'carries an IPv6 zone id; client addresses are compared without one: leave the zone out.';
  const c = parseCidr(text, true);
  if (!c) return 'is not a CIDR range such as 192.0.2.0/24 or 2001:db8::/32.';
  if (isMappedRange(c)) {
    return `is an IPv4-mapped IPv6 range, which no client matches (mapped clients are compared as IPv4): write ${[...c.bytes.slice(12)].join('.')}/${c.prefix - 96}.`;
  }
  return null;
}

/**
 * `ADDRESS/BITS` as a canonical range, or null. Ranges that could never match a client (an IPv6
 * zone id, an IPv4-mapped IPv6 range: see cidrProblem) are null too, unless `anyRange`.
 */
export function parseCidr(text: string, anyRange = false): Cidr | null {
  if (typeof text !== 'string' || text.length > 64 || text.includes('%')) return null;
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bits)) return null;
  const prefix = Number(bits);
  const v4 = ipv4Bytes(ip);
  const family = v4 ? 4 : ipv6Bytes(ip) ? 6 : 0;
  if (family === 0) return null;
  const bytes = (v4 ?? ipv6Bytes(ip)) as Uint8Array;
  if (prefix > bytes.length * 8) return null;
  const masked = bytes.slice();
  for (let i = 0; i < masked.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    masked[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  const range: Cidr = { family: family as 4 | 6, bytes: masked, prefix };
  return anyRange || !isMappedRange(range) ? range : null;
}

export function formatCidr(c: Cidr): string {
  if (c.family === 4) return `${[...c.bytes].join('.')}/${c.prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((c.bytes[i] << 8) | c.bytes[i + 1]).toString(16));
  // Compress the longest run of zero groups.
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const text = best.at < 0 ? groups.join(':') : `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
  return `${text}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const addr = parseIp(ip);
  if (!addr || addr.family !== c.family) return false;
  for (let i = 0; i < c.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, c.prefix - i * 8));
    if (keep === 0) return true;
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((addr.bytes[i] & mask) !== c.bytes[i]) return false;
  }
  return true;
}

/** Whether an address is inside any of the ranges (an empty list allows everything). */
export function ipAllowed(ranges: string[], ip: string): boolean {
  if (ranges.length === 0) return true;
  return ranges.some((r) => {
    const c = parseCidr(r);
    return c !== null && cidrContains(c, ip);
  });
}

export function rangeOf(entry: string): Cidr | null {
  const text = entry.trim();
  if (text.includes('/')) return parseCidr(text);
  const ip = parseIp(text);
  if (!ip) return null;
  return ip.family === 4 ? parseCidr(`${ip.bytes.join('.')}/32`) : parseCidr(`${text.replace(/%.*$/, '')}/128`);
}
