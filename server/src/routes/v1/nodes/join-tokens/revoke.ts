// POST /v1/nodes/join-tokens/{id}/revoke (admin): idempotent; an expired token is 409.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../../audit/audit.js';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';

export default async function revokeJoinTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'revokeJoinToken'>>('/:id/revoke', { schema: routeSchema('revokeJoinToken') }, async (request) => {
    const revoked = await app.services.joinTokens.revoke(request.params.id);
    audit(request, 'join_token.revoked', { join_token_id: revoked.id, node_name: revoked.node_name });
    return revoked;
  });
}
