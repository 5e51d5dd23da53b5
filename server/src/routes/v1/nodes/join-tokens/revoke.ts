// POST /v1/nodes/join-tokens/{id}/revoke (admin): idempotent; an expired token is 409.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';

export default async function revokeJoinTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'revokeJoinToken'>>('/:id/revoke', { schema: routeSchema('revokeJoinToken') }, async (request) =>
    app.services.joinTokens.revoke(request.params.id),
  );
}
