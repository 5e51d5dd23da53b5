// Keep-alive is for callers that proved who they are (listener.ts): a TLS client certificate
// that chains to the cluster CA (a node, or the CP's own client identity), an API token the
// auth hook accepted, or a join token that was redeemed (routes with config.keepAliveOnSuccess).
// Any other answer (public routes, refusals, 404s) carries `Connection: close`, so a connection
// that never authenticates cannot sit in keep-alive: it lives at most the handshake, headers and
// request timeouts, then closes after its answer.
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sharedPlugin } from './shared-plugin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A success proves a credential carried in the body (POST /v1/nodes/join). */
    keepAliveOnSuccess?: boolean;
  }
}

/** Per connection (renegotiation is off, so its certificate cannot change). */
const certifiedSockets = new WeakMap<TLSSocket, boolean>();

/**
 * A client certificate that chains to the cluster CA. `authorized` alone is not enough: on a
 * resumed TLS session that carried no certificate, Node reports authorized = true.
 */
function hasClusterCertificate(socket: TLSSocket): boolean {
  let certified = certifiedSockets.get(socket);
  if (certified === undefined) {
    const certificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(false) : null;
    certified = socket.authorized === true && certificate !== null && Object.keys(certificate).length > 0;
    certifiedSockets.set(socket, certified);
  }
  return certified;
}

function provedCredential(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.principal !== null || request.node !== null) return true;
  if (request.routeOptions.config?.keepAliveOnSuccess === true && reply.statusCode >= 200 && reply.statusCode < 300) return true;
  return hasClusterCertificate(request.raw.socket as TLSSocket);
}

export default sharedPlugin('otherix-keep-alive-policy', async (app) => {
  app.addHook('onSend', async (request, reply) => {
    if (!provedCredential(request, reply)) reply.header('connection', 'close');
  });
});
