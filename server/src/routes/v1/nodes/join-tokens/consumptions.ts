// GET /v1/nodes/join-tokens/{id}/consumptions (admin): who redeemed a token, when, from where.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';

export default async function joinTokenConsumptionsRoute(app: FastifyInstance): Promise<void> {
  app.get<RouteOf<'listJoinTokenConsumptions'>>(
    '/:id/consumptions',
    { schema: routeSchema('listJoinTokenConsumptions') },
    async (request) => app.services.joinTokens.consumptions(request.params.id, request.query),
  );
}
