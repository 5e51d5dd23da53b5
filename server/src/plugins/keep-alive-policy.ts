// Keep-alive is for connections on which the CP accepted a credential (listener.ts): an API
// token the auth hook accepted, a node's current certificate on a request the CP accepted (a
// heartbeat; the identity is checked again when the heartbeat commits), or a join token that was
// redeemed (routes with config.keepAliveOnSuccess). A client certificate that merely chains to
// the cluster CA earns nothing: a deleted or replaced node's certificate, or the CP's own client
// identity, still chains, and its refused requests must not hold connections open. Once a
// connection has earned it, its later answers that refuse nothing (a public route such as
// /healthz) keep it too; a refusal (4xx, 5xx) closes it. Any other answer carries
// `Connection: close`, so a connection that never authenticates cannot sit in keep-alive: it
// lives at most the handshake, headers and request timeouts, then closes after its answer.
//
// The same event takes the connection out of its source's count of connections that have not
// authenticated (services/unauthenticated-connections.ts); this plugin also keeps that count,
// closing a source's new connections beyond the limit as they are accepted.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthenticatedConnections } from '../services/unauthenticated-connections.js';
import { sharedPlugin } from './shared-plugin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A success proves a credential carried in the body (POST /v1/nodes/join). */
    keepAliveOnSuccess?: boolean;
  }
}

/** How often a refused-connection warning may be logged. */
const REFUSAL_WARNING_EVERY_MS = 60_000;
/** Sources a warning names at most. */
const SOURCES_NAMED = 5;

export interface KeepAlivePolicyOptions extends Record<string, unknown> {
  /** Connections one source may hold before they authenticate (listener.ts). */
  maxUnauthenticatedPerSource: number;
}

function isSuccess(reply: FastifyReply): boolean {
  return reply.statusCode >= 200 && reply.statusCode < 300;
}

function acceptedCredential(request: FastifyRequest, reply: FastifyReply): boolean {
  // The auth hook sets the principal only for a live token with a role the route takes.
  if (request.principal !== null) return true;
  if (request.node !== null) return isSuccess(reply);
  return request.routeOptions.config?.keepAliveOnSuccess === true && isSuccess(reply);
}

export default sharedPlugin<KeepAlivePolicyOptions>('otherix-keep-alive-policy', async (app, options) => {
  const unauthenticated = new UnauthenticatedConnections(options.maxUnauthenticatedPerSource);
  /** Connections on which a credential was accepted (renegotiation is off: the peer cannot change). */
  const authenticatedSockets = new WeakSet<object>();
  let refused = 0;
  const refusedSources = new Set<string>();
  let warnedAt = Number.NEGATIVE_INFINITY;

  app.server.on('connection', (socket: Socket) => {
    const admission = unauthenticated.admit(socket);
    if (admission.admitted) {
      socket.once('close', () => unauthenticated.closed(admission.key));
      return;
    }
    socket.destroy();
    refused += 1;
    if (refusedSources.size < SOURCES_NAMED) refusedSources.add(admission.source);
    const now = Date.now();
    if (now - warnedAt < REFUSAL_WARNING_EVERY_MS) return;
    const sources = [...refusedSources];
    app.log.warn(
      { refused_connections: refused, sources, max_unauthenticated_per_source: unauthenticated.perSource },
      `refused ${refused} new connection(s) since the last warning from ${sources.join(', ')}: each source (an IPv4 address, an IPv6 /64) may hold ` +
        `${unauthenticated.perSource} connections that have not authenticated yet; if these are real clients behind one address, raise --max-unauthenticated-per-source`,
    );
    refused = 0;
    refusedSources.clear();
    warnedAt = now;
  });

  app.addHook('onSend', async (request, reply) => {
    const socket = request.raw.socket;
    if (acceptedCredential(request, reply)) {
      // Once per connection: a node's heartbeats would otherwise rebuild its address key every time.
      if (!authenticatedSockets.has(socket)) {
        authenticatedSockets.add(socket);
        unauthenticated.authenticated(socket);
      }
    } else if (!authenticatedSockets.has(socket) || reply.statusCode >= 400) {
      reply.header('connection', 'close');
    }
  });
});
