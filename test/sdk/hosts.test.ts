// Hosts in one form for every comparison: canonicalHost and the IPv6 reading under it, which the
// CP also uses for its certificates' IP SANs and for the source its guess limit counts. And the
// one host check (hostProblem) the CP and bootstrap apply to a host a leaf will name.
import test from 'ava';
import { canonicalHost, hostProblem, ipv6Groups, readListenAddress } from '@otherix/sdk/internal';
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

test('hostProblem refuses addresses that name no one reachable host, in any spelling; loopback and unicast pass', (t) => {
  const refused: Array<[string, RegExp]> = [
    ['0.0.0.0', /unspecified address \(0\.0\.0\.0\/8\)/],
    ['0.1.2.3', /unspecified address/],
    ['::', /unspecified address \(::\)/],
    ['[::]', /unspecified address/],
    ['0:0:0:0:0:0:0:0', /unspecified address/],
    ['::ffff:0.0.0.0', /unspecified address \(0\.0\.0\.0\/8\)/],
    ['255.255.255.255', /broadcast address/],
    ['::ffff:255.255.255.255', /broadcast address/],
    ['224.0.0.1', /multicast address \(224\.0\.0\.0\/4\)/],
    ['239.255.255.250', /multicast/],
    ['::ffff:224.0.0.251', /multicast/],
    ['ff02::1', /multicast address \(ff00::\/8\)/],
    ['[FF05::1:3]', /multicast/],
    ['169.254.169.254', /link-local address \(169\.254\.0\.0\/16\)/],
    ['fe80::1', /link-local address \(fe80::\/10\)/],
    ['FEBF::1', /link-local/],
  ];
  for (const [host, why] of refused) {
    const problem = hostProblem(host);
    t.regex(problem ?? '', why, host);
    t.regex(problem ?? '', /give the address the control plane and the other nodes reach this host at$/, host);
  }
  for (const host of [
    '127.0.0.1',
    '::1',
    '10.0.0.1',
    '223.255.255.255',
    '240.0.0.1',
    '169.253.0.1',
    'fec0::1',
    'fe7f::1',
    '2001:db8::1',
    '[::ffff:10.0.0.1]',
    'node-1.example.test',
    'localhost',
  ]) {
    t.is(hostProblem(host), undefined, host);
  }
});

test('a listen address may still bind the unspecified addresses: only the shape is checked there', (t) => {
  t.like(readListenAddress('0.0.0.0:9443'), { ok: true, address: { host: '0.0.0.0', port: 9443 } });
  t.like(readListenAddress('[::]:8443'), { ok: true, address: { host: '::', port: 8443 } });
  t.like(readListenAddress('*:8443'), { ok: false, problem: { kind: 'host' } });
});
