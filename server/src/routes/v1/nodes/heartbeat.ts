// POST /v1/nodes/heartbeat (a node, by its mTLS certificate only): liveness and inventory.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { nodeOf } from '../../../plugins/node-identity.js';

export default async function heartbeatRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'sendHeartbeat'>>('/heartbeat', { schema: routeSchema('sendHeartbeat'), config: { auth: 'mtls' } }, async (request) =>
    app.services.heartbeats.record(nodeOf(request), request.body),
  );
}
