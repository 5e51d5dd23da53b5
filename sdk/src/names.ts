// The naming rules every shell applies (SPEC §3-§4): node names, node ids, host names. One
// implementation, so the agent's pre-join check and the CP's verdict never disagree.
import { isIP } from 'node:net';

/** Paths under /v1/nodes: a node with one of these names could not be addressed. */
export const RESERVED_NODE_NAMES: ReadonlySet<string> = new Set(['join', 'heartbeat', 'join-tokens']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

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

/** An IP address (IPv6 optionally in brackets) or a DNS name (any case, optional final dot). */
export function isHostOrAddress(host: string): boolean {
  const bare = unbracketHost(host);
  return isIP(bare) !== 0 || DNS_NAME.test(bare);
}
