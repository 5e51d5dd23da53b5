// DELETE /v1/nodes/{node}[?force=true] (admin; by id): 409 while it hosts VMs or migrations.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import { nodeRouteSchema } from '../../../openapi/node-route-schemas.js';
import type { RouteOf } from '../../../openapi/operation-types.js';

export default async function deleteNodeRoute(app: FastifyInstance): Promise<void> {
  app.delete<RouteOf<'deleteNode'>>('/:node', { schema: nodeRouteSchema('deleteNode') }, async (request, reply) => {
    const force = request.query.force === true;
    const node = await app.services.nodes.delete(request.params.node, force);
    audit(request, 'node.deleted', {
      node_id: node.id,
      node_name: node.name,
      force,
      vm_count: node.vmCount,
      active_migrations: node.activeMigrations,
    });
    return reply.code(204).send();
  });
}
