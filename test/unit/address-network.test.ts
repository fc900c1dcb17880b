import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressNetwork } from '../../src/core/accounts/address.ts';

test('per-address limits count IPv4 addresses, IPv6 /64 networks, and mapped IPv6 as IPv4', () => {
  assert.equal(addressNetwork('192.0.2.1'), '192.0.2.1');
  assert.equal(addressNetwork('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.equal(addressNetwork('2001:db8:1:3:ffff:ffff:ffff:ffff'), '2001:db8:1:3::/64');
  assert.equal(addressNetwork('2001:0DB8:0001:0003:0000:0000:0000:0001'), '2001:db8:1:3::/64');
  assert.equal(addressNetwork('2001:db8:1:4::1'), '2001:db8:1:4::/64');
  assert.equal(addressNetwork('fe80::1%eth0'), 'fe80::/64');
  assert.equal(addressNetwork('::1'), '::/64');
  assert.equal(addressNetwork('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(addressNetwork('::ffff:a01:203'), '10.1.2.3');
  assert.equal(addressNetwork('not an address'), 'not an address');
});
