// Hosts in one form for every comparison: canonicalHost and the IPv6 reading under it, which the
// CP also uses for its certificates' IP SANs and for the source its guess limit counts.
import test from 'ava';
import { canonicalHost, ipv6Groups } from '@otherix/sdk';
import { guessSourceOf } from '@otherix/server';

test('ipv6Groups reads the eight groups of any IPv6 spelling, and nothing else', (t) => {
  t.deepEqual(ipv6Groups('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
  t.deepEqual(ipv6Groups('[2001:DB8::a]'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xa]);
  t.deepEqual(ipv6Groups('::ffff:10.1.2.3'), [0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203]);
  t.deepEqual(ipv6Groups('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
  t.deepEqual(ipv6Groups('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const text of ['10.0.0.1', 'example.test', '', '1::2::3', '12345::1']) t.is(ipv6Groups(text), undefined, text);
});

test('canonicalHost: lower case, no final dot, shortest IPv6, IPv4-mapped as IPv4', (t) => {
  t.is(canonicalHost('Node-1.Example.TEST.'), 'node-1.example.test');
  t.is(canonicalHost('[2001:DB8:0:0::A]'), '2001:db8::a');
  t.is(canonicalHost('::FFFF:10.0.0.1'), '10.0.0.1');
  t.is(canonicalHost('[::ffff:a00:1]'), '10.0.0.1');
  t.is(canonicalHost('64:ff9b::1.2.3.4'), '64:ff9b::102:304', 'only ::ffff:0:0/96 is IPv4-mapped');
});

test("the CP's guess source is the canonical host, IPv6 by its /64", (t) => {
  t.is(guessSourceOf('::ffff:10.1.2.3'), '10.1.2.3');
  t.is(guessSourceOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  t.is(guessSourceOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  t.is(guessSourceOf('not an address'), 'not an address');
});
