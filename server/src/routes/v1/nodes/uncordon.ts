// POST /v1/nodes/{node}/uncordon (admin, operator; by id): status follows heartbeats again.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import { nodeRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';

export default async function uncordonNodeRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'uncordonNode'>>('/:node/uncordon', { schema: nodeRouteSchema('uncordonNode') }, async (request) => {
    const node = await app.services.nodes.setCordoned(request.params.node, false);
    audit(request, 'node.uncordoned', { node_id: node.id, node_name: node.name });
    return node;
  });
}
