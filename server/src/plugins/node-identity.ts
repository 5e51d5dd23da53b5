// The mTLS half of authentication: routes whose operation is mutualTLS get request.node from the
// client certificate, checked before the body is read. Also drains pending heartbeats on close.
import type { TLSSocket } from 'node:tls';
import type { FastifyError } from 'fastify';
import { OtherixError } from '@otherix/sdk';
import { isHttpError } from '../errors.js';
import type { NodeIdentity } from '../services/node-identity.js';
import { sharedPlugin } from './shared-plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The node behind an mTLS-authenticated request; null elsewhere. */
    node: NodeIdentity | null;
  }
  interface FastifyContextConfig {
    /**
     * An mTLS route whose refusals of the node's current certificate (a request the CP does not
     * take, a certificate outside its validity) make the node not_ready: the heartbeat. A refused
     * renewal changes nothing.
     */
    refusalMakesNotReady?: boolean;
  }
}

export default sharedPlugin('otherix-node-identity', async (app) => {
  const { nodeIdentity, heartbeats, heartbeatRefusals } = app.services;

  // The peer certificate is read once per connection (node-identity.ts): a TLS 1.2
  // renegotiation could swap it mid-connection, so none is allowed.
  app.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());

  app.decorateRequest('node', null);
  app.addHook('onRequest', async (request) => {
    if (request.is404 || request.routeOptions.config.access?.auth !== 'mtls') return;
    request.node = await nodeIdentity.authenticate(request.raw.socket as TLSSocket, {
      noteOutdated: request.routeOptions.config.refusalMakesNotReady === true,
    });
  });

  // Heartbeats log at warn (routes/v1/nodes/heartbeat.ts), so refusals are said here: a host that
  // keeps beating with a revoked or foreign certificate is something an operator should see.
  app.addHook('onError', async (request, _reply, error) => {
    if (request.routeOptions.config.access?.auth !== 'mtls') return;
    // The node's current certificate, and a request the CP refused (a body it does not take): the
    // node is not heard, so it is not ready (services/heartbeat-refusals.ts).
    if (request.node !== null && request.routeOptions.config.refusalMakesNotReady === true && isRequestRefusal(error)) {
      await heartbeatRefusals.record(request.node.nodeId, request.node.serial, request.log);
    }
    if (!isHttpError(error)) return;
    request.log.warn(
      { code: error.code, node_name: request.node?.name ?? error.details?.['node_name'] },
      `node request refused: ${error.message}`,
    );
  });

  // Registered after the services plugin, so this runs before the store closes (onClose is LIFO).
  app.addHook('onClose', async () => heartbeats.drain());
});

/** A refusal of the request itself (4xx: validation, size, not JSON), not a failure of the CP. */
function isRequestRefusal(error: FastifyError): boolean {
  if (isHttpError(error)) return error.statusCode >= 400 && error.statusCode < 500;
  if (error.validation !== undefined || error instanceof SyntaxError) return true;
  return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500;
}

/** The node of an mTLS-authenticated route (the hook guarantees it). */
export function nodeOf(request: { node: NodeIdentity | null }): NodeIdentity {
  if (request.node === null) throw new OtherixError('internal', 'nodeOf on a route without mTLS auth');
  return request.node;
}
