// POST /v1/api-tokens (admin): mint an API token; the plaintext is in this response only.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { principalOf } from '../../../plugins/auth.js';

export default async function createApiTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'createApiToken'>>('', { schema: routeSchema('createApiToken') }, async (request, reply) => {
    reply.code(201);
    return app.services.apiTokens.mint(request.body, principalOf(request).name);
  });
}
