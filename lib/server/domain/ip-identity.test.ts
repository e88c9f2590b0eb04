import { describe, expect, it } from 'vitest';
import { ipIdentity } from './ip-identity';

describe('IP identity', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::ffff', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['', ''],
    ['not an ip', 'not an ip'],
  ])('%s -> %s', (ip, expected) => {
    expect(ipIdentity(ip)).toBe(expected);
  });

  it('keeps two /64s apart and joins every address of one', () => {
    expect(ipIdentity('2001:db8:1:2::1')).toBe(ipIdentity('2001:db8:1:2:ffff::9'));
    expect(ipIdentity('2001:db8:1:2::1')).not.toBe(ipIdentity('2001:db8:1:3::1'));
    expect(ipIdentity('203.0.113.7')).not.toBe(ipIdentity('203.0.113.8'));
  });
});
