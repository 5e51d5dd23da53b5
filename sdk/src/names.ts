// The naming rules every shell applies (SPEC §3-§4): node names, node ids, host names. One
// implementation, so the agent's pre-join check and the CP's verdict never disagree.
import { isIP } from 'node:net';

/** Paths under /v1/nodes: a node with one of these names could not be addressed. */
export const RESERVED_NODE_NAMES: ReadonlySet<string> = new Set(['join', 'heartbeat', 'renew', 'join-tokens']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A UUID in any case (a node id; a node name never looks like one). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Why `name` cannot be a node name, or undefined when it can. */
export function nodeNameProblem(name: string): string | undefined {
  if (!DNS_LABEL.test(name)) return `${JSON.stringify(name)} is not a DNS label (lower-case letters, digits and '-', 1 to 63 characters)`;
  if (isUuid(name)) return `${name} is shaped like a UUID, which would be mistaken for a node id: pick a name`;
  if (RESERVED_NODE_NAMES.has(name)) return `${name} is reserved (it is a path under /v1/nodes): pick another name`;
  return undefined;
}

/** `[v6]` -> `v6`; anything else unchanged. */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
const LABEL_CHARACTERS = /^[a-z0-9-]+$/;

/**
 * Why `host` cannot be a host the CP signs (a DNS or IP SAN) or a node claims, or undefined
 * when it can. One check for the advertised endpoint's host, the migration host and the
 * agent's own flags: the shape hostShapeProblem reads (an IP address or a DNS name, no
 * wildcard), and an address that names one host other hosts can reach (addressUseProblem).
 */
export function hostProblem(host: string): string | undefined {
  return hostShapeProblem(host) ?? addressUseProblem(host);
}

/**
 * Why `host` is not shaped like a host, or undefined: an IP address (IPv6 optionally in
 * brackets, no zone), or a DNS name of labels of 1-63 letters, digits and '-' (not at either
 * end), at most 253 characters, in any case and with an optional final dot. No wildcard: `*`
 * and `*.example` are nobody's host. The shape alone is what an address to bind needs
 * (`--listen 0.0.0.0:9443`, listen-address.ts); a host to sign or reach needs hostProblem.
 */
export function hostShapeProblem(host: string): string | undefined {
  if (typeof host !== 'string' || host === '') return 'is empty: give a host name or an IP address';
  const bare = unbracketHost(host);
  const ipVersion = isIP(bare);
  if (bare !== host && ipVersion !== 6) return 'is in brackets but is not an IPv6 address';
  if (ipVersion !== 0)
    return bare.includes('%') ? 'carries an IPv6 zone (%...), which no certificate can name: give the address alone' : undefined;
  const name = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (name.includes('*')) return 'is a wildcard: a node names its own host, never a pattern';
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long: a DNS name has at most ${MAX_NAME_LENGTH}`;
  const labels = name.toLowerCase().split('.');
  for (const label of labels) {
    if (label === '') return 'has an empty label (two dots in a row, or a dot at the start)';
    if (label.length > MAX_LABEL_LENGTH) return `has a label of ${label.length} characters: a DNS label has at most ${MAX_LABEL_LENGTH}`;
    if (!LABEL_CHARACTERS.test(label)) {
      const bad = [...label].find((character) => !/[a-z0-9-]/.test(character)) ?? '';
      return `holds ${JSON.stringify(bad)}, which a DNS name cannot: use letters, digits, '-' and '.'`;
    }
    if (label.startsWith('-') || label.endsWith('-')) return `has a label that starts or ends with '-' (${label})`;
  }
  // As WHATWG URL parsing does: a numeric last label makes an IPv4 address, or nothing.
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'looks like an IPv4 address but is not one (write it in dotted decimal, a.b.c.d)';
  return undefined;
}

const REACHABLE_ADDRESS = 'give the address the control plane and the other nodes reach this host at';

/**
 * Why an IP address (any spelling hostShapeProblem accepts; an IPv4-mapped IPv6 address is its
 * IPv4 address) names no one host that others can reach, or undefined (also for a DNS name).
 * Refused, because a certificate naming them vouches for nobody and the CP or a migrating peer
 * could not use them: the unspecified addresses (0.0.0.0/8, `::`; a host binds them, nobody
 * dials them), the limited broadcast 255.255.255.255, multicast (224.0.0.0/4, ff00::/8: a
 * group, not a host), and link-local (169.254.0.0/16, fe80::/10: they reach only the same link,
 * an IPv6 one only with a zone that neither a URL to the CP nor a certificate can carry, and a
 * 169.254 address is what a host gives itself when DHCP failed). Loopback stays allowed: a
 * cluster on one machine (tests, a laptop) uses it, and loopback hosts never collide.
 */
function addressUseProblem(host: string): string | undefined {
  const address = canonicalHost(host);
  if (isIP(address) === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    if (a === 0) return `is an unspecified address (0.0.0.0/8), which a host binds but nobody can reach: ${REACHABLE_ADDRESS}`;
    if (address === '255.255.255.255') return `is the broadcast address, which names no one host: ${REACHABLE_ADDRESS}`;
    if (a >= 224 && a <= 239) return `is a multicast address (224.0.0.0/4), which names a group, not a host: ${REACHABLE_ADDRESS}`;
    if (a === 169 && b === 254)
      return `is a link-local address (169.254.0.0/16), which only hosts on the same link reach: ${REACHABLE_ADDRESS}`;
    return undefined;
  }
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  if (groups.every((group) => group === 0))
    return `is the unspecified address (::), which a host binds but nobody can reach: ${REACHABLE_ADDRESS}`;
  if (groups[0] >> 8 === 0xff) return `is a multicast address (ff00::/8), which names a group, not a host: ${REACHABLE_ADDRESS}`;
  if ((groups[0] & 0xffc0) === 0xfe80)
    return `is a link-local address (fe80::/10), which only hosts on the same link reach: ${REACHABLE_ADDRESS}`;
  return undefined;
}

/** `localhost` (or a name under it), 127.0.0.0/8 or ::1: a host only the machine itself reaches. */
export function isLoopbackHost(host: string): boolean {
  const canonical = canonicalHost(host);
  if (canonical === 'localhost' || canonical.endsWith('.localhost') || canonical === '::1') return true;
  return isIP(canonical) === 4 && canonical.startsWith('127.');
}

/** An IP address (IPv6 optionally in brackets) or a DNS name: hostProblem(host) is undefined. */
export function isHostOrAddress(host: string): boolean {
  return hostProblem(host) === undefined;
}

/**
 * The one form in which hosts are compared, stored and signed: lower case, no final dot, IPv6
 * without brackets and in its shortest form, and an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * as the IPv4 address it is. So `VM.` is `vm`, and `[::ffff:10.0.0.1]` is `10.0.0.1`. Total:
 * it normalizes whatever it is given (check hostProblem first for input from outside).
 */
export function canonicalHost(host: string): string {
  const bare = unbracketHost(host.trim()).toLowerCase();
  const groups = bare.includes('%') ? undefined : ipv6Groups(bare);
  if (groups !== undefined) {
    const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
    if (mapped) return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
    return unbracketHost(new URL(`https://[${bare}]/`).hostname);
  }
  return bare.endsWith('.') && isIP(bare) === 0 ? bare.slice(0, -1) : bare;
}

/**
 * The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail converted; a
 * zone `%eth0` ignored), or undefined when `address` is not one.
 */
export function ipv6Groups(address: string): number[] | undefined {
  let text = unbracketHost(address).replace(/%.*$/, '').toLowerCase();
  if (isIP(text) !== 6) return undefined;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined): number[] =>
    part === undefined || part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
