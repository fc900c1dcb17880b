import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cidrContains, formatCidr, ipAllowed, parseCidr, parseIp } from '../../src/core/tokens/cidr.ts';

test('IPv4 CIDRs are parsed and canonicalised (host bits cleared)', () => {
  assert.equal(formatCidr(parseCidr('10.1.2.3/8')!), '10.0.0.0/8');
  assert.equal(formatCidr(parseCidr('192.168.1.1/32')!), '192.168.1.1/32');
  assert.equal(formatCidr(parseCidr('0.0.0.0/0')!), '0.0.0.0/0');
});

test('IPv6 CIDRs are parsed and canonicalised', () => {
  assert.equal(formatCidr(parseCidr('::1/128')!), '::1/128');
  assert.equal(formatCidr(parseCidr('2001:db8::1/32')!), '2001:db8::/32');
  assert.equal(formatCidr(parseCidr('fe80::/10')!), 'fe80::/10');
});

test('malformed CIDRs are refused', () => {
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', '256.0.0.0/8', '10.0.0.0/08', 'abc/8', '::1/129', '', '1.2.3.4/-1', '1.2.3.4/ 8', '01.2.3.4/8']) {
    assert.equal(parseCidr(bad), null, bad);
  }
});

test('membership: IPv4, IPv6, mapped addresses, families never mix', () => {
  assert.ok(cidrContains(parseCidr('127.0.0.0/8')!, '127.0.0.1'));
  assert.ok(cidrContains(parseCidr('127.0.0.0/8')!, '::ffff:127.0.0.1'));
  assert.ok(!cidrContains(parseCidr('10.0.0.0/8')!, '127.0.0.1'));
  assert.ok(cidrContains(parseCidr('::1/128')!, '::1'));
  assert.ok(!cidrContains(parseCidr('::1/128')!, '127.0.0.1'));
  assert.ok(!cidrContains(parseCidr('127.0.0.0/8')!, '::1'));
  assert.ok(ipAllowed([], '203.0.113.9'));
  assert.ok(ipAllowed(['10.0.0.0/8', '127.0.0.1/32'], '127.0.0.1'));
  assert.ok(!ipAllowed(['10.0.0.0/8'], '127.0.0.1'));
});

test('property: every IPv4 address is inside its own /N network for every N', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, n) => {
      const c = parseCidr(`${ip}/${n}`);
      assert.ok(c);
      assert.ok(cidrContains(c, ip));
      assert.equal(formatCidr(parseCidr(formatCidr(c))!), formatCidr(c));
    }),
  );
});

test('property: IPv6 addresses round-trip and are inside their own networks', () => {
  fc.assert(
    fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (ip, n) => {
      const parsed = parseIp(ip);
      assert.ok(parsed);
      if (parsed.family === 4) return; // an IPv4-mapped address
      const c = parseCidr(`${ip}/${n}`);
      assert.ok(c, ip);
      assert.ok(cidrContains(c, ip), `${ip}/${n}`);
    }),
  );
});

test('property: random strings never crash the parser', () => {
  fc.assert(fc.property(fc.string(), (s) => void parseCidr(s)));
});
