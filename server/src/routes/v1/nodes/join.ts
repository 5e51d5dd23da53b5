// POST /v1/nodes/join (holder of a join token, in the body): redeem it for a node identity.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';

export default async function joinRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'joinNode'>>(
    '/join',
    { schema: routeSchema('joinNode'), config: { keepAliveOnSuccess: true, metrics: 'join' } },
    async (request, reply) => {
      const joined = await app.services.redemption.redeem(request.body, request.ip);
      // The request body (token, CSR) is never logged; these fields are not secret.
      const { node } = joined.response;
      const facts = {
        node_id: node.id,
        node_name: node.name,
        join_token_id: joined.joinTokenId,
        serial: node.certificate.serial,
        not_after: node.certificate.not_after,
      };
      audit(request, joined.reissued ? 'node.reissued' : 'node.joined', facts, { kind: 'join_token', id: joined.joinTokenId });
      reply.code(201);
      return joined.response;
    },
  );
}
