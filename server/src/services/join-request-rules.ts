// The request-level rules of a join (SPEC §4) that the schema cannot say: names, endpoint, hosts.
import { canonicalHost, hostProblem, nodeNameProblem, parseHttpsUrl } from '@otherix/sdk/internal';
import { HttpError } from '../errors.js';

const invalid = (field: string, message: string): HttpError => new HttpError('validation_failed', `${field}: ${message}`, { field });

/** The node-name rule (the SDK's, shared with the agent), as a 400 naming `node_name`. */
export function assertNodeName(name: string): void {
  const problem = nodeNameProblem(name);
  if (problem !== undefined) throw invalid('node_name', problem);
}

/**
 * The host of an https:// URL in canonical form (the SDK's canonicalHost), after the SDK's one
 * reading of such URLs with the same host check as the migration host (parseHttpsUrl, the one
 * bootstrap applies before it sends the join): the CP signs only host names it would accept
 * from anyone.
 */
export function endpointHost(advertisedEndpoint: string): string {
  let url: URL;
  try {
    url = parseHttpsUrl(advertisedEndpoint, { subject: 'advertised_endpoint', code: 'validation_failed', certifiedHost: true });
  } catch (error) {
    throw new HttpError('validation_failed', (error as Error).message, { field: 'advertised_endpoint' });
  }
  return canonicalHost(url.hostname);
}

/** The migration host in canonical form, after the host check. */
export function migrationHostOf(host: string): string {
  const problem = hostProblem(host);
  if (problem !== undefined) throw invalid('migration.host', `${JSON.stringify(host)} ${problem}`);
  return canonicalHost(host);
}

export function assertPortRange(start: number, end: number): void {
  if (start > end)
    throw invalid('migration', `port_range_start ${start} is above port_range_end ${end}: the range is inclusive and ascending`);
}

/** Loopback hosts (canonical form) never collide: every node and the CP may use them on one test or dev machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
