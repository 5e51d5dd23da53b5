// GET /v1/nodes (every role): ordered by name, filtered by architecture, status, schedulable;
// admin/operator get Node, developer/viewer NodeSummary, rendered by the store and sent as is.
import type { FastifyInstance } from 'fastify';
import { projectedRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { principalOf } from '../../../plugins/auth.js';

export default async function listNodesRoute(app: FastifyInstance): Promise<void> {
  app.get<RouteOf<'listNodes'>>('', { schema: projectedRouteSchema('listNodes') }, async (request, reply) => {
    const page = await app.services.nodes.listJson(request.query, principalOf(request).role);
    return reply.type('application/json; charset=utf-8').send(page);
  });
}
