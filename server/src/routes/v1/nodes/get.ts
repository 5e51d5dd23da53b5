// GET /v1/nodes/{node} (every role): by name (a UUID literal is 400); Node or NodeSummary by role.
import type { FastifyInstance } from 'fastify';
import { nodeSchemaOf, projectedRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { principalOf } from '../../../plugins/auth.js';

export default async function getNodeRoute(app: FastifyInstance): Promise<void> {
  app.get<RouteOf<'getNode'>>('/:node', { schema: projectedRouteSchema('getNode') }, async (request, reply) => {
    const node = await app.services.nodes.get(request.params.node, principalOf(request).role);
    return reply.type('application/json; charset=utf-8').send(reply.serializeInput(node.body, nodeSchemaOf(node)));
  });
}
