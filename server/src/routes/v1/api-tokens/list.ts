// GET /v1/api-tokens (admin): newest first, never a plaintext or a hash.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';

export default async function listApiTokensRoute(app: FastifyInstance): Promise<void> {
  app.get<RouteOf<'listApiTokens'>>('', { schema: routeSchema('listApiTokens') }, async (request) =>
    app.services.apiTokens.list(request.query),
  );
}
