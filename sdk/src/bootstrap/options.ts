// bootstrapNode's options, their DEFAULT_* values, and their validation: everything is checked
// before any network or disk, so a typo fails as 'usage' and consumes nothing.
import { resolve } from 'node:path';
import { OtherixError } from '../errors.js';
import { hostProblem, hostShapeProblem, nodeNameProblem } from '../names.js';
import { parseCpUrls } from '../client/cp-urls.js';
import { parseHttpsUrl } from '../https-url.js';
import { readListenAddress } from '../listen-address.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../client/transport.js';
import { parseFingerprint } from '../pki/fingerprint.js';
import { isTokenShape } from '../tokens.js';
import {
  DEFAULT_CERT_DIR,
  DEFAULT_CONFIG_PATH,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_LISTEN,
  DEFAULT_MIGRATION_PORT_RANGE_END,
  DEFAULT_MIGRATION_PORT_RANGE_START,
} from '../config/agent-config.js';
import { detectArchitecture } from './architecture.js';

export interface BootstrapOptions {
  token: string;
  caFingerprint: string;
  /** The CP's URL, or several replicas' separated by commas (tried in order; see the SDK's failover.ts). */
  cpUrl: string;
  nodeName: string;
  advertisedEndpoint: string;
  migrationHost: string;
  migrationPortRangeStart?: number;
  migrationPortRangeEnd?: number;
  certDir?: string;
  configPath?: string;
  listen?: string;
  heartbeatIntervalMs?: number;
  requestTimeoutMs?: number;
  force?: boolean;
  architecture?: string;
  agentVersion?: string;
  /** The host's clock (epoch ms), default Date.now: compared with the CP's before the join, and used to check the leaf. */
  now?: () => number;
}

export type ResolvedBootstrapOptions = Required<BootstrapOptions>;

/** The agent version bootstrap reports when the caller does not give one. */
export const DEFAULT_AGENT_VERSION = '0.1.0';

const ARCHITECTURE = /^[a-z0-9]{1,16}$/;
const MIN_HEARTBEAT_MS = 100;
const MAX_HEARTBEAT_MS = 3_600_000;

function usage(message: string): never {
  throw new OtherixError('usage', message);
}

function validateNodeName(name: string): void {
  if (nodeNameProblem(name) !== undefined) {
    usage(
      `--node-name ${JSON.stringify(name)} is not a valid node name: use a DNS label (lower-case letters, digits and '-', 1-63 characters, not UUID-shaped, not join/heartbeat/join-tokens)`,
    );
  }
}

function validateHost(host: string, flag: string): void {
  const problem = hostProblem(host);
  if (problem === undefined) return;
  // A well-formed address that names no reachable host (0.0.0.0, multicast, ...) is said as such.
  const what = hostShapeProblem(host) === undefined ? "cannot be this node's host" : 'is not a host name or IP address';
  usage(`${flag} ${JSON.stringify(host)} ${what}: it ${problem}`);
}

function validatePort(port: number, flag: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`${flag} ${port} is not a port: give an integer from 1 to 65535`);
}

/** The address agent.yaml gets: the SDK's HOST:PORT reading, and a fixed port (the advertised endpoint names it). */
function validateListen(listen: string): void {
  const parsed = readListenAddress(listen);
  if (parsed.ok) return validatePort(parsed.address.port, '--listen');
  if (parsed.problem.kind === 'shape') usage(`--listen ${JSON.stringify(listen)} must be HOST:PORT, e.g. 0.0.0.0:9443`);
  validateHost(parsed.problem.host, '--listen');
}

/**
 * Fills bootstrapNode's defaults once and validates every option (no I/O).
 * @throws OtherixError `usage` naming the option (and its flag) that is missing or wrong.
 */
export function resolveBootstrapOptions(options: BootstrapOptions): ResolvedBootstrapOptions {
  if (typeof options.token !== 'string' || options.token.trim() === '') usage('no join token given');
  const resolved: ResolvedBootstrapOptions = {
    token: options.token.trim(),
    caFingerprint: options.caFingerprint,
    cpUrl: options.cpUrl,
    nodeName: options.nodeName,
    advertisedEndpoint: options.advertisedEndpoint,
    migrationHost: options.migrationHost,
    migrationPortRangeStart: options.migrationPortRangeStart ?? DEFAULT_MIGRATION_PORT_RANGE_START,
    migrationPortRangeEnd: options.migrationPortRangeEnd ?? DEFAULT_MIGRATION_PORT_RANGE_END,
    // Absolute from here on: agent.yaml records them, and serve may start from another
    // directory (systemd starts it from /).
    certDir: resolve(options.certDir ?? DEFAULT_CERT_DIR),
    configPath: resolve(options.configPath ?? DEFAULT_CONFIG_PATH),
    listen: options.listen ?? DEFAULT_LISTEN,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    force: options.force ?? false,
    architecture: options.architecture ?? detectArchitecture(),
    agentVersion: options.agentVersion ?? DEFAULT_AGENT_VERSION,
    now: options.now ?? Date.now,
  };
  // A pasted API token or a truncated copy fails here, before the CA is even fetched.
  if (!isTokenShape('join', resolved.token)) {
    usage(
      `the join token does not have the shape of one (otx_join_ followed by 43 base64url characters): check that it was copied whole, from \`otherix node join-token create\``,
    );
  }
  for (const [flag, value] of [
    ['--ca-fingerprint', resolved.caFingerprint],
    ['--cp-url', resolved.cpUrl],
    ['--node-name', resolved.nodeName],
    ['--advertised-endpoint', resolved.advertisedEndpoint],
    ['--migration-host', resolved.migrationHost],
  ] as const) {
    if (typeof value !== 'string' || value === '')
      usage(`${flag} is required (or OTHERIX_BOOTSTRAP__${flag.slice(2).replace(/-/g, '_').toUpperCase()})`);
  }
  try {
    parseFingerprint(resolved.caFingerprint);
  } catch (error) {
    throw new OtherixError(
      'usage',
      `--ca-fingerprint ${JSON.stringify(resolved.caFingerprint)} is not a sha256 fingerprint: give sha256:<64 hex> or the bare hex, as printed at mint time`,
      { cause: error },
    );
  }
  try {
    // One URL, or several replicas comma-separated: each read as a base URL, none twice.
    parseCpUrls(resolved.cpUrl);
  } catch (error) {
    throw new OtherixError('usage', `--cp-url: ${(error as Error).message}`, { cause: error });
  }
  validateNodeName(resolved.nodeName);
  // The host the CP will sign: the same check the CP makes, before the token is spent.
  parseHttpsUrl(resolved.advertisedEndpoint, { subject: '--advertised-endpoint', code: 'usage', certifiedHost: true });
  validateHost(resolved.migrationHost, '--migration-host');
  validatePort(resolved.migrationPortRangeStart, '--migration-port-range-start');
  validatePort(resolved.migrationPortRangeEnd, '--migration-port-range-end');
  if (resolved.migrationPortRangeStart > resolved.migrationPortRangeEnd) {
    usage(
      `--migration-port-range-start ${resolved.migrationPortRangeStart} is above --migration-port-range-end ${resolved.migrationPortRangeEnd}: the range is inclusive, start <= end`,
    );
  }
  validateListen(resolved.listen);
  if (!(resolved.heartbeatIntervalMs >= MIN_HEARTBEAT_MS && resolved.heartbeatIntervalMs <= MAX_HEARTBEAT_MS)) {
    usage(`--heartbeat-interval must be between 100ms and 1h`);
  }
  if (!(Number.isFinite(resolved.requestTimeoutMs) && resolved.requestTimeoutMs > 0)) {
    usage('--request-timeout must be a positive duration, e.g. 30s');
  }
  if (!ARCHITECTURE.test(resolved.architecture)) usage(`architecture ${JSON.stringify(resolved.architecture)} is not in Go's vocabulary`);
  if (resolved.certDir === '') usage('--cert-dir must not be empty');
  if (resolved.configPath === '') usage('--config-path must not be empty');
  return resolved;
}
