// POST /v1/nodes/join-tokens (admin): mint a join token; the plaintext is in this response only.
import type { FastifyInstance } from 'fastify';
import type { RouteOf } from '../../../../openapi/operation-types.js';
import { routeSchema } from '../../../../openapi/route-schema.js';
import { principalOf } from '../../../../plugins/auth.js';

export default async function createJoinTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'createJoinToken'>>('', { schema: routeSchema('createJoinToken') }, async (request, reply) => {
    reply.code(201);
    return app.services.joinTokens.mint(request.body, principalOf(request).name);
  });
}
