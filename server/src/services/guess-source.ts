// The unit the join guess limit counts in (rate-limit.ts). One IPv4 address is one source. For
// IPv6 it is the /64: a single host (or the single site behind it) is routinely given a whole
// /64 and can pick any of its 2^64 addresses, so counting per address would be no limit at all.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how a dual-stack listener on `::` reports IPv4
// clients) is the IPv4 address, so one client is one source whichever way it arrives.
import { isIPv4, isIPv6 } from 'node:net';

/** `192.0.2.7` -> `192.0.2.7`; `::ffff:192.0.2.7` -> `192.0.2.7`; `2001:db8:1:2::a` -> `2001:db8:1:2::/64`. */
export function guessSourceOf(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0) names a link, not a host
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return ip; // not an address (never from a socket): counted as given
  const hextets = ipv6Hextets(address);
  const mapped = hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff;
  if (mapped) return [hextets[6]! >> 8, hextets[6]! & 0xff, hextets[7]! >> 8, hextets[7]! & 0xff].join('.');
  return `${hextets.slice(0, 4).map((h) => h.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Hextets(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const front = parse(head);
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
