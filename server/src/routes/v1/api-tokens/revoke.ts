// POST /v1/api-tokens/{id}/revoke (admin): idempotent; the token is refused from then on.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';

export default async function revokeApiTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'revokeApiToken'>>('/:id/revoke', { schema: routeSchema('revokeApiToken') }, async (request) =>
    app.services.apiTokens.revoke(request.params.id),
  );
}
