// GET /v1/nodes/join-tokens (admin): newest first; expired ones only with include_expired.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';

export default async function listJoinTokensRoute(app: FastifyInstance): Promise<void> {
  app.get<RouteOf<'listJoinTokens'>>('', { schema: routeSchema('listJoinTokens') }, async (request) =>
    app.services.joinTokens.list(request.query),
  );
}
