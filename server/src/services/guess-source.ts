// The unit the join guess limit counts in (rate-limit.ts). One IPv4 address is one source. For
// IPv6 it is the /64: a single host (or the single site behind it) is routinely given a whole
// /64 and can pick any of its 2^64 addresses, so counting per address would be no limit at all.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how a dual-stack listener on `::` reports IPv4
// clients) is the IPv4 address, so one client is one source whichever way it arrives: the SDK's
// canonicalHost, the form hosts are compared in everywhere.
import { isIPv4 } from 'node:net';
import { canonicalHost, ipv6Groups } from '@otherix/sdk/internal';

/** `192.0.2.7` -> `192.0.2.7`; `::ffff:192.0.2.7` -> `192.0.2.7`; `2001:db8:1:2::a` -> `2001:db8:1:2::/64`. */
export function guessSourceOf(ip: string): string {
  const address = canonicalHost(ip.replace(/%.*$/, '')); // a zone id (fe80::1%eth0) names a link, not a host
  if (isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return ip; // not an address (never from a socket): counted as given
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
