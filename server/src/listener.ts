// The CP's listener limits: connections that never authenticate cannot hold it. Without them a
// raw TCP connection that sends nothing was held 120 s (Node's TLS handshake default), a TLS
// connection that sends no request ~60-90 s, an idle keep-alive 72 s, and there was no cap:
// once the process ran out of file descriptors, joins and heartbeats failed.
//
//   handshake timeout  10 s  TCP accepted -> TLS handshake done; else the socket is destroyed.
//   headers timeout    10 s  TLS up (or the previous answer sent) -> a request's first byte, and
//                            that first byte -> its headers all received (Node restarts the count
//                            when a request begins); else 408 and close. Checked every second, so
//                            a client that trickles its headers is held about 20 s at most.
//   request timeout    30 s  the whole request, body included (at most 1 MiB); else 408.
//   keep-alive         65 s  an idle connection after an answer, only for connections on which
//                            a credential was accepted (plugins/keep-alive-policy.ts): a valid
//                            API token, a node's current certificate on an accepted heartbeat, a
//                            redeemed join token; a certificate that only chains to the cluster
//                            CA (a deleted node's) earns nothing. Everyone else is answered with
//                            `Connection: close`. 65 s is over the
//                            default 30 s heartbeat (±10%), so a default agent keeps one warm
//                            connection instead of a TLS handshake per beat; the CP says it in
//                            `Keep-Alive: timeout=65` and the SDK's client lets go 2 s earlier.
//   connection cap  10,000   open connections (--max-connections); beyond it a new connection
//                            is closed at once (a warning is logged, at most once a minute),
//                            while those already open go on. Each agent holds one connection,
//                            so size it above the node count plus the CLI and automation.
//                            The process's open-file limit must exceed it (warned at start).
//   per source         100   connections one source (an IPv4 address, an IPv6 /64) may hold
//                            before they prove a credential (--max-unauthenticated-per-source,
//                            services/unauthenticated-connections.ts); beyond it its new
//                            connections are closed at once (warned at most once a minute).
//                            Without it ~1,000 idle connections a second from one host held the
//                            whole cap. Authenticated keep-alive connections do not count, so
//                            100 only bounds one source's handshakes in flight: far above what
//                            a site of agents behind one NAT reconnecting after a CP restart
//                            needs (a few at a time), and 1% of the default cap.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { OtherixError } from '@otherix/sdk';

export interface ListenerLimits {
  handshakeTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /** Connections one source may hold before they authenticate. */
  maxUnauthenticatedPerSource: number;
}

export const DEFAULT_LISTENER_LIMITS: Readonly<ListenerLimits> = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 10_000,
  maxUnauthenticatedPerSource: 100,
});

/** File descriptors kept for the database, logs and the rest beside the connections. */
export const RESERVED_FILE_DESCRIPTORS = 64;
/** How often a refused-connection warning may be logged. */
const DROP_WARNING_EVERY_MS = 60_000;

/** The defaults with the overrides (tests inject short timeouts); refuses a combination Node would. */
export function listenerLimits(overrides: Partial<ListenerLimits> = {}): ListenerLimits {
  const limits = { ...DEFAULT_LISTENER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1)
      throw new OtherixError('config_invalid', `listener limit ${name} must be a whole number >= 1, not ${value}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new OtherixError('config_invalid', 'the headers timeout cannot be longer than the request timeout');
  return limits;
}

/** The options Node's https.createServer reads (Fastify passes its `https` object through). */
export function serverTimeoutOptions(limits: ListenerLimits): {
  handshakeTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    handshakeTimeout: limits.handshakeTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the headers and request timeouts on this period (its default, 30 s, would
    // let a silent connection live up to 40 s). It walks only connections inside a request.
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** The cap on open connections, the warning when it refuses some, and the open-file check. */
export function applyConnectionCap(app: FastifyInstance, limits: ListenerLimits): void {
  const server = app.server;
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let warnedAt = Number.NEGATIVE_INFINITY;
  server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now - warnedAt < DROP_WARNING_EVERY_MS) return;
    app.log.warn(
      { refused_connections: dropped, max_connections: limits.maxConnections },
      `refused ${dropped} new connection(s) since the last warning: ${limits.maxConnections} connections are open, the cap; ` +
        'if these are real clients (each agent holds one), raise --max-connections (and the open-file limit with it)',
    );
    dropped = 0;
    warnedAt = now;
  });
  server.once('listening', () => {
    const openFiles = openFileLimit();
    if (openFiles !== undefined && openFiles < limits.maxConnections + RESERVED_FILE_DESCRIPTORS) {
      app.log.warn(
        { open_file_limit: openFiles, max_connections: limits.maxConnections },
        `the open-file limit (${openFiles}) is below --max-connections (${limits.maxConnections}) + ${RESERVED_FILE_DESCRIPTORS} for the database and logs: ` +
          'the CP could run out of file descriptors before the cap; raise the limit (systemd LimitNOFILE=, ulimit -n) or lower --max-connections',
      );
    }
  });
}

/** The soft limit on open files (Linux /proc), or undefined when unknown or unlimited. */
function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const soft = line === null ? NaN : Number(line[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}
