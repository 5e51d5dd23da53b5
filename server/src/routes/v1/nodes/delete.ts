// DELETE /v1/nodes/{node}[?force=true] (admin; by id): 409 while it hosts VMs or migrations.
import type { FastifyInstance } from 'fastify';
import { nodeRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';

export default async function deleteNodeRoute(app: FastifyInstance): Promise<void> {
  app.delete<RouteOf<'deleteNode'>>('/:node', { schema: nodeRouteSchema('deleteNode') }, async (request, reply) => {
    await app.services.nodes.delete(request.params.node, request.query.force === true);
    return reply.code(204).send();
  });
}
