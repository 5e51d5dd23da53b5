// POST /v1/nodes/join (holder of a join token, in the body): redeem it for a node identity.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';

export default async function joinRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'joinNode'>>('/join', { schema: routeSchema('joinNode'), config: { keepAliveOnSuccess: true } }, async (request, reply) => {
    const joined = await app.services.redemption.redeem(request.body, request.ip);
    // The request body (token, CSR) is never logged; these fields are not secret.
    request.log.debug({ node_id: joined.node.id, node_name: joined.node.name, serial: joined.node.certificate.serial }, 'node joined');
    reply.code(201);
    return joined;
  });
}
