// POST /v1/nodes/{node}/cordon (admin, operator; by id): maintenance, excluded from placement.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import { nodeRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';

export default async function cordonNodeRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'cordonNode'>>('/:node/cordon', { schema: nodeRouteSchema('cordonNode') }, async (request) => {
    const node = await app.services.nodes.setCordoned(request.params.node, true);
    audit(request, 'node.cordoned', { node_id: node.id, node_name: node.name });
    return node;
  });
}
