// The request-level rules of a join (SPEC §4) that the schema cannot say: names, endpoint, hosts.
import { isIP } from 'node:net';
import { HttpError } from '../errors.js';

/** Paths under /v1/nodes: a node with one of these names could not be addressed. */
export const RESERVED_NODE_NAMES: ReadonlySet<string> = new Set(['join', 'heartbeat', 'join-tokens']);

const UUID_SHAPED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

const invalid = (field: string, message: string): HttpError => new HttpError('validation_failed', `${field}: ${message}`, { field });

export function assertNodeName(name: string): void {
  if (!DNS_LABEL.test(name)) throw invalid('node_name', `${JSON.stringify(name)} is not a DNS label (lower-case letters, digits and '-', 1 to 63 characters)`);
  if (UUID_SHAPED.test(name)) throw invalid('node_name', `${name} is shaped like a UUID, which would be mistaken for a node id: pick a name`);
  if (RESERVED_NODE_NAMES.has(name)) throw invalid('node_name', `${name} is reserved (it is a path under /v1/nodes): pick another name`);
}

/** Lower-case host of an https:// URL, without IPv6 brackets. */
export function endpointHost(advertisedEndpoint: string): string {
  let url: URL;
  try {
    url = new URL(advertisedEndpoint);
  } catch {
    throw invalid('advertised_endpoint', `${JSON.stringify(advertisedEndpoint)} is not a URL: give the agent's https://host:port`);
  }
  if (url.protocol !== 'https:') throw invalid('advertised_endpoint', `must be an https:// URL (got ${url.protocol}//): the CP reaches agents over mTLS only`);
  if (url.hostname === '') throw invalid('advertised_endpoint', 'has no host: give the agent\'s https://host:port');
  if (url.username !== '' || url.password !== '') throw invalid('advertised_endpoint', 'must not carry credentials');
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

export function migrationHostOf(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 0 && !DNS_NAME.test(bare)) throw invalid('migration.host', `${JSON.stringify(host)} is neither an IP address nor a DNS name`);
  return bare;
}

export function assertPortRange(start: number, end: number): void {
  if (start > end) throw invalid('migration', `port_range_start ${start} is above port_range_end ${end}: the range is inclusive and ascending`);
}

/** Loopback hosts never collide: every node and the CP may use them on one test or dev machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}
