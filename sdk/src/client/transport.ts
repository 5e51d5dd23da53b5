// The one fetch implementation of the SDK: undici's fetch over an Agent that trusts only the
// pinned cluster CA and accepts a server only with the expected SPIFFE identity.
import type { ConnectionOptions } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch, Request as UndiciRequest } from 'undici';
import { OtherixError, isOtherixError } from '../errors.js';
import { CONTROL_PLANE_SPIFFE_ID, checkServerIdentityFor } from '../pki/identity.js';
import { DEFAULT_MAX_RESPONSE_BYTES, limitResponse } from './response-limit.js';

/** How long a request may wait for its answer unless the caller says otherwise (30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Idle keep-alive when the server gives no `Keep-Alive: timeout` hint. */
const KEEP_ALIVE_DEFAULT_MS = 4_000;
/** How long before the server's announced keep-alive the client closes an idle connection. */
const KEEP_ALIVE_MARGIN_MS = 2_000;

export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

interface PinnedTransportOptions {
  caPem: string;
  clientCertificate?: ClientCertificate | (() => ClientCertificate);
  requestTimeoutMs?: number;
  expectedServerIdentity?: string;
  /**
   * Called each time a connection to the server is up (TLS done, identity checked), before a
   * request goes out on it: from then on a failure may come after the server acted on the request.
   */
  onConnect?: () => void;
  /** Answers larger than this fail with invalid_response; default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

interface PinnedTransport {
  dispatcher: Agent;
  /** undici's Request class, for openapi-fetch (mixing it with Node's global one breaks). */
  Request: typeof UndiciRequest;
  /** fetch bound to the dispatcher, each request bounded by the timeout. */
  fetch: (request: UndiciRequest) => ReturnType<typeof undiciFetch>;
  requestTimeoutMs: number;
  /** Which origins had a connection up, for failover.ts: could a failed request have gone out? */
  connections: ConnectionLedger;
}

/**
 * Per origin (`https://host:port`): how many connections are open now and how many were ever
 * opened (TLS done, identity checked). A request can only have gone out to an origin on such a
 * connection, so one that failed while none was open and none opened meanwhile never left.
 */
export class ConnectionLedger {
  private readonly open = new Map<string, number>();
  private readonly opened = new Map<string, number>();

  /** What to compare with after a request: taken just before it is sent. */
  mark(origin: string): { open: number; opened: number } {
    return { open: this.open.get(origin) ?? 0, opened: this.opened.get(origin) ?? 0 };
  }

  /** Whether a request to `origin` sent after `mark` may have gone out on a connection. */
  mayHaveSent(origin: string, mark: { open: number; opened: number }): boolean {
    return mark.open > 0 || (this.opened.get(origin) ?? 0) > mark.opened;
  }

  connected(origin: string, socket: { once(event: 'close', listener: () => void): unknown }): void {
    this.open.set(origin, (this.open.get(origin) ?? 0) + 1);
    this.opened.set(origin, (this.opened.get(origin) ?? 0) + 1);
    socket.once('close', () => this.open.set(origin, (this.open.get(origin) ?? 1) - 1));
  }
}

export function createPinnedTransport(options: PinnedTransportOptions): PinnedTransport {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const tls: ConnectionOptions & { timeout: number } = {
    ca: options.caPem,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Identity is the URI SAN, not the host name: the CP is accepted only with its SPIFFE id.
    checkServerIdentity: checkServerIdentityFor(options.expectedServerIdentity ?? CONTROL_PLANE_SPIFFE_ID),
    timeout: requestTimeoutMs,
  };
  const connections = new ConnectionLedger();
  const dispatcher = new Agent({
    connect: observed(connectorWithClientCertificate(tls, options.clientCertificate), connections, options.onConnect),
    // The client lets go of an idle connection before the server does, so a request is never
    // sent on a socket the server is closing: the CP says its keep-alive in `Keep-Alive:
    // timeout=N` (65 s) and undici closes KEEP_ALIVE_MARGIN_MS before that; without the hint,
    // after KEEP_ALIVE_DEFAULT_MS. A middlebox can still cut an idle socket: callers that may
    // repeat a request retry once on a reset (isConnectionReset; the agent's heartbeat does).
    keepAliveTimeout: KEEP_ALIVE_DEFAULT_MS,
    keepAliveTimeoutThreshold: KEEP_ALIVE_MARGIN_MS,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
  });
  return {
    dispatcher,
    Request: UndiciRequest,
    fetch: async (request) =>
      limitResponse(
        await undiciFetch(request, { dispatcher, signal: AbortSignal.timeout(requestTimeoutMs) }),
        options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        request.url,
      ),
    requestTimeoutMs,
    connections,
  };
}

function observed(
  connector: buildConnector.connector,
  connections: ConnectionLedger,
  onConnect: (() => void) | undefined,
): buildConnector.connector {
  return (connectOptions, callback) =>
    connector(connectOptions, (...result) => {
      if (result[0] === null) {
        connections.connected(originOf(connectOptions), result[1]);
        onConnect?.();
      }
      callback(...result);
    });
}

/** The origin a connection is for, spelled as URL.origin spells it (the client's key for it). */
function originOf(connectOptions: buildConnector.Options): string {
  // `host` is the URL's host with its port (an IPv6 address in brackets); `hostname` is unbracketed.
  const host =
    connectOptions.host ??
    (connectOptions.hostname.includes(':') ? `[${connectOptions.hostname}]` : connectOptions.hostname) +
      (connectOptions.port === '' ? '' : `:${connectOptions.port}`);
  return new URL(`${connectOptions.protocol}//${host}`).origin;
}

// A function-valued certificate is read for every new connection, so an agent picks up
// re-issued cert material (bootstrap --force) without a restart; the connector (and its TLS
// session cache) is rebuilt only when the material changed.
function connectorWithClientCertificate(
  tls: ConnectionOptions & { timeout: number },
  clientCertificate: PinnedTransportOptions['clientCertificate'],
): buildConnector.connector {
  if (clientCertificate === undefined) return buildConnector(tls);
  if (typeof clientCertificate !== 'function') {
    return buildConnector({ ...tls, cert: clientCertificate.certPem, key: clientCertificate.keyPem });
  }
  let cached: { certPem: string; keyPem: string; connector: buildConnector.connector } | undefined;
  return (connectOptions, callback) => {
    let material: ClientCertificate;
    try {
      material = clientCertificate();
    } catch (error) {
      callback(
        isOtherixError(error)
          ? error
          : new OtherixError(
              'tls_failed',
              `cannot load the client certificate for mTLS (${error instanceof Error ? error.message : String(error)}): check the cert files`,
              { cause: error },
            ),
        null,
      );
      return;
    }
    if (cached === undefined || cached.certPem !== material.certPem || cached.keyPem !== material.keyPem) {
      cached = {
        ...material,
        connector: buildConnector({ ...tls, cert: material.certPem, key: material.keyPem }),
      };
    }
    cached.connector(connectOptions, callback);
  };
}
