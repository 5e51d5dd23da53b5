// POST /v1/api-tokens (admin): mint an API token; the plaintext is in this response only.
import type { FastifyInstance } from 'fastify';
import { audit } from '../../../audit/audit.js';
import type { RouteOf } from '../../../openapi/operation-types.js';
import { routeSchema } from '../../../openapi/route-schema.js';
import { principalOf } from '../../../plugins/auth.js';

export default async function createApiTokenRoute(app: FastifyInstance): Promise<void> {
  app.post<RouteOf<'createApiToken'>>('', { schema: routeSchema('createApiToken') }, async (request, reply) => {
    const created = await app.services.apiTokens.mint(request.body, principalOf(request).name);
    audit(request, 'api_token.created', {
      api_token_id: created.id,
      api_token_name: created.name,
      role: created.role,
      expires_at: created.expires_at,
    });
    reply.code(201);
    return created;
  });
}
