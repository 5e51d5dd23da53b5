// The request-level rules of a join (SPEC §4) that the schema cannot say: names, endpoint, hosts.
import { isHostOrAddress, nodeNameProblem } from '@otherix/sdk';
import { HttpError } from '../errors.js';

const invalid = (field: string, message: string): HttpError => new HttpError('validation_failed', `${field}: ${message}`, { field });

/** The node-name rule (the SDK's, shared with the agent), as a 400 naming `node_name`. */
export function assertNodeName(name: string): void {
  const problem = nodeNameProblem(name);
  if (problem !== undefined) throw invalid('node_name', problem);
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
  if (!isHostOrAddress(bare)) throw invalid('migration.host', `${JSON.stringify(host)} is neither an IP address nor a DNS name`);
  return bare;
}

export function assertPortRange(start: number, end: number): void {
  if (start > end) throw invalid('migration', `port_range_start ${start} is above port_range_end ${end}: the range is inclusive and ascending`);
}

/** Loopback hosts never collide: every node and the CP may use them on one test or dev machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::ffff:127.0.0.1';
}
