// The agent's HTTPS server (State B), on plain node:https to keep the agent small (RSS budget
// 80 MiB). Who may talk to it (SPEC §5): only the control plane. The TLS layer demands a client
// certificate from the cluster CA (no certificate: the handshake fails); the request layer
// then accepts only the CP's identity, spiffe://otherix/control-plane, so a node's certificate,
// valid as it is, gets 403 `forbidden` and never opens another node's agent.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { OtherixError } from '@otherix/sdk';
import { CONTROL_PLANE_SPIFFE_ID, TLS_SERVER_POLICY, uriSansOf } from '@otherix/sdk/pki';
import { errorBody, formatHostPort, type ListenAddress } from '@otherix/sdk/internal';
import type { CertMaterial } from './cert-material.js';
import { parseListenAddress } from './listen-address.js';
import type { Logger } from './logger.js';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

interface AgentServerOptions {
  /** HOST:PORT from agent.yaml; port 0 takes a free one. */
  listen: string;
  material: CertMaterial;
  nodeName: string;
  version: string;
  logger: Logger;
  /** Seconds this agent has been up; default process.uptime. */
  uptimeSeconds?: () => number;
}

export interface AgentServer {
  /** Where it really listens (the port is resolved when `listen` asked for 0). */
  address: ListenAddress;
  /** Serves re-issued cert material (bootstrap --force) on new connections. */
  updateMaterial(material: CertMaterial): void;
  close(): Promise<void>;
}

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const { logger } = options;
  const uptime = options.uptimeSeconds ?? (() => process.uptime());
  const routes: Record<string, () => unknown> = {
    '/v1/agent/info': () => ({ node_name: options.nodeName, state: 'B', version: options.version, uptime_seconds: uptime() }),
    '/v1/agent/healthz': () => ({ status: 'ok' }),
  };

  const server: Server = createServer(
    {
      key: options.material.keyPem,
      cert: options.material.certPem,
      ca: options.material.caPem,
      requestCert: true,
      rejectUnauthorized: true,
      // The CP's TLS policy, from the one definition in the SDK: TLS 1.2+, AEAD suites only.
      ...TLS_SERVER_POLICY,
      // Anyone can open a TCP connection; nobody without a cluster certificate gets far, and
      // nobody may hold a half-open handshake or request for long.
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
    },
    (request, response) => handle(request, response),
  );

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const peerUris = uriSansOf(peerCertificateOf(request));
    if (!peerUris.includes(CONTROL_PLANE_SPIFFE_ID)) {
      logger.warn('agent server: refused a client that is not the control plane', {
        peer: peerUris.join(', ') || 'no URI SAN',
        remote_address: request.socket.remoteAddress,
      });
      return reply(
        response,
        403,
        errorBody(
          'forbidden',
          `only the control plane (${CONTROL_PLANE_SPIFFE_ID}) may call this agent; the client certificate carries ${peerUris.join(', ') || 'no URI SAN'}`,
        ),
      );
    }
    const path = pathOf(request.url);
    const route = path === undefined ? undefined : routes[path];
    if (route === undefined) {
      return reply(
        response,
        404,
        errorBody('not_found', `no route ${path ?? 'for that request target'} on the agent: see agent-openapi.yaml`),
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return reply(response, 405, errorBody('method_not_allowed', `${path} answers GET only`));
    }
    try {
      reply(response, 200, route(), request.method === 'HEAD');
    } catch (error) {
      logger.error('agent server: a route failed', { path, error });
      reply(response, 500, errorBody('internal', 'the agent failed to answer: see its log'));
    }
  }

  // A handshake refused for a missing or foreign certificate is the design working; log it at
  // debug so a scanner cannot fill the log.
  server.on('tlsClientError', (error) => logger.debug('agent server: TLS handshake refused', { error }));

  const wanted = parseListenAddress(options.listen);
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException): void =>
      reject(
        new OtherixError(
          'config_invalid',
          `cannot listen on ${formatHostPort(wanted.host, wanted.port)} (${error.code ?? error.message}): free the port, or change \`listen\` in agent.yaml (or OTHERIX_LISTEN)`,
          { cause: error },
        ),
      );
    server.once('error', refuse);
    server.listen(wanted.port, wanted.host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  // After listen, a server error (EMFILE on accept, ...) is logged; it never ends State B.
  server.on('error', (error) => logger.error('agent server: error', { error }));
  const bound = server.address() as AddressInfo;
  const address = { host: wanted.host, port: bound.port };
  logger.info(`agent server: listening on ${formatHostPort(address.host, address.port)}`, {
    listen: formatHostPort(address.host, address.port),
  });

  return {
    address,
    updateMaterial(material) {
      server.setSecureContext({ ...TLS_SERVER_POLICY, key: material.keyPem, cert: material.certPem, ca: material.caPem });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// A request target that is not a URL must not throw inside the handler: it is simply no route.
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'https://agent').pathname;
  } catch {
    return undefined;
  }
}

function peerCertificateOf(request: IncomingMessage): { subjectaltname?: string } {
  const socket = request.socket as TLSSocket;
  return typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : {};
}

function reply(response: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(headOnly ? undefined : text);
}
