// POST /v1/nodes/heartbeat (a node, by its mTLS certificate only): liveness and inventory, and
// during a CA rotation the trust bundle and "renew now" (services/ca-rotation.ts).
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { nodeOf } from '../../../plugins/node-identity.js';

export default async function heartbeatRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'sendHeartbeat'>>(
    '/heartbeat',
    // Every node, every interval: two info lines per heartbeat would be most of the log (and of
    // the CPU) of a large cluster. Refusals are logged at warn (plugins/node-identity.ts).
    { schema: routeSchema('sendHeartbeat'), config: { metrics: 'heartbeat', refusalMakesNotReady: true }, logLevel: 'warn' },
    async (request) => {
      const node = nodeOf(request);
      const answer = await app.services.heartbeats.record(node, request.body);
      const socket = request.raw.socket as TLSSocket;
      const rotation = await app.services.caRotation.heartbeat(
        node,
        socket,
        () => socket.getPeerCertificate(false),
        request.body.ca_fingerprints,
      );
      return { ...answer, ...rotation };
    },
  );
}
